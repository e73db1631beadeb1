"""What submit_case takes: the application (applicant, place, situation) and the triage result, as plain values."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from cases.errors import InvalidInput, UnknownDepartment
from cases.identity import IdNumber, PersonName, PhoneNumber
from cases.states import Urgency, parse_enum
from jishijiu.departments import by_id as departments_by_id

MAX_SITUATION = 5000


@dataclass(frozen=True)
class Applicant:
    """The person asking for help; every field is a masked-repr value type."""

    name: PersonName
    id_number: IdNumber | None = None
    phone: PhoneNumber | None = None


@dataclass(frozen=True)
class Attachment:
    """Something the resident sent with the application, kept by reference (e.g. a WeChat image's media id: the
    caseworker fetches it from the channel; WeChat keeps temporary media for 3 days)."""

    kind: str                    # wechat_image | …
    ref: str                     # the channel's id for it
    received_at: datetime

    def __post_init__(self) -> None:
        if not 0 < len(self.kind) <= 32 or not 0 < len(self.ref) <= 256:
            raise InvalidInput("附件标识无效", "an attachment needs a kind and a reference")

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "received_at": self.received_at.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Attachment:
        return cls(data["kind"], data["ref"], datetime.fromisoformat(data["received_at"]))


@dataclass(frozen=True)
class Application:
    channel: str                 # wechat | telegram | webchat | hotline | visit ...
    channel_user_id: str         # channel-scoped id (openid, chat id), never a phone or 身份证号
    applicant: Applicant
    division_code: str           # the most specific known: village, township, or county/zone
    situation: str = field(repr=False)   # free text; masked before it is stored, never in a repr
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < len(self.channel.strip()) <= 32 or not 0 < len(self.channel_user_id.strip()) <= 128:
            raise InvalidInput("缺少渠道或渠道用户标识", "channel and channel user id are required")
        if not self.situation.strip():
            raise InvalidInput("请简要说明遇到的困难", "describe the situation")
        if len(self.situation) > MAX_SITUATION:
            raise InvalidInput(f"情况说明不能超过{MAX_SITUATION}字", f"at most {MAX_SITUATION} characters")


@dataclass(frozen=True)
class CaseTriage:
    """Triage's result as this store needs it; deadlines map a rule (initial, approval …) to a tz-aware due time."""

    urgency: Urgency
    reasons: tuple[str, ...] = ()
    department_ids: tuple[str, ...] = ()
    assistance: tuple[str, ...] = ()
    deadlines: Mapping[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "urgency", parse_enum(Urgency, self.urgency))
        for name in ("reasons", "department_ids", "assistance"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        known = departments_by_id()
        for dept in self.department_ids:
            if dept not in known:
                raise UnknownDepartment(f"未知的部门：{dept}", f"unknown department id: {dept}")
        for rule, due in self.deadlines.items():
            if not rule or len(rule) > 32:
                raise InvalidInput("时限规则名无效", f"invalid deadline rule name: {rule!r}")
            if due.tzinfo is None:
                raise InvalidInput("时限必须带时区", f"deadline {rule} must be timezone-aware")
        object.__setattr__(self, "deadlines", MappingProxyType(dict(self.deadlines)))
