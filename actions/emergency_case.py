"""Every emergency becomes a case with its 2-hour clock at once: filed when it is reported, with whatever is
known (the place as said, the county, or the city's intake, marked 位置待电话确认), and completed later."""
from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from rasa_sdk import Tracker

from actions import runtime
from actions.places import county_in
from actions.slots import channel_of
from actions.store import STORE_DOWN, in_thread
from actions.wording import say
from cases.application import Applicant, Application, CaseTriage
from cases.errors import InvalidInput, InvalidName
from cases.identity import PersonName, PhoneNumber, parse_name
from cases.service import submit_case
from jishijiu.intake import case_triage
from triage import Urgency, assess

log = logging.getLogger(__name__)

NAME_NOT_GIVEN = "未提供"          # parse_name accepts it; the emergency form does not ask for a name
SELF_REPORTED = "求助人报告紧急情况"
# Personal data taken without a separate consent: PIPL Art. 13(1)(4), written into the case for the record.
VITAL_INTEREST_NOTE = ("【个人信息处理依据】紧急情况下为保护自然人的生命健康和财产安全所必需"
                       "（《个人信息保护法》第十三条第一款第四项），未单独征得同意；仅记录联系电话、位置和求助情况。")


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where the case is filed, and whether a person must still confirm the place by phone."""

    division_code: str
    confirmed: bool


def applicant_name(tracker: Tracker) -> PersonName:
    """The name if the resident had already given it in the application, else 未提供."""
    try:
        return parse_name(tracker.get_slot("applicant_name") or NAME_NOT_GIVEN)
    except InvalidName:
        return parse_name(NAME_NOT_GIVEN)


def placement(code: str | None, *words: str) -> Placement:
    """The division known from the form or the QR poster; else the county named; else the city's intake."""
    if code:
        return Placement(code, True)
    rt = runtime.current()
    for text in words:
        county = county_in(rt.divisions, text or "")
        if county is not None:
            return Placement(county.code, False)
    return Placement(rt.intake_division, False)


def situation_text(situation: str | None, place_said: str | None, where: Placement) -> str:
    parts = [f"【紧急求助】{situation or SELF_REPORTED + '（未说明详情）'}"]
    if not where.confirmed:
        parts.append(say("emergency_place_unconfirmed"))
    if place_said:
        parts.append(f"求助人所说位置：{place_said}")
    parts.append(VITAL_INTEREST_NOTE)
    return "\n".join(parts)


def emergency_triage(situation: str | None, now: datetime) -> CaseTriage:
    """Triage of the report, always at the emergency level: the resident reported an emergency (2 hours)."""
    cfg = runtime.current().triage
    found = assess(situation or SELF_REPORTED, now, cfg.rules, cfg.deadline_rules, cfg.calendar, cfg.model)
    found = dataclasses.replace(found, urgency=Urgency.EMERGENCY, reasons=found.reasons or (SELF_REPORTED,))
    return case_triage(found, now, cfg)


async def file_emergency(tracker: Tracker, *, situation: str | None, phone: PhoneNumber | None,
                         division_code: str | None, place_said: str | None) -> tuple[str, CaseTriage] | None:
    """Store the emergency case now; (case number, triage), or None when the store is down."""
    rt = runtime.current()
    where = placement(division_code, place_said or "", situation or "")
    attachments = await rt.attachments.peek(tracker.sender_id) if rt.attachments else ()
    application = Application(channel=channel_of(tracker), channel_user_id=tracker.sender_id,
                              applicant=Applicant(applicant_name(tracker), None, phone),
                              division_code=where.division_code,
                              situation=situation_text(situation, place_said, where), attachments=attachments)
    now = rt.clock()                           # one instant: the case's submission and its 2-hour clock
    triage = emergency_triage(situation, now)
    try:
        number = await in_thread(submit_case, rt.session_factory, application, triage, now,
                                 cipher=rt.cipher, divisions=rt.divisions)
    except (*STORE_DOWN, InvalidInput) as exc:
        log.error("emergency not stored for a conversation: %s", exc.__class__.__name__)
        return None
    if attachments:
        await rt.attachments.clear(tracker.sender_id)
    return number, triage
