"""action_ask_<slot>: the forms' questions, counted; the third time a question is asked it is asked in other words
with a way forward (the closest places, the choices as buttons, 转人工), so the bot never loops."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.places import county_in, suggest_places
from actions.slots import ASKED_COUNTS, EMERGENCY_PLACE_FIRST, latest_text
from actions.wording import HUMAN_BUTTON, button, say

# From the third ask on, the question is asked in other words (replies.yaml: ask_again_<slot>).
REPHRASE_FROM = 3
YES_NO = {
    "consent": [button("同意", "/affirm"), button("不同意", "/deny")],
    "on_behalf_consent": [button("对方已同意", "/affirm"), button("还没有", "/deny")],
}
CHOICES: dict[str, list[dict[str, str]]] = {
    **YES_NO,
    "applies_for": [button("本人申请", '/inform{"applies_for": "self"}'),
                    button("替别人申请", '/inform{"applies_for": "other"}')],
    "household_size": [button(f"{n}口人", f"{n}口人") for n in range(1, 7)],
    "difficulty_kind": [button(title, f'/inform{{"difficulty_kind": "{kind}"}}') for title, kind in (
        ("看病就医", "医疗"), ("孩子上学", "教育"), ("住房", "住房"), ("失业就业", "就业"), ("受灾", "受灾"),
        ("基本生活", "生活"), ("残疾", "残疾"), ("其他", "其他"))],
}
ASKED_SLOTS = ("situation", "consent", "applies_for", "on_behalf_consent", "applicant_name", "id_number", "phone",
               "location_code", "household_size", "difficulty_kind", "emergency_phone", "emergency_location")


def place_buttons(words: str) -> list[dict[str, str]]:
    """The closest townships (or counties) to what the resident said, as buttons that answer with the place."""
    divisions = runtime.current().divisions
    county = county_in(divisions, words)
    choices = suggest_places(divisions, words, limit=4)
    buttons = [button(divisions.locate(d.code).label, divisions.locate(d.code).label) for d in choices]
    if county is not None and all(d.code != county.code for d in choices):
        buttons.insert(0, button(f"{county.name}（乡镇电话确认）", county.name))
    return buttons


def counted(tracker: Tracker, slot: str) -> tuple[int, SlotSet]:
    """This ask's number (1 for the first) and the event that records it."""
    counts = dict(tracker.get_slot(ASKED_COUNTS) or {})
    counts[slot] = int(counts.get(slot, 0)) + 1
    return counts[slot], SlotSet(ASKED_COUNTS, counts)


class AskSlot(Action, ABC):
    """Asks for one slot: the domain's utter_ask_<slot> twice, then ask_again_<slot> with a way forward."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        number, event = counted(tracker, self.slot)
        first_place = tracker.get_slot(EMERGENCY_PLACE_FIRST) if self.slot == "emergency_location" else None
        if first_place and number < REPHRASE_FROM:      # the words matched no place: ask once more, differently
            dispatcher.utter_message(text=say("ask_more_emergency_location", said=first_place),
                                     buttons=place_buttons(first_place))
            return [event]
        if number < REPHRASE_FROM:
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
            return [event]
        if self.slot == "location_code":
            buttons = place_buttons(latest_text(tracker))
        else:
            buttons = list(CHOICES.get(self.slot, []))
        dispatcher.utter_message(text=say(f"ask_again_{self.slot}"), buttons=[*buttons, HUMAN_BUTTON])
        return [event]


def _ask_class(slot_name: str) -> type[AskSlot]:
    return type(f"Ask_{slot_name}", (AskSlot,), {"slot": slot_name, "__module__": __name__,
                                                 "__doc__": f"action_ask_{slot_name}"})


# Kept here on purpose: rasa-sdk finds actions through Action.__subclasses__(), which holds weak references only.
ASK_ACTIONS = {slot: _ask_class(slot) for slot in ASKED_SLOTS}
