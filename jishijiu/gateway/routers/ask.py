"""POST /api/ask: a policy question in, a cited answer (or an honest 'not sure') out."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter
from pydantic import BaseModel, Field

from jishijiu.gateway.dependencies import RetrieverDep, SettingsDep
from policies_kb.answering import MAX_QUESTION_CHARS, RelatedRef, SourceRef, answer_question

router = APIRouter(prefix="/api", tags=["policy Q&A"])


class AskRequest(BaseModel):
    text: str = Field(description=f"The question in everyday Chinese, 1–{MAX_QUESTION_CHARS} characters.",
                      examples=["低保咋申请"])


class AskResponse(BaseModel):
    answer: str
    sources: list[SourceRef] = Field(description="Empty when nothing is cited (the answer then points to a person).")
    confidence: float
    related: list[RelatedRef]


@router.post("/ask", response_model=AskResponse)
async def ask(body: AskRequest, retriever: RetrieverDep, settings: SettingsDep) -> AskResponse:
    # retrieval is CPU work: off the event loop, so that public questions cannot stall Rasa's action calls
    reply = await asyncio.to_thread(answer_question, body.text, retriever, settings.qa_threshold)
    return AskResponse(
        answer=reply.answer,
        sources=list(reply.sources),
        confidence=reply.confidence,
        related=list(reply.related),
    )
