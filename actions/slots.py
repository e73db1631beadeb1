"""Slot names by form, and the events that forget a form's answers (a QR-preset place is kept)."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

APPLICATION_SLOTS = (
    "situation", "consent", "applies_for", "on_behalf_consent", "applicant_name", "id_number", "phone",
    "location_code", "location_label", "household_size", "difficulty_kind", "application_confirmed",
    "form_handoff", "asked_counts", "completing_case",
)
# The emergency case (filed at once) that the resumed application completes instead of filing a second case.
COMPLETING_CASE = "completing_case"
EMERGENCY_SLOTS = ("emergency_situation", "emergency_phone", "emergency_location", "emergency_place_first",
                   "emergency_case_number")
# The resident's first words for the emergency's place when they matched no division (asked once more, kept).
EMERGENCY_PLACE_FIRST = "emergency_place_first"
STATUS_SLOTS = ("status_case_number", "status_phone_last4")
PLACE_SLOTS = ("location_code", "location_label")
# How many times each question of the current form was asked: {"location_code": 2, …} (actions/asking.py).
ASKED_COUNTS = "asked_counts"
CHANNELS = ("webchat", "wechat", "telegram", "hotline", "qr", "api")
DEFAULT_CHANNEL = "webchat"


def place_is_preset(tracker: Tracker) -> bool:
    """The place came from the QR poster (village_code metadata), not from the resident's answers."""
    preset = tracker.get_slot("village_code")
    return bool(preset) and tracker.get_slot("location_code") == preset


def reset_slots(tracker: Tracker, names: tuple[str, ...]) -> list[EventType]:
    """SlotSet(None) for every named slot that holds a value; the QR-preset place stays."""
    keep = PLACE_SLOTS if place_is_preset(tracker) else ()
    return [SlotSet(name, None) for name in names if name not in keep and tracker.get_slot(name) is not None]


def forget_everything(tracker: Tracker) -> list[EventType]:
    """Leave any form and forget every answer given to the application, emergency and status forms."""
    return [ActiveLoop(None), SlotSet("requested_slot", None),
            *reset_slots(tracker, APPLICATION_SLOTS + EMERGENCY_SLOTS + STATUS_SLOTS + (ASKED_COUNTS,))]


def asked_count(tracker: Tracker, slot: str) -> int:
    """How many times the current form asked for `slot` (0 when never)."""
    counts = tracker.get_slot(ASKED_COUNTS)
    return int(counts.get(slot, 0)) if isinstance(counts, dict) else 0


def channel_of(tracker: Tracker) -> str:
    channel = tracker.get_slot("channel")
    return channel if channel in CHANNELS else DEFAULT_CHANNEL


def user_texts(tracker: Tracker) -> list[str]:
    """What the resident typed in words this session, oldest first (button payloads left out)."""
    texts: list[str] = []
    for event in tracker.events:
        if event.get("event") in ("session_started", "restart"):
            texts = []
        elif event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                texts.append(text)
    return texts


def latest_text(tracker: Tracker) -> str:
    """The latest user text, or '' for a button payload such as /affirm."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.lstrip().startswith("/") else text.strip()
