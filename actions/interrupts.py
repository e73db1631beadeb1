"""The gateway's emergency trigger inside a form: the form steps aside so the emergency rule can run."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet

from actions import parsing

TRIGGER_INTENT = "report_emergency"
TRIGGER_ENTITY = "emergency_situation"


def is_emergency_trigger(tracker: Tracker) -> bool:
    """The latest message is the gateway's /report_emergency{"emergency_situation": ...}, not words typed in
    answer to the form (words that merely sound urgent are the gateway's triage to judge, and answer the form)."""
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") != TRIGGER_INTENT:
        return False
    text = latest.get("text") or ""
    has_entity = any(e.get("entity") == TRIGGER_ENTITY for e in latest.get("entities") or [])
    return has_entity or parsing.is_payload(text)


def step_aside(tracker: Tracker, form: str) -> list[EventType]:
    """Undo what the trigger's text filled and reject the form's turn; the rule for report_emergency follows."""
    return [*(SlotSet(name, None) for name in tracker.slots_to_validate() if name != TRIGGER_ENTITY),
            ActionExecutionRejected(form)]
