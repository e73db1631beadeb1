"""action_cancel_application: leave the form and keep nothing that was half filled in."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.personal import forget_numbers
from actions.slots import forget_everything
from actions.wording import say


class ActionCancelApplication(Action):
    """Deactivates the form, resets every application/emergency/status answer and purges the vault."""

    def name(self) -> str:
        return "action_cancel_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        await forget_numbers(runtime.current().vault, tracker.sender_id)
        dispatcher.utter_message(text=say("cancelled"))
        return forget_everything(tracker)
