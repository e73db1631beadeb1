"""The case store's shell: each function opens one transaction, loads, calls the lifecycle, commits."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from cases.application import Applicant, Application, Attachment, CaseTriage
from cases.divisions import Divisions, Location, cached_divisions
from cases.encryption import PersonalDataCipher
from cases.errors import CaseNotFound, InvalidInput
from cases.identity import IdNumber, PersonName, PhoneNumber, parse_id_number, parse_phone
from cases.models import Case, CaseDeadline
from cases.numbering import assign_case_number, provisional_case_number
from cases.states import OPEN, CaseState, ReferralStatus, Urgency, parse_enum
from cases.transitions import (record_contact_update, record_message, record_opinion, record_submission,
                               record_supervision, record_view, transition, transition_referral)
from cases.views import CaseDetail, CaseSummary, EventView
from nlu.masking import mask_personal_data

SessionFactory = Callable[[], Session]
_LOAD = (selectinload(Case.deadlines), selectinload(Case.referrals))


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise InvalidInput("时间必须带时区", "`now` must be timezone-aware")
    return now


def masked_situation(application: Application) -> str:
    """The situation with 身份证号 and phone numbers masked (nlu), and the applicant's own name too."""
    text = mask_personal_data(application.situation.strip())
    name = application.applicant.name
    return text.replace(name.value, name.masked) if len(name.value) > 1 else text


def _seal_id_number(case: Case, id_number: IdNumber, cipher: PersonalDataCipher) -> None:
    case.id_number_sealed = cipher.seal(id_number.value, "id_number")
    case.id_number_masked = id_number.masked
    case.id_number_hash = cipher.lookup_hash("id_number", id_number.value)


def _seal_phone(case: Case, phone: PhoneNumber, cipher: PersonalDataCipher) -> None:
    case.phone_sealed = cipher.seal(phone.value, "phone")
    case.phone_masked = phone.masked
    case.phone_hash = cipher.lookup_hash("phone", phone.value)


def _move(case: Case, location: Location) -> bool:
    """File the case under `location`; False when it is already there."""
    if location.label == case.location_label:
        return False
    case.county_code = location.county.code
    case.township_code = location.township and location.township.code
    case.village_code = location.village and location.village.code
    case.location_label = location.label[:200]
    return True


def _new_case(application: Application, triage: CaseTriage, location: Location,
              cipher: PersonalDataCipher, now: datetime) -> Case:
    person = application.applicant
    case = Case(
        channel=application.channel.strip(), channel_user_id=application.channel_user_id.strip(),
        name_sealed=cipher.seal(person.name.value, "name"), name_masked=person.name.masked,
        county_code=location.county.code, township_code=location.township and location.township.code,
        village_code=location.village and location.village.code, location_label=location.label,
        situation=masked_situation(application), urgency=triage.urgency,
        triage_reasons=list(triage.reasons), department_ids=list(dict.fromkeys(triage.department_ids)),
        assistance=list(triage.assistance), attachments=[a.as_json() for a in application.attachments],
        status=CaseState.SUBMITTED, submitted_at=now, updated_at=now,
        deadlines=[CaseDeadline(rule=rule, starts_at=now, due_at=due) for rule, due in triage.deadlines.items()],
    )
    if person.id_number:
        _seal_id_number(case, person.id_number, cipher)
    if person.phone:
        _seal_phone(case, person.phone, cipher)
    return case


def submit_case(session_factory: SessionFactory, application: Application, triage: CaseTriage, now: datetime,
                *, cipher: PersonalDataCipher, divisions: Divisions | None = None, actor: str | None = None,
                note: str | None = None) -> str:
    """Store Case + deadlines + CaseEvent + OutboxMessage in ONE transaction; return the public case number.
    The submission's actor is the conversation unless someone filed it for the resident (a hotline agent)."""
    location = (divisions or cached_divisions()).locate(application.division_code)
    case = _new_case(application, triage, location, cipher, _aware(now))
    case.case_number = provisional_case_number()
    with session_factory() as session, session.begin():
        session.add(case)
        _, message = record_submission(case, actor or f"{case.channel}:{case.channel_user_id}", now, note)
        session.flush()                                    # the inserts: no lock shared with other submissions
        return assign_case_number(session, case, [message], now)   # the day's counter: locked until commit


def amend_contact(session_factory: SessionFactory, case_number: str, *, actor: str, now: datetime,
                  cipher: PersonalDataCipher, phone: PhoneNumber | None = None, division_code: str | None = None,
                  place_said: str | None = None, divisions: Divisions | None = None,
                  note: str | None = None) -> bool:
    """Complete a case filed before its phone or place was known (an emergency filed at once): seal the phone,
    move it to the division, note the place as said. One event + outbox row; False when nothing changed."""
    with session_factory() as session, session.begin():
        case = _load(session, case_number, for_update=True)
        changes: dict[str, str] = {}
        if phone is not None and case.phone_masked != phone.masked:
            _seal_phone(case, phone, cipher)
            changes["电话"] = phone.masked
        if division_code:
            location = (divisions or cached_divisions()).locate(division_code)
            if _move(case, location):
                changes["位置"] = location.label
        if place_said:
            said = mask_personal_data(place_said.strip())[:200]
            if said not in case.situation:
                case.situation = f"{case.situation}\n求助人所说位置：{said}"
                changes["所说位置"] = said
        if note and note.strip():
            added = mask_personal_data(note.strip())[:500]
            case.situation = f"{case.situation}\n求助人补充：{added}"
            changes["补充"] = added
        if not changes:
            return False
        record_contact_update(case, actor, _aware(now), changes)
        return True


def complete_application(session_factory: SessionFactory, case_number: str, application: Application, *,
                         actor: str, now: datetime, cipher: PersonalDataCipher,
                         divisions: Divisions | None = None) -> None:
    """An emergency filed at once, completed by the application the resident then finished: the applicant (sealed),
    the place when it is more precise, and the application's situation appended. One event + outbox row."""
    person = application.applicant
    location = (divisions or cached_divisions()).locate(application.division_code)
    with session_factory() as session, session.begin():
        case = _load(session, case_number, for_update=True)
        case.name_sealed, case.name_masked = cipher.seal(person.name.value, "name"), person.name.masked
        changes = {"申请人": person.name.masked}
        if person.id_number:
            _seal_id_number(case, person.id_number, cipher)
            changes["身份证号"] = person.id_number.masked
        if person.phone:
            _seal_phone(case, person.phone, cipher)
            changes["电话"] = person.phone.masked
        if _move(case, location):
            changes["位置"] = location.label
        case.situation = f"{case.situation}\n【补充的申请信息】{masked_situation(application)}"
        if application.attachments:
            case.attachments = [*case.attachments, *(a.as_json() for a in application.attachments)]
            changes["附件"] = f"{len(application.attachments)} 件"
        record_contact_update(case, actor, _aware(now), changes)


def attach_to_recent_case(session_factory: SessionFactory, sender: str, attachment: Attachment, *,
                          now: datetime | None = None, within: timedelta = timedelta(hours=24)) -> str | None:
    """Something the resident sent after filing (a photo of the damage): onto the newest open case this
    conversation filed within `within`; its number, or None when there is none (the application in progress
    takes it when it is filed). The departments and township are told (masked: only the count)."""
    now = _aware(now or attachment.received_at)
    with session_factory() as session, session.begin():
        case = session.scalar(select(Case).where(Case.channel_user_id == sender, Case.submitted_at >= now - within,
                                                 Case.status != CaseState.CLOSED)
                              .order_by(Case.submitted_at.desc()).limit(1).with_for_update())
        if case is None:
            return None
        case.attachments = [*case.attachments, attachment.as_json()]
        record_contact_update(case, f"resident:{sender}", now, {"附件": f"新增 1 件（共 {len(case.attachments)} 件）"})
        return case.case_number


def _load(session: Session, case_number: str, *, for_update: bool = False) -> Case:
    stmt = select(Case).where(Case.case_number == case_number.strip().upper()).options(*_LOAD)
    case = session.scalars(stmt.with_for_update() if for_update else stmt).one_or_none()
    if case is None:
        raise CaseNotFound(case_number)
    return case


def get_case(session_factory: SessionFactory, case_number: str, *, now: datetime | None = None) -> CaseDetail:
    """One case with deadlines, 转办单 and history; CaseNotFound if there is none."""
    with session_factory() as session:
        case = _load(session, case_number)
        return CaseDetail.of(case, now or datetime.now(timezone.utc))


def list_cases(session_factory: SessionFactory, *, status: CaseState | str | None = None,
               urgency: Urgency | str | None = None, overdue: bool = False, now: datetime | None = None,
               township: str | None = None, open_only: bool = False, limit: int = 200) -> list[CaseSummary]:
    """Newest first; `overdue` keeps open cases with a deadline not met by `now`; `open_only` drops closed ones."""
    now = _aware(now or datetime.now(timezone.utc))
    stmt = select(Case).options(*_LOAD).order_by(Case.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Case.status == parse_enum(CaseState, status))
    if urgency is not None:
        stmt = stmt.where(Case.urgency == parse_enum(Urgency, urgency))
    if township is not None:
        stmt = stmt.where((Case.township_code == township) | (Case.county_code == township))
    if open_only:
        stmt = stmt.where(Case.status.in_(OPEN))
    if overdue:
        late = (CaseDeadline.case_id == Case.id) & CaseDeadline.met_at.is_(None) & (CaseDeadline.due_at < now)
        stmt = stmt.where(Case.status.in_(OPEN), exists().where(late))
    with session_factory() as session:
        return [CaseSummary.of(c, now) for c in session.scalars(stmt)]


def _find(session_factory: SessionFactory, column: object, digest: str, now: datetime | None) -> list[CaseSummary]:
    stmt = select(Case).where(column == digest).options(*_LOAD).order_by(Case.id.desc())  # type: ignore[operator]
    with session_factory() as session:
        return [CaseSummary.of(c, now or datetime.now(timezone.utc)) for c in session.scalars(stmt)]


def find_cases_by_id_number(session_factory: SessionFactory, id_number: IdNumber | str, *,
                            cipher: PersonalDataCipher, now: datetime | None = None) -> list[CaseSummary]:
    """Cases whose applicant has this 身份证号, found by its keyed hash (no decryption)."""
    value = id_number if isinstance(id_number, IdNumber) else parse_id_number(id_number)
    return _find(session_factory, Case.id_number_hash, cipher.lookup_hash("id_number", value.value), now)


def case_numbers_of_sender(session_factory: SessionFactory, sender: str) -> list[str]:
    """The numbers of the cases a conversation filed (its sender, e.g. webchat:<session>), newest first."""
    with session_factory() as session:
        return list(session.scalars(select(Case.case_number).where(Case.channel_user_id == sender)
                                    .order_by(Case.submitted_at.desc())))


def find_cases_by_phone(session_factory: SessionFactory, phone: PhoneNumber | str, *,
                        cipher: PersonalDataCipher, now: datetime | None = None) -> list[CaseSummary]:
    """Cases whose applicant has this mobile number, found by its keyed hash."""
    value = phone if isinstance(phone, PhoneNumber) else parse_phone(phone)
    return _find(session_factory, Case.phone_hash, cipher.lookup_hash("phone", value.value), now)


def transition_case(session_factory: SessionFactory, case_number: str, to: CaseState | str, *, actor: str,
                    now: datetime, note: str | None = None, reason: str | None = None,
                    departments: list[str] | None = None) -> EventView | None:
    """Change state through transition() (event + outbox in the same transaction); None if already there."""
    with session_factory() as session, session.begin():
        case = _load(session, case_number, for_update=True)
        event = transition(case, to, actor=actor, now=_aware(now), note=note, reason=reason,
                           departments=departments)
        session.flush()
        return EventView.of(event) if event else None


def message_resident(session_factory: SessionFactory, case_number: str, text: str, *, actor: str,
                     now: datetime) -> EventView:
    """A caseworker's message to the resident (event + outbox in the same transaction; sent by the worker)."""
    with session_factory() as session, session.begin():
        case = _load(session, case_number, for_update=True)
        event = record_message(case, actor, _aware(now), text)
        session.flush()
        return EventView.of(event)


def update_referral(session_factory: SessionFactory, case_number: str, department_id: str,
                    to: ReferralStatus | str, *, actor: str, now: datetime,
                    note: str | None = None) -> EventView | None:
    """Change one department's 转办单 (event + outbox in the same transaction)."""
    with session_factory() as session, session.begin():
        case = _load(session, case_number, for_update=True)
        event = transition_referral(case, department_id, to, actor=actor, now=_aware(now), note=note)
        session.flush()
        return EventView.of(event) if event else None


def reveal_applicant(session_factory: SessionFactory, case_number: str, *, cipher: PersonalDataCipher,
                     actor: str, now: datetime, reason: str | None = None) -> Applicant:
    """Decrypt the applicant (UndecryptableData with a wrong key) and record who looked, in the history."""
    with session_factory() as session, session.begin():
        case = _load(session, case_number)
        applicant = Applicant(
            name=PersonName(cipher.open(case.name_sealed, "name")),
            id_number=IdNumber(cipher.open(case.id_number_sealed, "id_number")) if case.id_number_sealed else None,
            phone=PhoneNumber(cipher.open(case.phone_sealed, "phone")) if case.phone_sealed else None,
        )
        record_view(case, actor, _aware(now), reason)
        return applicant


def record_case_note(session_factory: SessionFactory, case_number: str, kind: str, text: str, *, actor: str,
                     now: datetime) -> EventView:
    """An initial investigation opinion ("opinion") or a supervisor's 督办 ("supervision") on a case."""
    record = {"opinion": record_opinion, "supervision": record_supervision}[kind]
    with session_factory() as session, session.begin():
        case = _load(session, case_number, for_update=True)
        event = record(case, actor, _aware(now), text)
        session.flush()
        return EventView.of(event)
