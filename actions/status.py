"""validate_status_form and action_query_status: a case's progress for its number and the phone's last 4 digits."""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import parsing, runtime
from actions.interrupts import is_emergency_trigger, step_aside
from actions.outside_form import tells_hardship
from actions.slots import STATUS_SLOTS, latest_text, reset_slots
from actions.store import STORE_DOWN, in_thread
from actions.wording import say, when
from cases.errors import CaseNotFound
from cases.service import case_numbers_of_sender, get_case
from cases.states import LABELS, OPEN
from cases.views import CaseDetail, EventView
from triage import UnknownRule

log = logging.getLogger(__name__)
OWN_SHOWN = 3                  # the newest cases a resident sees without giving a number
_RESIDENT_VISIBLE = {"submitted", "transition", "referral"}     # not escalations or audit views


_ASKS_STATUS = re.compile(r"进度|编号|查询|查一下|查查|办到|审批|审核|结果|批了|批下来|到账|到哪|jsj", re.IGNORECASE)


def is_a_story_not_a_query(text: str) -> bool:
    """A story of hardship that names no case, progress or result: not a status query, whatever the NLU said."""
    return not parsing.is_payload(text) and not _ASKS_STATUS.search(text) and tells_hardship(text)


class ValidateStatusForm(FormValidationAction):
    """A case number JSJ-YYYYMMDD-NNNN and the four last digits of the phone given with it."""

    def name(self) -> str:
        return "validate_status_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if is_emergency_trigger(tracker):
            return step_aside(tracker, self.form_name())
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> list[str]:
        # Taken for a status query, a story of hardship ("俺娘…查出来胃癌…恁看看咋弄") asks nothing about a case:
        # the form ends at once and action_query_status sends the resident to the application instead.
        if not tracker.get_slot("requested_slot") and is_a_story_not_a_query(latest_text(tracker) or ""):
            return []
        own = await own_cases(tracker.sender_id)
        number = tracker.get_slot("status_case_number")
        if own and not number:               # the resident who filed from here: their own cases, nothing to give
            return []
        if own and number in own:            # one of their own: no last 4 digits
            return ["status_case_number"]
        return list(domain_slots)

    def validate_status_case_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> dict[str, Any]:
        number = parsing.case_number(text) if (text := parsing.words(value)) else None
        if number is None:
            dispatcher.utter_message(text=say("status_bad_number"))
        return {"status_case_number": number}

    def validate_status_phone_last4(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> dict[str, Any]:
        last4 = parsing.phone_last4(text) if (text := parsing.words(value)) else None
        if last4 is None:
            dispatcher.utter_message(text=say("status_bad_last4"))
        return {"status_phone_last4": last4}


def last_step(detail: CaseDetail) -> str:
    """The latest step a resident may see, in plain words with its time."""
    event: EventView | None = next((e for e in reversed(detail.history) if e.action in _RESIDENT_VISIBLE), None)
    if event is None:
        return "申请已提交"
    at = when(event.at)
    if event.action == "submitted":
        return f"{at} 提交申请"
    if event.action == "referral":
        return f"{at} 相关部门正在办理"
    return f"{at} 状态变为“{LABELS[event.after]}”" if event.after else f"{at} 有新进展"


def deadline_text(detail: CaseDetail, now: datetime) -> str:
    """The next statutory deadline in plain words, or that the case is closed."""
    if detail.status not in OPEN:
        return say("status_closed")
    pending = [d for d in detail.deadlines if d.met_at is None]
    if not pending:
        return ""
    first = min(pending, key=lambda d: d.due_at)
    if first.due_at < now:
        return say("status_overdue", due=when(first.due_at))
    try:
        rule = runtime.current().triage.deadline_rules.rule(first.rule).label
    except UnknownRule:
        rule = "办理"
    return say("status_due", due=when(first.due_at), rule=rule)


class ActionQueryStatus(Action):
    """Replies status, last step and deadline; a wrong pair gets the same 没有找到 as an unknown number."""

    def name(self) -> str:
        return "action_query_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rt = runtime.current()
        number = tracker.get_slot("status_case_number") or ""
        last4 = tracker.get_slot("status_phone_last4") or ""
        if not number and is_a_story_not_a_query(latest_text(tracker) or ""):
            return [*reset_slots(tracker, STATUS_SLOTS), SlotSet("requested_slot", None),
                    FollowupAction("application_form")]
        forget = [*reset_slots(tracker, STATUS_SLOTS), SlotSet("requested_slot", None)]
        now, sender = rt.clock(), tracker.sender_id
        try:
            own = await own_cases(sender)
            if own and (not number or number in own):     # filed from this conversation: no digits to give
                for mine in ([number] if number else own[:OWN_SHOWN]):
                    detail = await in_thread(get_case, rt.session_factory, mine, now=now)
                    dispatcher.utter_message(text=found_text(detail, now))
                return forget
            if rt.lookups is not None and not await rt.lookups.allowed(sender, number):
                dispatcher.utter_message(text=say("status_locked"))
                return forget
            try:
                detail = await in_thread(get_case, rt.session_factory, number, now=now)
            except CaseNotFound:
                detail = None
        except STORE_DOWN as exc:
            log.error("status query failed: %s", exc.__class__.__name__)
            dispatcher.utter_message(text=say("status_store_down"))
            return forget
        if detail is None or not detail.phone_ends_with(last4):
            if rt.lookups is not None:
                await rt.lookups.failed(sender, number)
            dispatcher.utter_message(text=say("status_not_found"))
            return forget
        dispatcher.utter_message(text=found_text(detail, now))
        return forget


def found_text(detail: CaseDetail, now: datetime) -> str:
    return say("status_found", case_number=detail.case_number, label=detail.status_label,
               last_step=last_step(detail), deadline=deadline_text(detail, now)).strip()


async def own_cases(sender: str) -> list[str]:
    """The case numbers this conversation filed, newest first ([] when the store is down: then the digits help)."""
    try:
        return await in_thread(case_numbers_of_sender, runtime.current().session_factory, sender)
    except STORE_DOWN:
        return []
