"""Checks free text typed by a resident or an agent before any processing: present, text, no control characters,
not too long."""
from __future__ import annotations

import re

# NUL and the other C0/C1 control characters (tab, newline and carriage return are ordinary text)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class InvalidText(ValueError):
    """Text that cannot be processed as given, with the reason in Chinese and English (422 at the edge)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


def require_text(text: object, max_chars: int, what_zh: str = "内容", what_en: str = "The text") -> str:
    if not isinstance(text, str):
        raise InvalidText(f"{what_zh}需要是文字。", f"{what_en} must be text.")
    if not text.strip():
        raise InvalidText(f"{what_zh}不能为空，请写下您想说的事。", f"{what_en} must not be empty.")
    if _CONTROL.search(text):
        raise InvalidText(f"{what_zh}里有无法识别的控制字符，请删掉后重新输入。",
                          f"{what_en} contains control characters (such as NUL).")
    if len(text) > max_chars:
        raise InvalidText(f"{what_zh}太长了（超过{max_chars}字），请简短一些。",
                          f"{what_en} is longer than {max_chars:,} characters.")
    return text
