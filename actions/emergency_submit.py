"""action_submit_emergency: completes the emergency case filed at once (phone, place), or files it now if the
store was down when it was reported."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions import runtime
from actions.emergency_case import file_emergency, placement
from actions.emergency_start import RESUME_APPLICATION
from actions.personal import forget_numbers, reveal_phone
from actions.slots import APPLICATION_SLOTS, COMPLETING_CASE, EMERGENCY_SLOTS, reset_slots
from actions.store import STORE_DOWN, in_thread
from actions.wording import say, when
from cases.errors import CaseNotFound, InvalidInput
from cases.service import amend_contact, get_case

log = logging.getLogger(__name__)


async def _due(number: str) -> str:
    """The emergency deadline of a stored case, in plain words ('' when it cannot be read)."""
    rt = runtime.current()
    try:
        detail = await in_thread(get_case, rt.session_factory, number, now=rt.clock())
    except (*STORE_DOWN, CaseNotFound):
        return ""
    due = next((d.due_at for d in detail.deadlines if d.rule == "emergency"), None)
    return when(due) if due else ""


class ActionSubmitEmergency(Action):
    """The form is done: the case gets its phone and place (one event, township told), the resident the promise."""

    def name(self) -> str:
        return "action_submit_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rt = runtime.current()
        try:
            phone = await reveal_phone(rt.vault, tracker.sender_id, tracker.get_slot("emergency_phone"))
        except RedisError:                       # file the emergency anyway; the hand-off reaches a person
            phone = None
        masked_phone = phone.masked if phone else say("emergency_no_phone")
        place_said = tracker.get_slot("emergency_location")
        number = tracker.get_slot("emergency_case_number")
        where = placement(tracker.get_slot("location_code"), place_said or "",
                          tracker.get_slot("emergency_situation") or "")
        if number:
            try:
                await in_thread(amend_contact, rt.session_factory, number, actor=f"resident:{tracker.sender_id}",
                                now=rt.clock(), cipher=rt.cipher, phone=phone, divisions=rt.divisions,
                                division_code=where.division_code if where.confirmed else None,
                                place_said=place_said)
            except (*STORE_DOWN, CaseNotFound, InvalidInput) as exc:
                log.error("emergency %s not completed: %s", number, exc.__class__.__name__)
            due = await _due(number)
        else:
            filed = await file_emergency(tracker, situation=tracker.get_slot("emergency_situation"), phone=phone,
                                         division_code=tracker.get_slot("location_code"), place_said=place_said)
            if filed is None:
                dispatcher.utter_message(text=say("emergency_store_down"))
                return [SlotSet("requested_slot", None)]     # the hand-off recorded at the start still stands
            number, triage = filed
            due = when(triage.deadlines.get("emergency", rt.clock()))
        key = "emergency_submitted" if where.confirmed else "emergency_submitted_unplaced"
        dispatcher.utter_message(text=say(key, case_number=number, due=due, phone=masked_phone))
        if tracker.get_slot(RESUME_APPLICATION):      # the application goes on and completes this same case
            dispatcher.utter_message(text=say("emergency_resume_application"))
            situation = tracker.get_slot("situation") or tracker.get_slot("emergency_situation")
            known_phone = [SlotSet("phone", tracker.get_slot("emergency_phone"))] \
                if phone is not None and not tracker.get_slot("phone") else []
            return [*reset_slots(tracker, EMERGENCY_SLOTS), SlotSet("requested_slot", None),
                    SlotSet("emergency_case_number", number), SlotSet(RESUME_APPLICATION, None),
                    SlotSet(COMPLETING_CASE, number), SlotSet("situation", situation), SlotSet("asked_counts", None),
                    *known_phone, FollowupAction("application_form")]
        await forget_numbers(rt.vault, tracker.sender_id)
        return [*reset_slots(tracker, APPLICATION_SLOTS + EMERGENCY_SLOTS), SlotSet("requested_slot", None),
                SlotSet("emergency_case_number", number)]
