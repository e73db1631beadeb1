"""POST /api/ask: a policy question in, a cited answer (or an honest 'not sure') out."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, Field

from jishijiu.gateway.dependencies import RetrieverDep, SettingsDep
from policies_kb.answering import MAX_QUESTION_CHARS, answer_question

router = APIRouter(prefix="/api", tags=["policy Q&A"])


class AskRequest(BaseModel):
    text: str = Field(description=f"The question in everyday Chinese, 1–{MAX_QUESTION_CHARS} characters.",
                      examples=["低保咋申请"])


class SourceOut(BaseModel):
    id: str
    title: str
    issuer: str
    document: str
    date: str
    verified: bool


class RelatedOut(BaseModel):
    id: str
    title: str


class AskResponse(BaseModel):
    answer: str
    sources: list[SourceOut] = Field(description="Empty when nothing is cited (the answer then points to a person).")
    confidence: float
    related: list[RelatedOut]


@router.post("/ask", response_model=AskResponse)
async def ask(body: AskRequest, retriever: RetrieverDep, settings: SettingsDep) -> AskResponse:
    reply = answer_question(body.text, retriever, settings.qa_threshold)
    return AskResponse(
        answer=reply.answer,
        sources=[SourceOut(**asdict(s)) for s in reply.sources],
        confidence=reply.confidence,
        related=[RelatedOut(**asdict(r)) for r in reply.related],
    )
