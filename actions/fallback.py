"""action_default_fallback: ask to rephrase once; a second misunderstanding in a row goes to a person."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off
from actions.outside_form import route_free_text
from actions.wording import HUMAN_BUTTON, say

FALLBACK_ACTION = "action_default_fallback"


def previous_turn_fell_back(tracker: Tracker) -> bool:
    """Whether the resident's previous message (before the latest) was also answered by this fallback."""
    users_seen = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif kind == "session_started" or kind == "restart":
            return False
        elif kind == "action" and event.get("name") == FALLBACK_ACTION and users_seen == 1:
            return True
    return False


class ActionDefaultFallback(Action):
    """First misunderstanding: a polite rephrase request with examples; the second in a row: hand-off."""

    def name(self) -> str:
        return FALLBACK_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        routed = None if tracker.active_loop.get("name") else await route_free_text(dispatcher, tracker)
        if routed is not None:                 # help or a person asked for in words the NLU did not place
            return routed
        if previous_turn_fell_back(tracker):
            return [*await hand_off(dispatcher, tracker, "fallback", "handoff_fallback"),
                    FollowupAction("action_listen")]
        dispatcher.utter_message(text=say("rephrase"), buttons=[HUMAN_BUTTON])
        # Wait for the resident: without this, a state no rule knows would fall back again and again in one turn.
        return [FollowupAction("action_listen")]
