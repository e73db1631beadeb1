"""action_start_emergency: safety first, the case filed at once with its 2-hour clock, one hand-off for a person,
then the emergency form for what is still missing (a phone, the place)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
import logging

from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions import parsing, runtime
from actions.emergency_case import file_emergency
from actions.handoff import record
from actions.interrupts import is_emergency_trigger
from actions.outside_form import ASKS_FOR_HELP, route_free_text, tells_hardship
from actions.personal import reveal_phone
from actions.places import resolve_place
from actions.slots import latest_text
from actions.store import STORE_DOWN, in_thread
from actions.wording import say, when
from cases.errors import CaseNotFound, UnknownDivision
from cases.service import amend_contact
from conversation.clarify import NO_DANGER_METADATA
from nlu.masking import mask_personal_data
from nlu.normalise import chinese_characters
from triage import Assessment, assess

log = logging.getLogger(__name__)
DISTRESS_REASONS = ("自杀自伤风险", "危险处徘徊")     # triage cue labels that also need a counsellor's ear
# The resident was applying when the emergency came up: once the emergency is complete, the application goes on and
# completes the same case (actions/emergency_submit.py, actions/submit_application.py).
RESUME_APPLICATION = "resume_application"
# A long story of hardship (not a short alarm such as "快来人，邻居家着火了") is an application as well: it resumes;
# so is a shorter one about the resident's own household ("俺娘俩没地方住了，租的房子到期了房东不让住了").
LONG_STORY_CJK = 30
OWN_STORY_CJK = 14


def _a_story_of_hardship(text: str, third_party: bool) -> bool:
    """Hardship told at length, or the resident's own told shortly (no neighbour's alarm): an application too."""
    length = chinese_characters(text)
    own = not third_party and length >= OWN_STORY_CJK
    return (length >= LONG_STORY_CJK or own) and tells_hardship(text)


def reported_before(tracker: Tracker) -> str | None:
    """This session's earlier, not yet submitted emergency report (the slot's value before the latest message)."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind in ("session_started", "restart") or (kind == "action"
                                                       and event.get("name") == "action_submit_emergency"):
            return None
        if kind == "user":
            seen_user = True
        elif seen_user and kind == "slot" and event.get("name") == "emergency_situation":
            return event.get("value") or None
    return None


def emergency_text(tracker: Tracker, earlier: str | None) -> str:
    """What the resident reported (the trigger's entity, else the latest words), masked, after any earlier report."""
    new = next(tracker.get_latest_entity_values("emergency_situation"), None) or latest_text(tracker)
    text = "；".join(t for t in dict.fromkeys((earlier, new)) if t)
    return mask_personal_data(str(text).strip())


def safety_lines(assessment: Assessment) -> str:
    return "\n".join(assessment.safety) or say("emergency_default_safety")


def handoff_reason(assessment: Assessment) -> str:
    return "distress" if any(r.startswith(DISTRESS_REASONS) for r in assessment.reasons) else "emergency"


async def prefilled(tracker: Tracker, text: str) -> list[EventType]:
    """Answers the emergency form need not ask again: a phone already given, a place already known or named."""
    rt = runtime.current()
    events: list[EventType] = []
    phone = tracker.get_slot("phone") or parsing.find_phone_token(text)
    try:
        if not tracker.get_slot("emergency_phone") and phone and await rt.vault.reveal(tracker.sender_id, phone):
            events.append(SlotSet("emergency_phone", phone))
    except RedisError:
        pass                                   # the form simply asks for the phone
    if not tracker.get_slot("location_code"):
        try:
            division = resolve_place(rt.divisions, text)
        except UnknownDivision:
            return events
        events += [SlotSet("location_code", division.code),
                   SlotSet("location_label", rt.divisions.locate(division.code).label)]
    return events


def _slot(events: list[EventType], name: str, tracker: Tracker) -> Any:
    return next((e["value"] for e in reversed(events) if e.get("name") == name), tracker.get_slot(name))


async def add_words(number: str, text: str, actor: str) -> None:
    """Append what the resident added to the stored emergency (masked); the store being down loses nothing said:
    the message is in inbound_messages and the conversation."""
    rt = runtime.current()
    try:
        await in_thread(amend_contact, rt.session_factory, number, actor=actor, now=rt.clock(), cipher=rt.cipher,
                        place_said=None, note=text)
    except (*STORE_DOWN, CaseNotFound) as exc:
        log.error("emergency %s not amended: %s", number, exc.__class__.__name__)


class ActionStartEmergency(Action):
    """Replies the safety guidance, files the case (2 hours) and records one hand-off, leaves any other form."""

    def name(self) -> str:
        return "action_start_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rt = runtime.current()
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        if metadata.get(NO_DANGER_METADATA) and not is_emergency_trigger(tracker):
            # The resident has just said nobody's life is in danger and only Rasa's NLU reads an emergency:
            # no case is filed; the words go where they point (the form in progress, the application, a person).
            form = (tracker.active_loop or {}).get("name")
            if form:
                return [FollowupAction(form)]
            routed = await route_free_text(dispatcher, tracker)
            if routed is None:
                dispatcher.utter_message(response="utter_how_can_i_help")
            return routed or [FollowupAction("action_listen")]
        existing = tracker.get_slot("emergency_case_number") or tracker.get_slot("completing_case")
        if existing and reported_before(tracker) is None:     # an emergency of this session, already filed
            return await self._add_to(existing, dispatcher, tracker)
        earlier = reported_before(tracker)
        text = emergency_text(tracker, earlier)
        cfg = rt.triage
        assessment = assess(text or "紧急求助", rt.clock(), cfg.rules, cfg.deadline_rules, cfg.calendar, cfg.model)
        applying = (tracker.active_loop or {}).get("name") == "application_form" or \
            bool(tracker.get_slot("situation")) or "申请" in (text or "") or \
            bool(ASKS_FOR_HELP.search(parsing.normalise(text or ""))) or \
            _a_story_of_hardship(text or "", assessment.third_party)
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("asked_counts", None),
                                   SlotSet(RESUME_APPLICATION, True) if applying else SlotSet(RESUME_APPLICATION,
                                                                                              None),
                                   SlotSet("emergency_situation", text or None), *await prefilled(tracker, text)]
        number = tracker.get_slot("emergency_case_number")
        filed = None
        if earlier is None or not number:         # one case per emergency: a second message adds to the first
            try:
                phone = await reveal_phone(rt.vault, tracker.sender_id, _slot(events, "emergency_phone", tracker))
            except RedisError:
                phone = None
            filed = await file_emergency(tracker, situation=text or None, phone=phone,
                                         division_code=_slot(events, "location_code", tracker), place_said=None)
        if earlier is not None and number and not filed:     # more words about the same emergency: no new intro
            dispatcher.utter_message(text=say("emergency_more", case_number=number))
        elif filed:
            number, triage = filed
            events.append(SlotSet("emergency_case_number", number))
            due = when(triage.deadlines.get("emergency", rt.clock()))
            dispatcher.utter_message(text=say("emergency_filed", safety=safety_lines(assessment),
                                              case_number=number, due=due))
        else:
            dispatcher.utter_message(text=say("emergency_start", safety=safety_lines(assessment)))
        if earlier is None:                                  # a person is told at once, once per emergency
            await record(tracker, handoff_reason(assessment), message=text or "紧急求助",
                         case_number=number if filed else None)
        return events

    async def _add_to(self, number: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The same session's emergency is filed: add the words to it and go back to where the resident was."""
        text = emergency_text(tracker, None)
        await add_words(number, text, f"resident:{tracker.sender_id}")
        dispatcher.utter_message(text=say("emergency_more", case_number=number))
        form = (tracker.active_loop or {}).get("name")
        return [FollowupAction(form if form else "action_listen")]
