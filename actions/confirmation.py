"""action_ask_application_confirmed: reads the application back, masked, and asks to confirm it."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.asking import REPHRASE_FROM, counted
from actions.wording import HUMAN_BUTTON, button, say
from cases.identity import mask_name
from nlu.masking import mask_personal_data

SITUATION_EXCERPT = 60
CONFIRM_BUTTONS = [button("确认提交", "/affirm"), button("有误要改", "/deny")]


def _excerpt(text: str, name: str) -> str:
    masked = mask_personal_data(text.strip())
    if len(name) > 1:
        masked = masked.replace(name, mask_name(name))
    return masked if len(masked) <= SITUATION_EXCERPT else masked[:SITUATION_EXCERPT] + "……"


def summary(tracker: Tracker) -> str:
    """The masked read-back: 张*, 3708**********1234, 138****5678, place, household, difficulty."""
    name = tracker.get_slot("applicant_name") or ""
    size = tracker.get_slot("household_size")
    return say(
        "confirm_summary",
        applies="替别人申请（已征得本人同意）" if tracker.get_slot("applies_for") == "other" else "本人申请",
        name=mask_name(name) if name else "未填写",
        id_number=tracker.get_slot("id_number") or "未填写",
        phone=tracker.get_slot("phone") or "未填写",
        place=tracker.get_slot("location_label") or "未填写",
        household=f"{int(size)}人" if isinstance(size, (int, float)) and size >= 1 else "未说明（工作人员电话核实）",
        kind=tracker.get_slot("difficulty_kind") or "未填写",
        situation=_excerpt(tracker.get_slot("situation") or "", name),
    )


class ActionAskApplicationConfirmed(Action):
    """Asks the form's last question: is this summary right (确认提交 / 有误要改)? From the third read-back on,
    a person is offered too (the summary changes with each correction; the offer makes a repeat differ)."""

    def name(self) -> str:
        return "action_ask_application_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        number, event = counted(tracker, "application_confirmed")
        if number < REPHRASE_FROM:
            dispatcher.utter_message(text=summary(tracker), buttons=CONFIRM_BUTTONS)
        else:
            dispatcher.utter_message(text=summary(tracker) + "\n" + say("ask_again_application_confirmed"),
                                     buttons=[*CONFIRM_BUTTONS, HUMAN_BUTTON])
        return [event]
