"""Calling the synchronous case store from async actions: in a worker thread, with 'the store is down' typed."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

P = ParamSpec("P")
T = TypeVar("T")

# A database that is down, unreachable or refusing: the action apologises and offers the hotline.
STORE_DOWN: tuple[type[Exception], ...] = (SQLAlchemyError, OSError, TimeoutError)


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking store call (SQLAlchemy 2, sync) without blocking the gateway's event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
