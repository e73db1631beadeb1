"""action_outside_form: a message with no form open that the NLU could not place well (a greeting that goes on,
an 'answer' with no question asked, something out of scope): a resident asking for help in their own words starts
the application with their story; one asking for a person gets one; anything else gets the usual reply."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing, runtime
from actions.handoff import hand_off
from actions.slots import latest_text
from actions.understanding import is_question, tells_a_story, wants_a_person
from triage import TriageConfig, Urgency
from triage.classify import classify

# Asking for assistance in so many words, or telling a hardship.
ASKS_FOR_HELP = re.compile(r"救助|救济|补助|低保|帮扶|求助|济时救|帮帮(?:我|俺|忙)|救救|给点帮助|帮俺一把|帮我一把")
HARDSHIP = re.compile(r"困难|过不下去|揭不开锅|没钱|拿不出|凑不齐|交不起|住院|病|灾|着火|烧了|失业|没收入|没活干|孤老|"
                      r"残疾|瘫|断顿|没饭吃|欠债|借遍|塌|淹|冲了|冲走|泡了|砸|摔|伤|没了|走了|欠薪|没发工资|危房|漏雨|"
                      r"灌水|裂缝|大缝|下岗|关门|倒闭|还不上|交不上|供不起|紧巴|日子难|透析|化疗|癌|尿毒|撑不住|"
                      r"撑不下去|没法过|没地方住|不让住|没处住|房租|赶出来|学费|生活费")
REPLIES = {"greet": "utter_greet", "out_of_scope": "utter_out_of_scope", "chitchat": "utter_chitchat"}
DEFAULT_REPLY = "utter_how_can_i_help"


def tells_hardship(text: str, triage: TriageConfig | None = None) -> bool:
    """A story of trouble: a hardship word, or one that triage reads as urgent or an emergency (a story told in words
    no list foresaw: "俺爹夜来在地里晕倒了，到现在还迷迷糊糊的"; for a question, the rules alone)."""
    t = parsing.normalise(text)
    if not tells_a_story(t):
        return False
    if HARDSHIP.search(t):
        return True
    if triage is None:
        return False
    model = None if is_question(t) else triage.model     # the model reads stories; questions are left to the rules
    return classify(t, triage.rules, model).urgency is not Urgency.NORMAL


def wants_help(text: str, triage: TriageConfig | None = None) -> bool:
    """'俺家日子过不下去了，能帮帮俺不' yes; '申请护照咋办' no."""
    return bool(ASKS_FOR_HELP.search(parsing.normalise(text))) or tells_hardship(text, triage)


async def route_free_text(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The events that take the resident where their words point (a person, the application), or None."""
    text = latest_text(tracker)
    if not text:
        return None
    if wants_a_person(text):
        return await hand_off(dispatcher, tracker, "requested", "handoff")
    if not (tracker.active_loop or {}).get("name") and wants_help(text, runtime.current().triage):
        return [FollowupAction("application_form")]
    return None


class ActionOutsideForm(Action):
    """For greet, chitchat, out_of_scope and inform outside a form: route by the words, else the intent's usual
    reply."""

    def name(self) -> str:
        return "action_outside_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        routed = await route_free_text(dispatcher, tracker)
        if routed is not None:
            return routed
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        dispatcher.utter_message(response=REPLIES.get(intent, DEFAULT_REPLY))
        return []
