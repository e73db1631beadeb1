"""action_handoff: the resident asked for a person; record the waiting hand-off and say what happens next."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing, runtime
from actions.form_filling import answer_in_words
from actions.personal import forget_numbers
from actions.slots import channel_of, forget_everything, latest_text
from actions.store import STORE_DOWN, in_thread
from actions.understanding import wants_a_person
from actions.wording import say
from conversation.handoff import record_handoff

log = logging.getLogger(__name__)
_HANDOFF_INTENTS = {"request_human"}


def last_user_message(tracker: Tracker) -> str:
    """The latest thing the resident said in words (not a button, not the request for a person itself)."""
    fallback = ""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = (event.get("text") or "").strip()
        if not text or text.startswith("/"):
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in _HANDOFF_INTENTS:
            return text
        fallback = fallback or text
    return fallback


async def record(tracker: Tracker, reason: str, message: str | None = None,
                 case_number: str | None = None) -> bool:
    """Store a waiting hand-off (message masked by record_handoff); False when the store is down."""
    rt = runtime.current()
    try:
        await in_thread(record_handoff, rt.session_factory, sender=tracker.sender_id, channel=channel_of(tracker),
                        reason=reason, last_message=message if message is not None else last_user_message(tracker),
                        now=rt.clock(), case_number=case_number)
    except STORE_DOWN as exc:
        log.error("hand-off (%s) not recorded: %s", reason, exc.__class__.__name__)
        return False
    return True


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, reply: str) -> list[EventType]:
    """Record the hand-off, leave any form, forget its answers and the vaulted numbers, tell the resident."""
    if await record(tracker, reason):
        dispatcher.utter_message(text=say(reply, wait=say("handoff_wait")))
    else:
        dispatcher.utter_message(text=say("handoff_down"))
    await forget_numbers(runtime.current().vault, tracker.sender_id)
    return forget_everything(tracker)


class ActionHandoff(Action):
    """转人工: a waiting hand-off for the console, the hotline and the expected wait for the resident."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        form = (tracker.active_loop or {}).get("name")
        slot = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if form and slot and text and not parsing.is_payload(text) and not wants_a_person(text):
            # Read as 'a person' by the NLU but no person is asked for ("俺跟娃俩人" to 家里几口人): it answers the
            # question; the form checks it (and offers 转人工 itself if it keeps failing).
            return await answer_in_words(form, slot, text, dispatcher, tracker, domain)
        return await hand_off(dispatcher, tracker, "requested", "handoff")
