"""What routes share: the long-lived components built at start-up, reached through app.state."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from jishijiu.settings import Settings
from policies_kb.retriever import Retriever


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_retriever(request: Request) -> Retriever:
    return request.app.state.retriever


SettingsDep = Annotated[Settings, Depends(get_settings)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
