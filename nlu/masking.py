"""The one masker of personal data (身份证号, mobile numbers) in free text, for Rasa, logs, trackers, streams and
free-text columns.

Numbers are found however a resident writes them: full-width digits (１３８…), separated by spaces, dashes, dots
or 「·」 ("138-1234-5678", "370811 19900101 1236"), with a +86 prefix, or glued to Latin letters ("sfz3708…",
"tel13812345678"). Every ID-like run (15 to 18 characters, the last may be X) and every mainland mobile is masked:
first four and last four of an ID, first three and last four of a mobile. A run of groups that is no one number
(a mobile and an ID written in one breath) is read group by group.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# One character in, one character out, so that positions in the normalised text are positions in the original.
_SAME_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF38: ord("X"), 0xFF58: ord("x"),
                                                                0x3000: ord(" "), 0xFF0D: ord("-"), 0xFF0E: ord("."),
                                                                0xFF0B: ord("+")}
_SEPARATOR = r"[ \t\-.·\u2010-\u2015]"
# A run of digits, single separators allowed between them, an optional trailing X, an optional +86 in front.
_RUN = re.compile(rf"(?<![0-9])(?:\+?86{_SEPARATOR}?)?[0-9](?:{_SEPARATOR}?[0-9])*(?:{_SEPARATOR}?[Xx])?(?![0-9])")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_ID_LIKE = re.compile(r"[0-9]{14,17}[0-9Xx]")
Kind = Literal["id_number", "phone"]


@dataclass(frozen=True)
class Found:
    kind: Kind
    start: int          # the span in the original text, separators included
    end: int
    clear: str          # digits only (and a final X), e.g. "13812345678"
    token: str          # its masked form, e.g. "138****5678"


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


def _classify(chars: str) -> Kind | None:
    if _MOBILE.fullmatch(chars) or (chars.startswith("86") and _MOBILE.fullmatch(chars[2:])):
        return "phone"
    if _ID_LIKE.fullmatch(chars):
        return "id_number"
    return None


def _found(kind: Kind, start: int, end: int, chars: str) -> Found:
    if kind == "phone":
        clear = chars[-11:]
        return Found(kind, start, end, clear, mask_phone(clear))
    clear = chars.upper()
    return Found(kind, start, end, clear, mask_id_number(clear))


def _groups(run: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, characters) of each separated group of a run."""
    return [(offset + m.start(), offset + m.end(), m.group()) for m in re.finditer(r"\+?[0-9Xx]+", run)]


def find_personal_numbers(text: str) -> list[Found]:
    """Every ID-like number and mobile in `text`, however it is written; left to right."""
    normal = text.translate(_SAME_WIDTH)
    found: list[Found] = []
    for run in _RUN.finditer(normal):
        chars = re.sub(r"[^0-9Xx]", "", run.group())
        kind = _classify(chars)
        if kind:
            found.append(_found(kind, run.start(), run.end(), chars))
            continue
        if chars[-1] in "Xx" and (kind := _classify(chars[:-1])):      # "sfz3708…1236x": the x is a letter
            found.append(_found(kind, run.start(), run.end() - 1, chars[:-1]))
            continue
        groups = _groups(run.group(), run.start())       # several numbers in one run: the shortest that is one
        i = 0
        while i < len(groups):
            for j in range(i + 1, len(groups) + 1):
                chars = "".join(g[2].lstrip("+") for g in groups[i:j])
                kind = _classify(chars)
                if kind:
                    found.append(_found(kind, groups[i][0], groups[j - 1][1], chars))
                    i = j
                    break
            else:
                i += 1
    return found


def mask_personal_data(text: str, seen: Callable[[Found], None] | None = None) -> str:
    """The text with every ID number and mobile replaced by its masked form; `seen` is told of each one (the
    vault keeps the clear values that way)."""
    out, last = [], 0
    for f in find_personal_numbers(text):
        out += [text[last:f.start], f.token]
        last = f.end
        if seen is not None:
            seen(f)
    return "".join(out) + text[last:]
