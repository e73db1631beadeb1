"""action_submit_emergency: files the emergency as a case at once (phone, place, situation only)."""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions import runtime
from actions.handoff import record
from actions.personal import forget_numbers, reveal_phone
from actions.slots import APPLICATION_SLOTS, EMERGENCY_SLOTS, channel_of, reset_slots
from actions.store import STORE_DOWN, in_thread
from actions.wording import say, when
from cases.application import Applicant, Application
from cases.errors import InvalidInput, InvalidName
from cases.identity import PersonName, parse_name
from cases.service import submit_case
from jishijiu.intake import case_triage
from triage import Urgency, assess

log = logging.getLogger(__name__)

NAME_NOT_GIVEN = "未提供"          # parse_name accepts it; the emergency form does not ask for a name
SELF_REPORTED = "求助人报告紧急情况"
# Personal data taken without a separate consent: PIPL Art. 13(1)(4), written into the case for the record.
VITAL_INTEREST_NOTE = ("【个人信息处理依据】紧急情况下为保护自然人的生命健康和财产安全所必需"
                       "（《个人信息保护法》第十三条第一款第四项），未单独征得同意；仅记录联系电话、位置和求助情况。")


def applicant_name(tracker: Tracker) -> PersonName:
    """The name if the resident had already given it in the application, else 未提供."""
    try:
        return parse_name(tracker.get_slot("applicant_name") or NAME_NOT_GIVEN)
    except InvalidName:
        return parse_name(NAME_NOT_GIVEN)


def emergency_situation(tracker: Tracker) -> str:
    parts = [f"【紧急求助】{tracker.get_slot('emergency_situation') or '求助人报告紧急情况（未说明详情）'}"]
    if tracker.get_slot("emergency_location"):
        parts.append(f"求助人所说位置：{tracker.get_slot('emergency_location')}")
    parts.append(VITAL_INTEREST_NOTE)
    return "\n".join(parts)


def division_code(tracker: Tracker) -> str | None:
    """The place known from the form or the QR poster, else the configured intake for unplaced emergencies."""
    return tracker.get_slot("location_code") or runtime.current().emergency_intake_division


class ActionSubmitEmergency(Action):
    """Creates the emergency case (vital-interest basis, no separate consent) and repeats the 2-hour promise."""

    def name(self) -> str:
        return "action_submit_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rt = runtime.current()
        try:
            phone = await reveal_phone(rt.vault, tracker.sender_id, tracker.get_slot("emergency_phone"))
        except RedisError:                       # file the emergency anyway; the hand-off reaches a person
            phone = None
        code = division_code(tracker)
        masked_phone = phone.masked if phone else "（未留）"
        if code is None:
            return await self._unplaced(dispatcher, tracker, masked_phone)
        now = rt.clock()
        cfg = rt.triage
        found = assess(tracker.get_slot("emergency_situation") or SELF_REPORTED, now, cfg.rules,
                       cfg.deadline_rules, cfg.calendar)
        # The resident reported an emergency: when in doubt, the higher level (2 hours).
        found = dataclasses.replace(found, urgency=Urgency.EMERGENCY, reasons=found.reasons or (SELF_REPORTED,))
        application = Application(channel=channel_of(tracker), channel_user_id=tracker.sender_id,
                                  applicant=Applicant(applicant_name(tracker), None, phone),
                                  division_code=code, situation=emergency_situation(tracker))
        triage = case_triage(found, now, cfg)
        try:
            number = await in_thread(submit_case, rt.session_factory, application, triage, now, cipher=rt.cipher,
                                     divisions=rt.divisions)
        except (*STORE_DOWN, InvalidInput) as exc:
            log.error("emergency not stored for a conversation: %s", exc.__class__.__name__)
            dispatcher.utter_message(text=say("emergency_store_down"))
            return [SlotSet("requested_slot", None)]     # the hand-off recorded at the start still stands
        await forget_numbers(rt.vault, tracker.sender_id)
        due = triage.deadlines.get("emergency", now)
        dispatcher.utter_message(text=say("emergency_submitted", case_number=number, due=when(due),
                                          phone=masked_phone))
        return [*reset_slots(tracker, APPLICATION_SLOTS + EMERGENCY_SLOTS), SlotSet("requested_slot", None),
                SlotSet("emergency_case_number", number)]

    async def _unplaced(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                        masked_phone: str) -> list[EventType]:
        """No division to file under: a person takes it from the hand-off (the vault keeps the phone for them)."""
        where = tracker.get_slot("emergency_location") or "未说明"
        await record(tracker, "emergency", message=f"紧急求助，位置未能匹配到区划：{where}；电话：{masked_phone}；"
                                                   f"情况：{tracker.get_slot('emergency_situation') or ''}")
        dispatcher.utter_message(text=say("emergency_no_place", phone=masked_phone))
        return [SlotSet("requested_slot", None)]

