"""Text normalisation shared by the knowledge base, triage and the bot: script, width, case, punctuation."""
from __future__ import annotations

import re
import unicodedata

import zhconv

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SEPARATORS = re.compile(r"[\s\u3000]+|[^\w]+", re.UNICODE)
_REPEATS = re.compile(r"(.)\1{3,}")


def normalise(text: str) -> str:
    """Simplified script, half-width, lower case; punctuation and runs of spaces become one space.

    '低保怎麼申請？？' → '低保怎么申请'; 'ＡＢＣ１２３' → 'abc123'.
    """
    text = unicodedata.normalize("NFKC", text)
    text = zhconv.convert(text, "zh-cn")
    text = text.lower()
    text = _REPEATS.sub(r"\1\1\1", text)      # 'aaaaaa' and '哈哈哈哈哈哈' stop at three
    return _SEPARATORS.sub(" ", text).strip()


def chinese_characters(text: str) -> int:
    """How many Chinese characters (CJK unified ideographs) the text holds: '张三，139****5678' → 2."""
    return len(_CJK.findall(text))
