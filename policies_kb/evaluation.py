"""Measures Q&A quality on an evaluation set (format of eval/qa.yaml): in-scope accuracy and off-topic rejection."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from policies_kb.answering import Reply

HUMAN_CHANNEL_MARKERS = ("12345", "转人工")


@dataclass(frozen=True)
class EvalItem:
    question: str
    groups: tuple[tuple[str, ...], ...]     # empty for off-topic items
    in_scope: bool


@dataclass
class EvalReport:
    in_scope_total: int = 0
    in_scope_correct: int = 0
    off_topic_total: int = 0
    off_topic_rejected: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def in_scope_accuracy(self) -> float:
        return self.in_scope_correct / self.in_scope_total if self.in_scope_total else 0.0

    @property
    def off_topic_rejection(self) -> float:
        return self.off_topic_rejected / self.off_topic_total if self.off_topic_total else 0.0

    def summary(self) -> str:
        return (f"in-scope accuracy {self.in_scope_accuracy:.1%} ({self.in_scope_correct}/{self.in_scope_total}); "
                f"off-topic rejection {self.off_topic_rejection:.1%} ({self.off_topic_rejected}/{self.off_topic_total})")


def load_items(path: Path) -> list[EvalItem]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise ValueError(f"{path}: item {number} needs a `q` string")
        if item.get("scope") == "out":
            items.append(EvalItem(item["q"], (), False))
        else:
            groups = tuple(tuple(str(s) for s in g) for g in item.get("all") or ())
            if not groups or not all(groups):
                raise ValueError(f"{path}: item {number} ({item['q']}) needs non-empty `all` groups")
            items.append(EvalItem(item["q"], groups, True))
    return items


def judge(item: EvalItem, reply: Reply) -> bool:
    if not item.in_scope:
        return not reply.sources and any(m in reply.answer for m in HUMAN_CHANNEL_MARKERS)
    return bool(reply.sources) and all(any(s in reply.answer for s in group) for group in item.groups)


def evaluate(items: list[EvalItem], answer: Callable[[str], Reply]) -> EvalReport:
    report = EvalReport()
    for item in items:
        reply = answer(item.question)
        ok = judge(item, reply)
        if item.in_scope:
            report.in_scope_total += 1
            report.in_scope_correct += ok
        else:
            report.off_topic_total += 1
            report.off_topic_rejected += ok
        if not ok:
            cited = reply.sources[0].id if reply.sources else "-"
            report.failures.append(f"[{'in' if item.in_scope else 'out'}] {item.question} → {cited} "
                                   f"(confidence {reply.confidence:.2f})")
    return report
