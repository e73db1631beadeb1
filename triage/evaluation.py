"""Scoring triage on an evaluation set: accepted levels, under-triage, emergency recall, per-level precision and
recall, the confusion matrix and department routing. Pure: the items and a classifier function go in."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from jishijiu.departments import by_name as departments_by_name
from triage.classify import Classification
from triage.rules import Urgency

LEVELS = tuple(Urgency)


@dataclass(frozen=True)
class Item:
    text: str
    ok: tuple[Urgency, ...]           # accepted levels, the most likely first
    dept: str | None                  # a department id that must be among the routes


@dataclass(frozen=True)
class Outcome:
    item: Item
    urgency: Urgency
    departments: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        return self.urgency in self.item.ok

    @property
    def under(self) -> bool:
        """Put lower than every accepted level: the costly error."""
        return self.urgency.rank < min(u.rank for u in self.item.ok)


def load_items(path: Path) -> list[Item]:
    names = departments_by_name()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Item(r["t"], tuple(Urgency(u) for u in r["ok"]), names[r["dept"]].id if r.get("dept") else None)
            for r in raw]


@dataclass(frozen=True)
class Report:
    name: str
    outcomes: tuple[Outcome, ...]

    def _rate(self, hits: int, total: int) -> str:
        return f"{hits}/{total} = {hits / total:.1%}" if total else "0/0"

    @property
    def accepted_rate(self) -> float:
        return sum(o.accepted for o in self.outcomes) / len(self.outcomes)

    @property
    def under_rate(self) -> float:
        return sum(o.under for o in self.outcomes) / len(self.outcomes)

    @property
    def emergencies(self) -> list[Outcome]:
        """Items whose only accepted level is emergency."""
        return [o for o in self.outcomes if o.item.ok == (Urgency.EMERGENCY,)]

    @property
    def emergency_recall(self) -> float:
        e = self.emergencies
        return sum(o.urgency is Urgency.EMERGENCY for o in e) / len(e) if e else 1.0

    @property
    def department_rate(self) -> float:
        routed = [o for o in self.outcomes if o.item.dept]
        return sum(o.item.dept in o.departments for o in routed) / len(routed) if routed else 1.0

    def confusion(self) -> dict[Urgency, dict[Urgency, int]]:
        """Rows: the item's first (most likely) level; columns: the level given."""
        table = {a: {b: 0 for b in LEVELS} for a in LEVELS}
        for o in self.outcomes:
            table[o.item.ok[0]][o.urgency] += 1
        return table

    def per_level(self) -> dict[Urgency, tuple[float, float]]:
        """Precision (given level accepted) and recall (items whose first level is L given L) per level."""
        out = {}
        for level in LEVELS:
            given = [o for o in self.outcomes if o.urgency is level]
            first = [o for o in self.outcomes if o.item.ok[0] is level]
            precision = sum(level in o.item.ok for o in given) / len(given) if given else 1.0
            recall = sum(o.urgency is level for o in first) / len(first) if first else 1.0
            out[level] = (precision, recall)
        return out

    def text(self, verbose: bool = False) -> str:
        n = len(self.outcomes)
        e = self.emergencies
        lines = [
            f"{self.name}: {n} situations",
            f"  accepted level     {self._rate(sum(o.accepted for o in self.outcomes), n)}",
            f"  under-triaged      {self._rate(sum(o.under for o in self.outcomes), n)}",
            f"  emergency recall   {self._rate(sum(o.urgency is Urgency.EMERGENCY for o in e), len(e))}",
            f"  departments        {self.department_rate:.1%} of {sum(1 for o in self.outcomes if o.item.dept)} "
            "items with a required department",
            "  per level          precision  recall",
        ]
        for level, (p, r) in self.per_level().items():
            lines.append(f"    {level.value:<10}       {p:8.1%}  {r:6.1%}")
        lines.append("  confusion (rows: expected first level; columns: given)")
        lines.append("    " + " " * 10 + "".join(f"{u.value:>11}" for u in LEVELS))
        for a, row in self.confusion().items():
            lines.append(f"    {a.value:<10}" + "".join(f"{row[b]:>11}" for b in LEVELS))
        if verbose:
            for o in self.outcomes:
                if not o.accepted:
                    mark = "UNDER" if o.under else "over "
                    lines.append(f"  {mark} {o.urgency.value} ∉ {[u.value for u in o.item.ok]}: {o.item.text}")
        return "\n".join(lines)


def evaluate(name: str, items: Sequence[Item], classify: Callable[[str], Classification]) -> Report:
    outcomes = []
    for item in items:
        found = classify(item.text)
        outcomes.append(Outcome(item, Urgency(found.urgency), found.departments))
    return Report(name, tuple(outcomes))
