"""What the resident is told when their case moves on (pure: payload in, Chinese text out; wording in
cases/data/notices.yaml). Built from outbox payloads, which hold masked values only."""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from cases.states import LABELS, CaseState

WORDING = Path(__file__).with_name("data") / "notices.yaml"
MESSAGE_KIND = "case.message"          # a caseworker's message to the resident
STATUS_KIND = "case.transitioned"


class NoticeWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prefix: str
    status: dict[CaseState, str]
    other: str
    message: str
    footer: str
    handoff_escalated: str


@lru_cache(maxsize=4)
def load_wording(path: Path = WORDING) -> NoticeWording:
    return NoticeWording.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def render_notice(payload: Mapping[str, Any], wording: NoticeWording | None = None) -> str | None:
    """The notice for an outbox payload addressed to the resident; None for a kind residents are not told."""
    say = wording or load_wording()
    detail = payload.get("detail") or {}
    number = payload["case_number"]
    if payload.get("kind") == MESSAGE_KIND:
        body = say.message.format(number=number, text=detail.get("text", ""))
    elif payload.get("kind") == STATUS_KIND:
        state = CaseState(detail.get("after") or payload["status"])
        template = say.status.get(state, say.other)
        body = template.format(number=number, label=LABELS[state], reason=detail.get("reason") or "未写明")
    else:
        return None
    return f"{say.prefix}{body}{say.footer}"
