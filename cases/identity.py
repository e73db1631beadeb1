"""身份证号 and mobile-number validation, and value types whose repr and str are masked."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from cases.errors import InvalidIdNumber, InvalidName, InvalidPhone
from nlu.masking import mask_id_number, mask_phone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_EARLIEST_BIRTH = date(1900, 1, 1)


def _normalise(raw: str) -> str:
    """Full-width digits to ASCII, spaces and dashes removed, upper case."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw)).upper()


def id_check_character(first17: str) -> str:
    """GB 11643-1999 ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A validated 18-character 身份证号; repr/str show only 3708**********1234."""

    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    def __repr__(self) -> str:
        return f"IdNumber({self.masked!r})"

    def __str__(self) -> str:
        return self.masked


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A validated mainland mobile number (11 digits); repr/str show only 138****5678."""

    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask_phone(self.value)

    def __repr__(self) -> str:
        return f"PhoneNumber({self.masked!r})"

    def __str__(self) -> str:
        return self.masked


def mask_name(name: str) -> str:
    """'张三' → '张*', '欧阳小明' → '欧***': only the first character is kept."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*"


@dataclass(frozen=True, slots=True)
class PersonName:
    """An applicant's name; repr/str show only the first character (张*)."""

    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask_name(self.value)

    def __repr__(self) -> str:
        return f"PersonName({self.masked!r})"

    def __str__(self) -> str:
        return self.masked


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character 身份证号 (shape, birth date, check digit) or raise InvalidIdNumber."""
    value = _normalise(raw)
    if len(value) != 18:
        raise InvalidIdNumber("length", "身份证号应为18位", "an ID number has 18 characters")
    if not _ID_SHAPE.fullmatch(value):
        raise InvalidIdNumber("format", "身份证号前17位应为数字，最后一位为数字或X",
                              "an ID number is 17 digits followed by a digit or X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date", "身份证号中的出生日期不存在",
                              "the birth date in the ID number does not exist") from None
    today = today or datetime.now(SHANGHAI).date()
    if not _EARLIEST_BIRTH <= born <= today:
        raise InvalidIdNumber("birth_date", "身份证号中的出生日期不合理",
                              "the birth date in the ID number is implausible")
    if id_check_character(value[:17]) != value[17]:
        raise InvalidIdNumber("check_digit", "身份证号校验位不对，请核对后重新输入",
                              "the ID number's check digit is wrong; please check it")
    return IdNumber(value)


def parse_phone(raw: str) -> PhoneNumber:
    """Validate a mainland mobile number (1[3-9] and 9 digits, +86 allowed) or raise InvalidPhone."""
    value = _normalise(raw)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not _MOBILE.fullmatch(value):
        raise InvalidPhone("手机号应为11位，以13–19开头", "a mobile number has 11 digits starting 13–19")
    return PhoneNumber(value)


def parse_name(raw: str) -> PersonName:
    """A non-empty name of at most 50 characters, or InvalidName."""
    value = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not value or len(value) > 50 or any(c.isdigit() for c in value):
        raise InvalidName("请填写申请人姓名（不超过50个字，不含数字）",
                          "give the applicant's name (at most 50 characters, no digits)")
    return PersonName(value)
