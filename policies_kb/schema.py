"""Typed schema of a knowledge-base entry; every YAML file is validated against it at load."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from jishijiu.departments import by_name

EntryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

MAX_ANSWER_CHARS = 300


class Source(BaseModel):
    """Where an answer comes from: a published document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: NonEmpty                      # 《社会救助暂行办法》
    number: str | None = None               # 文号: 国务院令第649号 (None where it has none)
    issuer: NonEmpty                        # 国务院
    date: date                              # date of issue or of the figure's notice
    clause: str | None = None               # 第十一条 / 二、(三)
    url: str | None = None


class Effective(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "Effective":
        if self.start and self.end and self.end < self.start:
            raise ValueError("effective.to is before effective.from")
        return self


class Entry(BaseModel):
    """One question a resident may ask, with its sourced answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntryId
    title: NonEmpty
    questions: list[NonEmpty] = Field(min_length=3)
    answer: NonEmpty
    detail: str | None = None
    departments: list[NonEmpty] = Field(min_length=1)
    groups: list[NonEmpty] = Field(default_factory=list)
    source: Source
    effective: Effective = Field(default_factory=Effective)
    verified: bool

    @field_validator("answer")
    @classmethod
    def _short_answer(cls, v: str) -> str:
        if len(v) > MAX_ANSWER_CHARS:
            raise ValueError(f"answer has {len(v)} characters; keep it to {MAX_ANSWER_CHARS} and move the rest to `detail`")
        return v

    @field_validator("departments")
    @classmethod
    def _known_departments(cls, v: list[str]) -> list[str]:
        known = by_name()
        unknown = [d for d in v if d not in known]
        if unknown:
            raise ValueError(f"unknown department(s) {unknown}; use one of {sorted(known)}")
        return v


class TopicFile(BaseModel):
    """One YAML file: a topic and its entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: NonEmpty
    entries: list[Entry] = Field(min_length=1)
