"""The ASGI entry point for multi-process serving: each worker builds its app from the environment's settings."""
from __future__ import annotations

from fastapi import FastAPI

from jishijiu import logs
from jishijiu.gateway.app import create_app
from jishijiu.settings import load_settings


def app() -> FastAPI:
    settings = load_settings()
    logs.configure(settings.log_level)
    return create_app(settings)
