"""Turns a ranking into a reply: a cited answer when confident, an honest 'not sure' with human channels otherwise."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from nlu.textinput import InvalidText, require_text
from policies_kb.retriever import Hit, Retriever, departments_text
from policies_kb.schema import Entry

REPLIES_FILE = Path(__file__).with_name("replies.yaml")
MAX_QUESTION_CHARS = 2000
RELATED_FLOOR_SHARE = 0.6       # related entries must score at least this share of the threshold


class InvalidQuestion(InvalidText):
    """A question that cannot be answered as given."""


@dataclass(frozen=True)
class SourceRef:
    id: str
    title: str
    issuer: str
    document: str
    date: str
    verified: bool


@dataclass(frozen=True)
class RelatedRef:
    id: str
    title: str


@dataclass(frozen=True)
class Reply:
    answer: str
    sources: tuple[SourceRef, ...]
    confidence: float
    related: tuple[RelatedRef, ...]

    @property
    def answered(self) -> bool:
        return bool(self.sources)


@lru_cache(maxsize=1)
def _templates() -> dict[str, str]:
    return yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))


def check_question(text: object) -> str:
    """The question as text, or InvalidQuestion saying why not."""
    try:
        return require_text(text, MAX_QUESTION_CHARS, "问题", "The question")
    except InvalidText as exc:
        raise InvalidQuestion(exc.message_zh, exc.message_en) from None


def citation(entry: Entry) -> str:
    s = entry.source
    return _templates()["citation"].format(
        document=s.document,
        number=f"（{s.number}）" if s.number else "",
        clause=s.clause or "",
        issuer=s.issuer,
        date=s.date.isoformat(),
    )


def source_ref(entry: Entry) -> SourceRef:
    s = entry.source
    return SourceRef(entry.id, entry.title, s.issuer, s.document, s.date.isoformat(), entry.verified)


def compose(hits: list[Hit], threshold: float) -> Reply:
    """Pure: the reply for a ranking, given the confidence threshold."""
    confidence = round(hits[0].score, 4) if hits else 0.0
    floor = threshold * RELATED_FLOOR_SHARE
    if not hits or hits[0].score < threshold:
        related = tuple(RelatedRef(h.entry.id, h.entry.title) for h in hits[:3] if h.score >= floor)
        answer = _templates()["not_sure"]
        if related:
            answer += "\n" + _templates()["related_intro"] + "；".join(r.title for r in related)
        return Reply(answer, (), confidence, related)
    best = hits[0].entry
    parts = [best.answer.strip(), "负责部门：" + "、".join(departments_text(best)), citation(best)]
    if not best.verified:
        parts.append(_templates()["unverified"])
    related = tuple(RelatedRef(h.entry.id, h.entry.title) for h in hits[1:4] if h.score >= floor)
    return Reply("\n".join(parts), (source_ref(best),), confidence, related)


def answer_question(text: object, retriever: Retriever, threshold: float) -> Reply:
    question = check_question(text)
    return compose(retriever.rank(question, limit=5), threshold)
