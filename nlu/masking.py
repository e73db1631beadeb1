"""Masking of personal data (身份证号, mobile numbers) in free text, for logs, trackers and streams."""
from __future__ import annotations

import re

# 18-character resident ID: 17 digits and a digit or X; 15-digit first-generation numbers too.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3})([0-9Xx]?)(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def mask_id_number(value: str) -> str:
    """'370811199001011234' → '3708**********1234' (first four, last four)."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str) -> str:
    """'13812345678' → '138****5678'."""
    digits = re.sub(r"\D", "", value)[-11:]
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_personal_data(text: str) -> str:
    """Replace every ID number and mobile number in free text by its masked form."""

    def _id(m: re.Match[str]) -> str:
        whole = m.group(0)
        return mask_id_number(whole) if len(whole) in (15, 18) else whole

    text = _ID_NUMBER.sub(_id, text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)
