"""validate_application_form: checks each answer of the application and decides which questions remain."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import parsing, runtime
from actions.interrupts import is_emergency_trigger, step_aside
from actions.personal import check_answer
from actions.places import AmbiguousPlace, resolve_place
from actions.wording import say
from cases.application import MAX_SITUATION
from cases.errors import InvalidName, UnknownDivision
from cases.identity import parse_name
from triage import Urgency, assess

Result = dict[str, Any]


def _bool(value: Any, dispatcher: CollectingDispatcher) -> bool | None:
    """affirm/deny give a bool; other words are read (同意, 不行 …); unclear → ask again."""
    if isinstance(value, bool):
        return value
    answer = parsing.yes_no(parsing.words(value))
    if answer is None and value is not None:
        dispatcher.utter_message(text=say("yes_no_unclear"))
    return answer


def place_slots(code: str) -> Result:
    """location_code and its readable label."""
    location = runtime.current().divisions.locate(code)
    return {"location_code": code, "location_label": location.label}


def check_place(dispatcher: CollectingDispatcher, value: Any, slot: str = "location_code") -> Result:
    """A division code or a place in words → location_code/location_label; tells the resident when not found."""
    text = parsing.words(value)
    try:
        return place_slots(resolve_place(runtime.current().divisions, text).code)
    except AmbiguousPlace as exc:
        dispatcher.utter_message(text=say("place_ambiguous", reason=exc.message_zh))
    except UnknownDivision:
        dispatcher.utter_message(text=say("place_unknown", place=text[:30]))
    return {slot: None}


class ValidateApplicationForm(FormValidationAction):
    """Situation, consent, for whom, name, 身份证号, phone, place, household, difficulty, confirmation."""

    def name(self) -> str:
        return "validate_application_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if is_emergency_trigger(tracker):
            return step_aside(tracker, self.form_name())
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> list[str]:
        slots = list(domain_slots)
        if tracker.get_slot("consent") is False:
            return slots[:slots.index("consent") + 1]
        if tracker.get_slot("applies_for") != "other":
            slots.remove("on_behalf_consent")
        elif tracker.get_slot("on_behalf_consent") is False:
            return slots[:slots.index("on_behalf_consent") + 1]
        return slots

    def validate_situation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: dict[str, Any]) -> Result:
        text = parsing.words(value)
        if len(text) < 2:
            dispatcher.utter_message(text=say("situation_empty"))
            return {"situation": None}
        if len(text) > MAX_SITUATION:
            dispatcher.utter_message(text=say("situation_too_long", limit=MAX_SITUATION))
            return {"situation": None}
        rt = runtime.current()
        cfg = rt.triage
        found = assess(text, rt.clock(), cfg.rules, cfg.deadline_rules, cfg.calendar)
        if found.urgency is Urgency.EMERGENCY:     # the gateway starts the fast path; the application goes on
            dispatcher.utter_message(text=say("situation_emergency", safety="\n".join(found.safety)))
        return {"situation": text}

    def validate_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: dict[str, Any]) -> Result:
        return {"consent": _bool(value, dispatcher)}

    def validate_applies_for(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> Result:
        who = parsing.applies_for(text) if (text := parsing.words(value)) else None
        if who is None:
            dispatcher.utter_message(text=say("applies_for_unclear"))
        return {"applies_for": who}

    def validate_on_behalf_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: dict[str, Any]) -> Result:
        return {"on_behalf_consent": _bool(value, dispatcher)}

    def validate_applicant_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> Result:
        cleaned = parsing.clean_name(parsing.words(value))
        if not parsing.looks_like_name(cleaned):
            dispatcher.utter_message(text=say("name_unclear"))
            return {"applicant_name": None}
        try:
            name = parse_name(cleaned)
        except InvalidName as exc:
            dispatcher.utter_message(text=say("name_invalid", reason=exc.message_zh))
            return {"applicant_name": None}
        return {"applicant_name": name.value}

    async def validate_id_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: dict[str, Any]) -> Result:
        answer = await check_answer(runtime.current().vault, tracker.sender_id, parsing.words(value), "id")
        if answer.problem:
            dispatcher.utter_message(text=answer.problem)
        return {"id_number": answer.token}

    async def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> Result:
        answer = await check_answer(runtime.current().vault, tracker.sender_id, parsing.words(value), "phone")
        if answer.problem:
            dispatcher.utter_message(text=answer.problem)
        return {"phone": answer.token}

    def validate_location_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: dict[str, Any]) -> Result:
        return check_place(dispatcher, value)

    def validate_household_size(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> Result:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            size: int | None = int(value) if float(value).is_integer() else None
        else:
            size = parsing.household_size(parsing.words(value))
        if size is None:
            dispatcher.utter_message(text=say("household_unclear"))
            return {"household_size": None}
        if not 1 <= size <= 20:
            dispatcher.utter_message(text=say("household_range"))
            return {"household_size": None}
        return {"household_size": float(size)}

    def validate_difficulty_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: dict[str, Any]) -> Result:
        kind = parsing.difficulty_kind(parsing.words(value))
        if kind is None:
            dispatcher.utter_message(text=say("difficulty_unclear"))
        return {"difficulty_kind": kind}

    def validate_application_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: dict[str, Any]) -> Result:
        return {"application_confirmed": _bool(value, dispatcher)}
