"""Assisted chat for hotline agents (代填代办), pure apart from the retriever: from what the caller has said so
far, the knowledge base's best answers with their sources, the triage, and the application fields that can be
filled, each with its validation in Chinese. Nothing here is stored: the agent confirms, then files."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from datetime import datetime
from typing import Any

from actions.parsing import difficulty_kind
from actions.places import resolve_place
from actions.understanding import find_name, household
from cases.divisions import Divisions
from cases.errors import InvalidInput, UnknownDivision
from cases.identity import parse_id_number, parse_name, parse_phone
from nlu.masking import mask_personal_data
from policies_kb.answering import RELATED_FLOOR_SHARE, citation, departments_text, source_ref
from policies_kb.retriever import Retriever
from triage import Assessment, TriageConfig, assess

ANSWERS = 3
_SEPARATED_DIGITS = re.compile(r"(?<=[0-9])[\s\-.·]+(?=[0-9Xx])")
_ID_CANDIDATE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_PHONE_CANDIDATE = re.compile(r"(?<![0-9])(?:\+?86)?(1[0-9]{10})(?![0-9])")


def _numbers_written_together(text: str) -> str:
    """Full-width digits to ASCII (NFKC), and the spaces, dashes and dots inside a number taken out."""
    return _SEPARATED_DIGITS.sub("", unicodedata.normalize("NFKC", text))


def _field(value: Any = None, label: str | None = None, error: str | None = None) -> dict[str, Any]:
    return {"value": value, "label": label, "error": error}


def read_fields(transcript: str, divisions: Divisions) -> dict[str, dict[str, Any]]:
    """name, id_number, phone, division, household_size, difficulty_kind: each {value, label, error}; a value is
    None when nothing was said, an error says what is wrong with what was said."""
    text = _numbers_written_together(transcript)
    fields: dict[str, dict[str, Any]] = {}
    name = find_name(text)
    try:
        fields["name"] = _field(parse_name(name).value) if name else _field()
    except InvalidInput as exc:
        fields["name"] = _field(name, error=exc.message_zh)
    ids = _ID_CANDIDATE.findall(text)
    try:
        fields["id_number"] = _field(parse_id_number(ids[-1]).value) if ids else _field()
    except InvalidInput as exc:
        fields["id_number"] = _field(ids[-1], error=exc.message_zh)
    phones = [p for p in _PHONE_CANDIDATE.findall(text) if not any(p in i for i in ids)]
    try:
        fields["phone"] = _field(parse_phone(phones[-1]).value) if phones else _field()
    except InvalidInput as exc:
        fields["phone"] = _field(phones[-1], error=exc.message_zh)
    try:
        place = resolve_place(divisions, mask_personal_data(text))
        location = divisions.locate(place.code)
        fields["division"] = _field(place.code, location.label)
    except UnknownDivision as exc:
        fields["division"] = _field(error=exc.message_zh if "未找到" not in exc.message_zh else None)
    size = household(text)
    fields["household_size"] = _field(size, f"{size}人" if size else None)
    kind = difficulty_kind(text, strict=True)
    fields["difficulty_kind"] = _field(kind, kind)
    return fields


def best_answers(question: str, retriever: Retriever, threshold: float) -> list[dict[str, Any]]:
    """The top answers for what the caller just asked, each with its citation; `confident` when it clears the
    threshold the residents' chat uses (the rest are shown as possibly related)."""
    hits = retriever.rank(question, limit=ANSWERS) if question.strip() else []
    return [{"id": h.entry.id, "title": h.entry.title, "score": round(h.score, 3), "confident": h.score >= threshold,
             "answer": "\n".join((h.entry.answer.strip(), "负责部门：" + "、".join(departments_text(h.entry)),
                                  citation(h.entry))),
             "source": asdict(source_ref(h.entry))}
            for h in hits if h.score >= threshold * RELATED_FLOOR_SHARE]


def triage_of(transcript: str, now: datetime, config: TriageConfig) -> Assessment:
    return assess(mask_personal_data(transcript), now, config.rules, config.deadline_rules, config.calendar,
                  config.model)
