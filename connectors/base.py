"""What every door into the conversation has in common (after Rasa's rasa/core/channels: the channel owns its
protocol, the conversation knows no channel).

A connector receives and verifies a message in its channel's protocol, decides *who is speaking* from what the
channel authenticates (a signature, a webhook secret, a server-issued session, a key), normalises it to a turn,
hands the turn to the ChatService, and renders the replies in the channel's own format. The gateway mounts each
connector's router.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from fastapi import APIRouter


class DoorRefused(Exception):
    """A door refuses a request in its own protocol's terms: the HTTP status and a message, Chinese first."""

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        self.status, self.message_zh, self.message_en = status, message_zh, message_en
        super().__init__(message_en)


class Connector(ABC):
    name: ClassVar[str]            # the sender namespace: "<name>:<id>"

    @abstractmethod
    def router(self) -> APIRouter:
        """The channel's endpoints."""

    def sender(self, user_id: str) -> str:
        return f"{self.name}:{user_id}"
