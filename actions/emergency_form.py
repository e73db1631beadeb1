"""validate_emergency_form: a phone that can be called back now, and where the resident is (any words, matched to
a division when possible); several answers in one message and corrections are taken at either question."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing, runtime
from actions.application_form import place_slots
from actions.form_filling import FillingFormValidation, Values
from actions.personal import check_answer
from actions.places import resolve_place
from actions.understanding import Understood
from actions.wording import say
from cases.errors import UnknownDivision
from nlu.masking import mask_personal_data

MAX_LOCATION = 200
NO_PHONE = "未留"
_NO_PHONE_WORDS = re.compile(r"没(?:有)?(?:手机|电话)|不方便留|不想留|不留")


def place_is_precise(tracker: Tracker) -> bool:
    """A township or village is known (QR poster or answers): enough to send someone without asking again."""
    code = tracker.get_slot("location_code")
    if not code:
        return False
    try:
        location = runtime.current().divisions.locate(code)
    except UnknownDivision:
        return False
    return location.township is not None


class ValidateEmergencyForm(FillingFormValidation):
    """emergency_phone from the vault; emergency_location: any words, matched to a division when possible."""

    steps_aside_for_emergency = False

    def name(self) -> str:
        return "validate_emergency_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> list[str]:
        if place_is_precise(tracker) and not tracker.get_slot("emergency_location"):
            return [s for s in domain_slots if s != "emergency_location"]
        return list(domain_slots)

    def from_message(self, u: Understood, tracker: Tracker, requested: str | None) -> Values:
        found: Values = {}
        if u.phone_token:
            found["emergency_phone"] = u.phone_token
        if u.place_words and requested != "emergency_location" and \
                (tracker.get_slot("emergency_location") is None or u.correction):
            found["emergency_location"] = u.place_words
        return found

    async def give_way(self, slot: str, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Values:
        """No usable phone after three asks: the case stands without one (a person finds the resident)."""
        if slot == "emergency_phone":
            dispatcher.utter_message(text=say("emergency_phone_given_up"))
            return {"emergency_phone": NO_PHONE}
        return {slot: None}

    async def validate_emergency_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: dict[str, Any]) -> dict[str, Any]:
        text = parsing.words(value)
        if value == NO_PHONE or (_NO_PHONE_WORDS.search(text) and not parsing.find_phone_token(text)):
            return {"emergency_phone": NO_PHONE}
        answer = await check_answer(runtime.current().vault, tracker.sender_id, text, "phone")
        if answer.problem:
            dispatcher.utter_message(text=answer.problem)
        return {"emergency_phone": answer.token}

    def validate_emergency_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> dict[str, Any]:
        text = parsing.words(value)
        if not text:
            dispatcher.utter_message(text=say("emergency_place_text"))
            return {"emergency_location": None}
        slots: dict[str, Any] = {"emergency_location": mask_personal_data(text)[:MAX_LOCATION]}
        try:
            slots.update(place_slots(resolve_place(runtime.current().divisions, text).code))
        except UnknownDivision:
            pass                     # kept as words; a person reads them
        return slots
