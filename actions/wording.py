"""What the actions say: replies.yaml loaded and checked once, filled in by key, and times said in plain words."""
from __future__ import annotations

import string
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from triage import CHINA_TZ

REPLIES_FILE = Path(__file__).with_name("replies.yaml")

# Every key the actions use, with the placeholders each must (and may only) contain.
REQUIRED: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in {
    "handoff_wait": "", "situation_empty": "", "situation_thin": "", "place_note_township_by_phone": "",
    "place_note_by_phone": "", "place_by_phone": "place", "household_by_phone": "", "handoff_stuck": "wait",
    "confirm_fix": "", "emergency_filed": "safety case_number due", "emergency_submitted_unplaced": "case_number due phone",
    "emergency_place_unconfirmed": "", "emergency_more": "case_number", "emergency_resume_application": "",
    "emergency_application_completed": "case_number", "emergency_no_phone": "", "emergency_phone_given_up": "",
    **{f"ask_again_{slot}": "" for slot in (
        "situation", "consent", "applies_for", "on_behalf_consent", "applicant_name", "id_number", "phone",
        "location_code", "household_size", "difficulty_kind", "emergency_phone", "emergency_location",
        "application_confirmed")}, "situation_too_long": "limit", "situation_emergency": "safety",
    "applies_for_unclear": "", "yes_no_unclear": "", "name_invalid": "reason", "name_unclear": "",
    "id_invalid": "reason", "id_missing": "",
    "id_expired": "", "phone_invalid": "reason", "phone_missing": "", "phone_expired": "",
    "place_unknown": "place", "place_ambiguous": "reason", "household_unclear": "", "household_range": "",
    "difficulty_unclear": "",
    "confirm_summary": "applies name id_number phone place household kind situation",
    "consent_refused": "", "on_behalf_refused": "", "not_confirmed": "", "place_again": "", "details_expired": "",
    "submitted": "case_number", "promise_emergency": "due", "promise_urgent": "due", "promise_normal": "due",
    "submitted_tail": "", "store_down": "", "emergency_start": "safety", "emergency_default_safety": "",
    "emergency_submitted": "case_number due phone", "emergency_store_down": "",
    "emergency_place_text": "", "ask_more_emergency_location": "said", "status_found": "case_number label last_step deadline",
    "status_due": "due rule", "status_overdue": "due", "status_closed": "", "status_not_found": "",
    "status_bad_number": "", "status_bad_last4": "", "status_store_down": "", "status_locked": "", "handoff": "wait",
    "handoff_fallback": "wait", "handoff_down": "", "cancelled": "", "rephrase": "", "policy_related": "titles",
    "policy_empty": "",
}.items()}


class RepliesError(ValueError):
    """replies.yaml is missing a reply or a reply has the wrong placeholders; the message names the key."""


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_replies(path: Path = REPLIES_FILE) -> dict[str, str]:
    """Read and check the replies file; RepliesError names the file and the key."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise RepliesError(f"{path}: expected a mapping of reply keys to texts")
    for key, fields in REQUIRED.items():
        text = raw.get(key)
        if not isinstance(text, str) or not text.strip():
            raise RepliesError(f"{path}: reply {key!r} is missing or empty")
        if _fields(text) != fields:
            raise RepliesError(f"{path}: reply {key!r} must use the placeholders {sorted(fields)}, "
                               f"not {sorted(_fields(text))}")
    unknown = sorted(set(raw) - set(REQUIRED))
    if unknown:
        raise RepliesError(f"{path}: unknown reply keys {unknown}")
    return {k: str(v).strip() for k, v in raw.items()}


@lru_cache(maxsize=1)
def replies() -> dict[str, str]:
    return load_replies()


def say(key: str, **fields: Any) -> str:
    """The reply `key` with its placeholders filled in."""
    return replies()[key].format(**fields)


def when(due: datetime) -> str:
    """A deadline in Beijing time, plainly: '3月3日12:00'; a day's end (23:59:59) as '3月6日24时'."""
    local = due.astimezone(CHINA_TZ)
    if (local.hour, local.minute) == (23, 59):
        return f"{local.month}月{local.day}日24时"
    return f"{local.month}月{local.day}日{local:%H:%M}"


def button(title: str, payload: str) -> dict[str, str]:
    return {"title": title, "payload": payload}


HUMAN_BUTTON = button("转人工", "/request_human")
APPLY_BUTTON = button("申请救助", "/apply_help")
