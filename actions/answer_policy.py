"""action_answer_policy: the latest question answered from the policy knowledge base, with its source."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.slots import asked_count, latest_text
from actions.form_filling import answer_in_words
from actions.outside_form import tells_hardship
from actions.understanding import is_question
from actions.wording import APPLY_BUTTON, HUMAN_BUTTON, say
from nlu.textinput import InvalidText
from policies_kb.answering import answer_question


class ActionAnswerPolicy(Action):
    """A cited answer when confident; otherwise says so and offers 12345, the township window and a person."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rt = runtime.current()
        form, slot, text = (tracker.active_loop or {}).get("name"), tracker.get_slot("requested_slot"), \
            latest_text(tracker)
        if form and slot and text and (not is_question(text) or asked_count(tracker, slot) >= 2):
            # (after two policy answers at the same question, a third would be a loop: the words answer it)
            # Inside a form, words that ask nothing ("娃上学的事" to 哪方面的困难) answer the question, even when
            # the NLU took them for a policy question: answering the policy again and again would be a loop.
            return await answer_in_words(form, slot, text, dispatcher, tracker, domain)
        story = bool(not form and text and tells_hardship(text, rt.triage))
        if story and not is_question(text):
            # Outside a form, a resident telling what happened ("俺男人从架子上摔下来，腰坏了，家里没收入了") is
            # asking for help, whatever the NLU thought: the application starts with that story.
            return [FollowupAction("application_form")]
        # A question that also tells a hardship ("俺娘透析钱花光了，能申请救助不") is answered, with a way to apply.
        answer_policy(dispatcher, text, apply=story)
        return []


def answer_policy(dispatcher: CollectingDispatcher, text: str | None, *, apply: bool = False) -> None:
    """The knowledge base's cited answer to `text` (or its honest "not sure" with 12345 and 转人工)."""
    rt = runtime.current()
    try:
        reply = answer_question(text or "", rt.retriever, rt.settings.qa_threshold)
    except InvalidText:
        dispatcher.utter_message(text=say("policy_empty"))
        return
    buttons = [APPLY_BUTTON] if apply else []
    if not reply.answered:              # the "not sure" text already names 12345, the window and 转人工
        dispatcher.utter_message(text=reply.answer, buttons=[*buttons, HUMAN_BUTTON])
        return
    answer = reply.answer
    if reply.related:                   # plain suggestions: a button could only send an intent, not the question
        answer += "\n" + say("policy_related", titles="；".join(r.title for r in reply.related))
    dispatcher.utter_message(text=answer, buttons=buttons)
