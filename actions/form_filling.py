"""Form validation that listens to the whole message: several answers at once, corrections at any step, and a way
forward instead of a loop.

Rasa maps only the requested slot (from_text). Here every message is also read by actions/understanding.py, and
what it says fills the other slots too. When a message answers other questions instead of the one asked, the
asked one is left for later without a complaint. After the question was asked three times (the third time in
other words, with choices: see actions/asking.py), a further answer that does not validate takes the slot's way
forward (`give_way`) instead of asking again.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.utils import call_potential_coroutine

from actions import runtime
from actions.interrupts import is_emergency_trigger, step_aside
from actions.slots import asked_count, latest_text
from actions.understanding import Understood, understand

Values = dict[str, Any]
# Intents whose message is not an answer to the form (the rules answer them; the form then asks again).
NOT_ANSWERS = frozenset({"ask_policy", "request_human", "cancel", "chitchat", "out_of_scope", "greet", "goodbye",
                         "thanks", "query_status"})
# After this many asks of one slot a failed answer takes the slot's way forward.
GIVE_WAY_AFTER = 3


def message_is_new(tracker: Tracker, form: str) -> bool:
    """The latest user message has not been read by this form yet. Rasa puts one ActionExecuted(form) into the
    tracker it sends for validation; a second one means the form already ran on this message."""
    runs = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") == form:
            runs += 1
    return runs <= 1


async def answer_in_words(form: str, slot: str, text: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: dict[str, Any]) -> list[EventType]:
    """The resident's latest words as the answer to `slot` (the NLU took them for something else: a policy question,
    a request for a person), checked by the form's own validation, then the form goes on. (The status query has no
    FillingFormValidation: it gets the words as said, and a number that is none is answered "没有找到".)"""
    validators = (cls() for cls in FillingFormValidation.__subclasses__())
    validator = next((v for v in validators if v.form_name() == form), None)
    if validator is None:
        return [SlotSet(slot, text), FollowupAction(form)]
    result = await validator._validate(slot, text, dispatcher, tracker, domain, quiet=False)
    return [*(SlotSet(name, value) for name, value in result.items()), FollowupAction(form)]


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


class FillingFormValidation(FormValidationAction, ABC):
    """Base of the application and emergency forms' validation."""

    # The gateway's /report_emergency trigger interrupts this form (the emergency form itself continues).
    steps_aside_for_emergency = True

    @abstractmethod
    def name(self) -> str: ...

    def from_message(self, understood: Understood, tracker: Tracker, requested: str | None) -> Values:
        """The slot values this message gives (subclasses decide which may overwrite earlier answers)."""
        return {}

    async def give_way(self, slot: str, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker) -> Values:
        """The slot's way forward after three asks (a county for a place, 其他, a person …)."""
        return {slot: None}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if self.steps_aside_for_emergency and is_emergency_trigger(tracker):
            return step_aside(tracker, self.form_name())
        requested = tracker.get_slot("requested_slot")
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        candidates: Values = dict(tracker.slots_to_validate())
        text = latest_text(tracker)
        extra: Values = {}
        unanswered: str | None = None
        if text and message_is_new(tracker, self.form_name()) and latest_intent(tracker) not in NOT_ANSWERS:
            understood = understand(text, runtime.current().divisions, requested_slot=requested,
                                    opening=requested is None)
            extra = {k: v for k, v in self.from_message(understood, tracker, requested).items() if k in required}
            if understood.correction and extra and requested and requested not in extra:
                # '电话写错了，最后一位是9…' at the household question corrects the phone; it does not answer
                # the question asked ('一位' is not a household of one): Rasa's from_text mapping already put the
                # words in that slot, so it is emptied and asked again
                candidates.pop(requested, None)
                unanswered = requested
        candidates.update(extra)
        events: list[EventType] = []
        if unanswered:
            tracker.slots[unanswered] = None
            events.append(SlotSet(unanswered, None))
        for slot, value in candidates.items():
            if slot not in required:
                continue
            quiet = slot == requested and slot not in extra and any(s != slot for s in extra)
            result = await self._validate(slot, value, dispatcher, tracker, domain, quiet=quiet)
            tracker.slots.update(result)
            events += [SlotSet(name, v) for name, v in result.items()]
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + ([next_slot] if next_slot else [])

    async def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: dict[str, Any], *, quiet: bool) -> Values:
        """validate_<slot>; its messages go out unless the slot was only skipped (`quiet`) or gives way."""
        method = getattr(self, f"validate_{slot}", None)
        if method is None:
            return {slot: value}
        scratch = CollectingDispatcher()
        result: Values = await call_potential_coroutine(method(value, scratch, tracker, domain))
        failed = result.get(slot) is None and value is not None
        if failed and quiet:
            return {slot: None}
        if failed and slot == tracker.get_slot("requested_slot") and \
                asked_count(tracker, slot) >= GIVE_WAY_AFTER:
            return await self.give_way(slot, value, dispatcher, tracker)
        dispatcher.messages.extend(scratch.messages)
        return result
