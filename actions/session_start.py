"""action_session_start: a fresh session, with the channel and a QR poster's village taken from the metadata."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.slots import CHANNELS
from cases.errors import UnknownDivision

# Rasa 3.6 puts the first message's metadata into this slot just before it runs action_session_start.
SESSION_METADATA_SLOT = "session_started_metadata"


def session_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata sent with the message that started the session (else with the latest message)."""
    metadata = tracker.get_slot(SESSION_METADATA_SLOT) or (tracker.latest_message or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def metadata_slots(metadata: dict[str, Any]) -> list[EventType]:
    """channel (when known) and, for a known village_code, the preset place."""
    events: list[EventType] = []
    channel = metadata.get("channel")
    if isinstance(channel, str) and channel in CHANNELS:
        events.append(SlotSet("channel", channel))
    code = metadata.get("village_code")
    if isinstance(code, str) and code.strip():
        divisions = runtime.current().divisions
        try:
            location = divisions.locate(code.strip())
        except UnknownDivision:
            return events
        events += [SlotSet("village_code", code.strip()), SlotSet("location_code", code.strip()),
                   SlotSet("location_label", location.label)]
    return events


class ActionSessionStart(Action):
    """Starts a session (no slots carried over) and presets channel and place from the metadata."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return [SessionStarted(), *metadata_slots(session_metadata(tracker)), ActionExecuted("action_listen")]
