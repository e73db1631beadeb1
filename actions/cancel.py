"""action_cancel_application: leave the form and keep nothing that was half filled in."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing, runtime
from actions.answer_policy import answer_policy
from actions.personal import forget_numbers
from actions.slots import forget_everything, latest_text
from actions.understanding import is_question
from actions.wording import say


_CANCEL_WORDS = re.compile(r"取消|不申请|不(想|要|用)?(办|弄|填|申请)了|算了|不要了|退出|停止|别(填|弄|办)了|重新开始|"
                           r"重来|撤回|cancel")


class ActionCancelApplication(Action):
    """Deactivates the form, resets every application/emergency/status answer and purges the vault."""

    def name(self) -> str:
        return "action_cancel_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        form = (tracker.active_loop or {}).get("name")
        text = latest_text(tracker) or ""
        if form and not parsing.is_payload(text) and not _CANCEL_WORDS.search(parsing.normalise(text)):
            # Inside a form, only words that say so cancel: "申请了这个还能再申请低保不？能一块办不？" is a question
            # (answered, then the form goes on), anything else is asked again — never a silent loss of the answers.
            if is_question(text):
                answer_policy(dispatcher, text)
            return [FollowupAction(form)]
        await forget_numbers(runtime.current().vault, tracker.sender_id)
        dispatcher.utter_message(text=say("cancelled"))
        return forget_everything(tracker)
