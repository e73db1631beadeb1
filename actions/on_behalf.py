"""action_set_on_behalf: 替别人申请 — the application will be for someone else."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionSetOnBehalf(Action):
    """Presets applies_for=other before application_form starts (its on-behalf consent is then asked)."""

    def name(self) -> str:
        return "action_set_on_behalf"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("applies_for", "other")]
