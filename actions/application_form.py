"""validate_application_form: checks each answer of the application and decides which questions remain."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing, runtime
from actions.form_filling import FillingFormValidation, Values
from actions.handoff import record
from actions.personal import check_answer
from actions.places import AmbiguousPlace, county_in, resolve_place
from actions.slots import user_texts
from actions.understanding import THIN_ANSWERS, Understood, find_name, is_thin
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


# household_size 0: not said after three asks; the township asks by phone.
HOUSEHOLD_UNKNOWN = 0.0
# Slots whose way forward after three asks is a person (the rest have a safe default).
HANDED_OFF = "form_handoff"


def place_slots(code: str, note: str = "") -> Result:
    """location_code and its readable label (with a note such as 乡镇待电话确认)."""
    location = runtime.current().divisions.locate(code)
    return {"location_code": code, "location_label": location.label + note}


def place_way_forward(tracker: Tracker, text: str) -> Result:
    """A place that would not resolve: the county named in any answer, else the city's intake; by phone."""
    divisions = runtime.current().divisions
    for words in (text, *reversed(user_texts(tracker))):
        county = county_in(divisions, words)
        if county is not None:
            return place_slots(county.code, say("place_note_township_by_phone"))
    return place_slots(runtime.current().intake_division, say("place_note_by_phone"))


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


def _may_change(tracker: Tracker, slot: str, u: Understood, requested: str | None) -> bool:
    """An answer found in passing fills an empty slot; a filled one changes only when asked or corrected."""
    return tracker.get_slot(slot) is None or slot == requested or u.correction


class ValidateApplicationForm(FillingFormValidation):
    """Situation, consent, for whom, name, 身份证号, phone, place, household, difficulty, confirmation."""

    def name(self) -> str:
        return "validate_application_form"

    def from_message(self, u: Understood, tracker: Tracker, requested: str | None) -> Values:
        found: Values = {}
        if u.situation and tracker.get_slot("situation") is None:
            found["situation"] = u.situation
        if u.applies_for and _may_change(tracker, "applies_for", u, requested):
            found["applies_for"] = u.applies_for
        if u.applicant_name and _may_change(tracker, "applicant_name", u, requested):
            found["applicant_name"] = u.applicant_name
        if u.id_token:
            found["id_number"] = u.id_token
        elif u.clear_id_like and requested != "id_number":
            found["id_number"] = u.text
        if u.phone_token:
            found["phone"] = u.phone_token
        if (u.division_code or u.place_problem) and _may_change(tracker, "location_code", u, requested):
            found["location_code"] = u.division_code or u.text
        if u.household_size is not None and _may_change(tracker, "household_size", u, requested):
            found["household_size"] = float(u.household_size)
        if u.difficulty_kind and tracker.get_slot("difficulty_kind") is None:
            found["difficulty_kind"] = u.difficulty_kind
        return found

    async def give_way(self, slot: str, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Values:
        if slot == "location_code":
            found = place_way_forward(tracker, parsing.words(value))
            dispatcher.utter_message(text=say("place_by_phone", place=found["location_label"]))
            return found
        if slot == "household_size":
            dispatcher.utter_message(text=say("household_by_phone"))
            return {"household_size": HOUSEHOLD_UNKNOWN}
        if slot == "difficulty_kind":
            return {"difficulty_kind": "其他"}
        if await record(tracker, "fallback"):
            dispatcher.utter_message(text=say("handoff_stuck", wait=say("handoff_wait")))
        else:
            dispatcher.utter_message(text=say("handoff_down"))
        return {slot: None, HANDED_OFF: True}

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> list[str]:
        if tracker.get_slot(HANDED_OFF):
            return []
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
        if is_thin(text):
            dispatcher.utter_message(text=say("situation_thin" if text else "situation_empty"))
            return {"situation": None}
        if len(text) > MAX_SITUATION:
            dispatcher.utter_message(text=say("situation_too_long", limit=MAX_SITUATION))
            return {"situation": None}
        rt = runtime.current()
        cfg = rt.triage
        found = assess(text, rt.clock(), cfg.rules, cfg.deadline_rules, cfg.calendar, cfg.model)
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
        words = parsing.words(value)
        cleaned = find_name(words, asked=True) or parsing.clean_name(words)
        if not parsing.looks_like_name(cleaned) or cleaned.lower() in THIN_ANSWERS:     # '嗯' is not a name
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
        if value == HOUSEHOLD_UNKNOWN and not isinstance(value, bool):
            return {"household_size": HOUSEHOLD_UNKNOWN}
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
        if parsing.withdraws(parsing.words(value)):
            return {"application_confirmed": False}     # withdrawn: the form ends and nothing is stored
        answer = _bool(value, dispatcher)
        if answer is False:          # 有误要改: keep every answer and take the correction, then read back again
            dispatcher.utter_message(text=say("confirm_fix"))
            return {"application_confirmed": None}
        return {"application_confirmed": answer}
