"""POST /api/triage: a situation in, urgency, routes, reasons and the first-response deadline out."""
from __future__ import annotations

import asyncio

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from jishijiu.departments import by_id as departments_by_id
from nlu.textinput import require_text
from triage import Assessment, CHINA_TZ, assess_now

router = APIRouter(prefix="/api", tags=["triage"])
MAX_SITUATION_CHARS = 2000


class TriageRequest(BaseModel):
    text: str = Field(description=f"The situation in the resident's words, 1–{MAX_SITUATION_CHARS} characters.",
                      examples=["我爸心梗正在医院抢救，押金交不上"])


class DepartmentOut(BaseModel):
    id: str
    name: str


class TriageResponse(BaseModel):
    urgency: Literal["emergency", "urgent", "normal"]
    respond_within: str = Field(description="The first-response promise, e.g. 2小时内, 24小时内, 3个工作日内.")
    due_at: datetime = Field(description="When the first response is due, ISO 8601 in +08:00.")
    reasons: list[str] = Field(description="The cues found, in Chinese.")
    departments: list[DepartmentOut]
    assistance: list[str]
    safety: list[str] = Field(description="Safety guidance, with 120/110/119 where life is at risk.")
    warnings: list[str] = Field(description="For operators, e.g. the due year's holidays are not yet confirmed.")


def triage_response(assessment: Assessment) -> TriageResponse:
    known = departments_by_id()
    return TriageResponse(
        urgency=assessment.urgency.value,
        respond_within=assessment.respond_within,
        due_at=assessment.due_at.astimezone(CHINA_TZ),
        reasons=list(assessment.reasons),
        departments=[DepartmentOut(id=d, name=known[d].name) for d in assessment.departments],
        assistance=list(assessment.assistance),
        safety=list(assessment.safety),
        warnings=list(assessment.warnings),
    )


@router.post("/triage", response_model=TriageResponse)
async def triage(body: TriageRequest) -> TriageResponse:
    text = require_text(body.text, MAX_SITUATION_CHARS, "情况说明", "The situation")
    assessment = await asyncio.to_thread(assess_now, text, datetime.now(CHINA_TZ).replace(microsecond=0))
    return triage_response(assessment)         # (the learned classifier is CPU work: off the event loop)
