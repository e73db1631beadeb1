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
from actions.places import county_in, resolve_place
from actions.slots import EMERGENCY_PLACE_FIRST
from actions.understanding import Understood
from actions.wording import say
from cases.errors import UnknownDivision
from nlu.masking import mask_personal_data

MAX_LOCATION = 200
NO_PHONE = "未留"
_NO_PHONE_WORDS = re.compile(r"没(?:有)?(?:手机|电话)|不方便留|不想留|不留")
_DONT_KNOW = re.compile(r"不知道|不晓得|不清楚|说不清|说不上来|不认得|记不清|不记得")


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
        """Words matched to a division when possible. Words that match none and name no county ("就在俺们庄") are
        kept and asked about once more (the case is already filed: asking costs no time); the second answer,
        matched or not, is taken with the first, and a person reads both."""
        text = parsing.words(value)
        if not text:
            dispatcher.utter_message(text=say("emergency_place_text"))
            return {"emergency_location": None}
        divisions = runtime.current().divisions
        first = tracker.get_slot(EMERGENCY_PLACE_FIRST)
        said = mask_personal_data(f"{first}；{text}" if first else text)[:MAX_LOCATION]
        slots: dict[str, Any] = {"emergency_location": said, EMERGENCY_PLACE_FIRST: None}
        try:
            slots.update(place_slots(resolve_place(divisions, text).code))
            return slots
        except UnknownDivision:
            pass
        if first is None and not _DONT_KNOW.search(text) and county_in(divisions, text) is None:
            return {"emergency_location": None, EMERGENCY_PLACE_FIRST: said}
        return slots                 # kept as words (and the county, when named); a person confirms by phone
