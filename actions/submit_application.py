"""action_submit_application: files the confirmed application as a case, or stores nothing and says why."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.personal import forget_numbers, reveal_id_number, reveal_phone
from actions.slots import APPLICATION_SLOTS, COMPLETING_CASE, channel_of, reset_slots
from actions.store import STORE_DOWN, in_thread
from actions.wording import say, when
from cases.application import Applicant, Application, Attachment
from cases.errors import CaseNotFound, InvalidInput, UnknownDivision
from cases.identity import IdNumber, PhoneNumber, parse_name
from cases.service import complete_application, submit_case
from jishijiu.intake import case_triage
from triage import Assessment, assess

log = logging.getLogger(__name__)


def case_situation(tracker: Tracker) -> str:
    """What the caseworker reads: who applies, the kind of difficulty, the household, then the resident's words."""
    size = tracker.get_slot("household_size")
    head = "（替他人申请，已征得本人同意）" if tracker.get_slot("applies_for") == "other" else ""
    head += f"困难类别：{tracker.get_slot('difficulty_kind') or '未选'}；"
    head += f"家庭人口：{int(size)}人。" if isinstance(size, (int, float)) and size >= 1 else "家庭人口：未说明（电话核实）。"
    return head + "\n" + (tracker.get_slot("situation") or "").strip()


def build_application(tracker: Tracker, id_number: IdNumber, phone: PhoneNumber,
                      attachments: tuple[Attachment, ...] = ()) -> Application:
    return Application(
        channel=channel_of(tracker), channel_user_id=tracker.sender_id,
        applicant=Applicant(parse_name(tracker.get_slot("applicant_name") or ""), id_number, phone),
        division_code=tracker.get_slot("location_code") or "",
        situation=case_situation(tracker), attachments=attachments,
    )


def promise(assessment: Assessment) -> str:
    """What happens next, with the first-response deadline in plain words."""
    return say(f"promise_{assessment.urgency.value}", due=when(assessment.due_at))


def _refusal_key(tracker: Tracker) -> str | None:
    if tracker.get_slot("form_handoff"):
        return "handed_off"                   # a person took over: what was said is in the hand-off
    if tracker.get_slot("consent") is not True:
        return "consent_refused"
    if tracker.get_slot("applies_for") == "other" and tracker.get_slot("on_behalf_consent") is not True:
        return "on_behalf_refused"
    if tracker.get_slot("application_confirmed") is not True:
        return "not_confirmed"
    return None


class ActionSubmitApplication(Action):
    """Consent, on-behalf consent and confirmation given → one case; otherwise nothing is stored."""

    def name(self) -> str:
        return "action_submit_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rt = runtime.current()
        refusal = _refusal_key(tracker)
        if refusal:
            return await self._drop(dispatcher, tracker, refusal)
        sender = tracker.sender_id
        id_number = await reveal_id_number(rt.vault, sender, tracker.get_slot("id_number"))
        phone = await reveal_phone(rt.vault, sender, tracker.get_slot("phone"))
        if id_number is None or phone is None:
            return await self._drop(dispatcher, tracker, "details_expired")
        now: datetime = rt.clock()
        try:
            attachments = await rt.attachments.peek(sender) if rt.attachments else ()
            application = build_application(tracker, id_number, phone, attachments)
            emergency_number = tracker.get_slot(COMPLETING_CASE)
            if emergency_number:               # the emergency filed earlier in this conversation: complete it
                await in_thread(complete_application, rt.session_factory, emergency_number, application,
                                actor=f"resident:{sender}", now=now, cipher=rt.cipher, divisions=rt.divisions)
                await forget_numbers(rt.vault, sender)
                if rt.attachments:
                    await rt.attachments.clear(sender)
                dispatcher.utter_message(text=say("emergency_application_completed", case_number=emergency_number))
                return [*reset_slots(tracker, APPLICATION_SLOTS), SlotSet("requested_slot", None),
                        SlotSet("case_number", emergency_number)]
            cfg = rt.triage
            assessment = assess(tracker.get_slot("situation") or application.situation, now, cfg.rules,
                                cfg.deadline_rules, cfg.calendar, cfg.model)
            number = await in_thread(submit_case, rt.session_factory, application,
                                     case_triage(assessment, now, cfg), now, cipher=rt.cipher,
                                     divisions=rt.divisions)
        except UnknownDivision:
            # the place is not a division (it should never get here; if it does, the place is asked again rather
            # than the submission failing at every 确认提交)
            log.error("application with an unknown division: the place is asked again")
            dispatcher.utter_message(text=say("place_again"))
            return [SlotSet("location_code", None), SlotSet("location_label", None),
                    SlotSet("application_confirmed", None), ActiveLoop("application_form"),
                    SlotSet("requested_slot", "location_code")]
        except (*STORE_DOWN, InvalidInput, CaseNotFound) as exc:
            log.error("application not stored for a conversation: %s", exc.__class__.__name__)
            dispatcher.utter_message(text=say("store_down"))
            # keep the answers; the form asks for the confirmation again, so 确认提交 retries
            return [SlotSet("application_confirmed", None), ActiveLoop("application_form"),
                    SlotSet("requested_slot", "application_confirmed")]
        await forget_numbers(rt.vault, sender)
        if rt.attachments:
            await rt.attachments.clear(sender)
        dispatcher.utter_message(text="\n".join((say("submitted", case_number=number), promise(assessment),
                                                 say("submitted_tail"))))
        return [*reset_slots(tracker, APPLICATION_SLOTS), SlotSet("requested_slot", None),
                SlotSet("case_number", number)]

    async def _drop(self, dispatcher: CollectingDispatcher, tracker: Tracker, key: str) -> list[EventType]:
        """Store nothing, forget the answers and the vaulted numbers, and explain the other ways to apply."""
        await forget_numbers(runtime.current().vault, tracker.sender_id)
        if key != "handed_off":
            dispatcher.utter_message(text=say(key))
        return [*reset_slots(tracker, APPLICATION_SLOTS), SlotSet("requested_slot", None)]
