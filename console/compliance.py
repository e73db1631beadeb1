"""Deadline compliance for supervisors (pure): every statutory deadline of every case counted as on time, late,
open and overdue, or open, per county, township or department."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

By = Literal["county", "township", "department"]
COLUMNS = ("按时", "超时办结", "超期未办", "办理中", "合计", "按时率")


@dataclass(frozen=True)
class DeadlineFact:
    """One deadline of one case, with where the case is and who holds it."""

    county: str
    township: str | None
    departments: tuple[str, ...]
    due_at: datetime
    met_at: datetime | None


@dataclass(frozen=True)
class ComplianceRow:
    key: str
    label: str
    on_time: int
    late: int
    open_overdue: int
    open: int

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.open_overdue + self.open

    @property
    def rate(self) -> float | None:
        """On time among the deadlines that are decided (met, or already missed)."""
        decided = self.on_time + self.late + self.open_overdue
        return round(self.on_time / decided, 4) if decided else None

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "on_time": self.on_time, "late": self.late,
                "open_overdue": self.open_overdue, "open": self.open, "total": self.total, "rate": self.rate}


def _state(f: DeadlineFact, now: datetime) -> str:
    if f.met_at is not None:
        return "on_time" if f.met_at <= f.due_at else "late"
    return "open_overdue" if f.due_at < now else "open"


def _keys(f: DeadlineFact, by: By) -> Iterable[str]:
    if by == "county":
        return (f.county,)
    if by == "township":
        return (f.township or f.county,)
    return f.departments or ("—",)


def compliance(facts: Iterable[DeadlineFact], by: By, now: datetime,
               label: Callable[[str], str] = str) -> list[ComplianceRow]:
    """Rows sorted worst first (most open and overdue, then the lowest on-time rate)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in facts:
        state = _state(f, now)
        for key in _keys(f, by):
            counts[key][state] += 1
    rows = [ComplianceRow(k, label(k), c["on_time"], c["late"], c["open_overdue"], c["open"])
            for k, c in counts.items()]
    return sorted(rows, key=lambda r: (-r.open_overdue, r.rate if r.rate is not None else 1.0, r.key))


def _table(rows: list[ComplianceRow]) -> list[list[object]]:
    return [["代码", "名称", *COLUMNS]] + [
        [r.key, r.label, r.on_time, r.late, r.open_overdue, r.open, r.total,
         f"{r.rate:.1%}" if r.rate is not None else "—"] for r in rows]


def as_csv(rows: list[ComplianceRow]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(_table(rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")          # the BOM lets Excel read the Chinese


def as_xlsx(rows: list[ComplianceRow], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for line in _table(rows):
        sheet.append(line)
    for column, width in zip("ABCDEFGH", (12, 24, 8, 10, 10, 8, 8, 8)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
