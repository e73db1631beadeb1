"""Chinese word segmentation with the project's jieba user dictionary and stop-word list."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import jieba

# One directory so Rasa's JiebaTokenizer (dictionary_path) and our own tokeniser read the same words.
USER_DICT_FILE = Path(__file__).with_name("jieba_dict") / "userdict.txt"
STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")

jieba.setLogLevel(logging.WARNING)


def _read_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


class Tokeniser:
    """A jieba tokenizer of its own (never the global one) that knows the policy terms."""

    def __init__(self, extra_terms: Iterable[str] = (), user_dict: Path = USER_DICT_FILE,
                 stopwords: Path = STOPWORDS_FILE) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for line in _read_lines(user_dict):
            word, *rest = line.split()
            self._jieba.add_word(word, int(rest[0]) if rest else None)
        for term in extra_terms:
            self._jieba.add_word(term)
        self.stopwords = frozenset(_read_lines(stopwords))

    def words(self, normalised: str) -> list[str]:
        """Content words of already-normalised text: no spaces, no stop words."""
        return [
            w for w in self._jieba.lcut(normalised, HMM=True)
            if w.strip() and w not in self.stopwords
        ]
