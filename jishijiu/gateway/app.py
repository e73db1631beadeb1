"""create_app(settings): assembles routers, error handlers and the components' lifespan."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy import Engine

from actions import runtime as action_runtime
from cases.divisions import cached_divisions
from cases.encryption import build_cipher
from cases.errors import UnknownDivision
from cases.service import attach_to_recent_case
from connectors.api_keys import parse_api_keys
from connectors.ratelimit import Limits, RateLimiter
from connectors.base import DoorRefused
from conversation.attachments import PendingAttachments
from conversation.chat import ChatService
from conversation.clarify import PendingClarifications
from conversation.handoff import HandoffPause
from conversation.lookups import LookupGuard
from conversation.once import TurnOnce
from conversation.payloads import IssuedPayloads
from conversation.repeats import ReplyRepeats
from conversation.inbox import Inbox
from conversation.rasa_client import RasaClient
from conversation.vault import PersonalDataVault
from jishijiu.bootstrap import build_retriever, rasa_token
from jishijiu.db import make_engine, make_session_factory
from jishijiu.gateway import errors
from jishijiu.gateway.doors import mount_doors
from jishijiu.gateway.limits import BodySizeLimit
from jishijiu.gateway.routers import actions, ask, chat, health, triage
from jishijiu.settings import Settings, SettingsError
from triage import default_triage

log = logging.getLogger(__name__)


def _migrate(engine: Engine) -> None:
    """Bring the store up to date; a database that is down must not stop the Q&A."""
    from cases.migrate import upgrade

    try:
        upgrade(engine)
    except Exception as exc:  # noqa: BLE001 - reported, and /healthz shows the database down
        log.warning("database not migrated (is it up?): %s", exc.__class__.__name__)


async def _wait_for_person(session_factory: Any, sender: str, channel: str, reason: str, text: str) -> int:
    from conversation.handoff import keep_waiting

    return await asyncio.to_thread(keep_waiting, session_factory, sender=sender, channel=channel, reason=reason,
                                   last_message=text, now=datetime.now(timezone.utc))


def _check_key(session_factory: Any, cipher: Any) -> None:
    """A key this database does not know stops the start (SettingsError says what to do); a database that is down
    does not (the check runs at the next start, and nothing can be sealed meanwhile anyway)."""
    from sqlalchemy.exc import SQLAlchemyError

    from cases.keys import KeyMismatch, check_key

    try:
        check_key(session_factory, cipher, datetime.now(timezone.utc))
    except KeyMismatch as exc:
        raise SettingsError("JISHIJIU_SECRET_KEY", f"<key {cipher.key_id}>", str(exc)) from None
    except SQLAlchemyError as exc:
        log.warning("secret key not checked against the database (is it up?): %s", exc.__class__.__name__)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        state.settings = settings
        state.retriever = build_retriever(settings.kb_dir)
        triage_config = default_triage()           # a broken rules file stops start-up here, naming it
        state.triage_config = triage_config
        state.engine = make_engine(settings)
        await asyncio.to_thread(_migrate, state.engine)
        session_factory = make_session_factory(state.engine)
        state.session_factory = session_factory
        state.redis = aioredis.from_url(settings.redis_url, socket_connect_timeout=0.5, socket_timeout=1.0,
                                        retry_on_timeout=False, retry=None)
        state.handoff_pause = HandoffPause(state.redis)
        cipher = build_cipher(settings)
        await asyncio.to_thread(_check_key, session_factory, cipher)
        vault = PersonalDataVault(state.redis, cipher)
        divisions = cached_divisions(settings.divisions_file)
        try:
            divisions.locate(settings.intake_division)
        except UnknownDivision:
            raise SettingsError("JISHIJIU_INTAKE_DIVISION", settings.intake_division,
                                "no such division (shipped: JN-Z00, the city intake; or a county/township code)") \
                from None
        attachments = PendingAttachments(state.redis, partial(attach_to_recent_case, session_factory))
        state.attachments = attachments
        state.lookups = LookupGuard(state.redis)
        action_runtime.configure(action_runtime.ActionRuntime(
            settings=settings, retriever=state.retriever, session_factory=session_factory, cipher=cipher,
            divisions=divisions, vault=vault, triage=triage_config,
            intake_division=settings.intake_division, attachments=attachments, lookups=state.lookups))
        state.action_executor = actions.build_executor()
        state.rasa = RasaClient(settings.rasa_url, rasa_token(settings))
        inbox = Inbox(session_factory)
        state.api_keys = parse_api_keys(settings.api_keys)
        state.rate_limiter = RateLimiter(state.redis, Limits(settings.rate_per_sender, settings.rate_per_address))
        state.chat = ChatService(state.rasa, vault, state.retriever, settings.qa_threshold, triage_config,
                                 inbox.record, inbox.mark, PendingClarifications(state.redis),
                                 ReplyRepeats(state.redis), state.handoff_pause.paused, IssuedPayloads(state.redis),
                                 TurnOnce(state.redis), partial(_wait_for_person, session_factory))
        closers = mount_doors(app, settings, session_factory)     # the doors need the running components
        try:
            yield
        finally:
            for close in closers:
                await close()
            await state.rasa.aclose()
            await state.redis.aclose()
            state.engine.dispose()

    app = FastAPI(
        title="济时救 jishijiu gateway",
        description="The front door of Jining's 济时救 instant social assistance: policy Q&A, applications, triage.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    errors.install_door_errors(app, DoorRefused)
    app.add_middleware(BodySizeLimit, status_by_prefix={"/wechat": 400})
    for module in (health, ask, triage, chat, actions):
        app.include_router(module.router)
    return app
