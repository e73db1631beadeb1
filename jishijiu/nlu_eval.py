"""Summarises Rasa's intent_report.json (from `rasa test nlu`) and applies the NLU quality gate."""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

GATE = 0.90                      # both intent accuracy and out_of_scope recall must reach this
OUT_OF_SCOPE = "out_of_scope"
# Keys of sklearn's classification_report that are averages, not intents.
_AGGREGATES = frozenset({"accuracy", "micro avg", "macro avg", "weighted avg", "samples avg"})


class NluReportError(ValueError):
    """The intent report is not the JSON `rasa test nlu` writes."""


@dataclass(frozen=True)
class IntentFigures:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class NluFigures:
    accuracy: float
    out_of_scope_recall: float | None          # None when the report has no out_of_scope examples
    intents: tuple[IntentFigures, ...]         # sorted by intent name

    @property
    def per_intent_f1(self) -> dict[str, float]:
        return {i.intent: i.f1 for i in self.intents}

    def weakest(self, n: int = 3) -> tuple[IntentFigures, ...]:
        return tuple(sorted(self.intents, key=lambda i: (i.f1, i.intent))[:n])

    def failures(self, gate: float = GATE) -> list[str]:
        """Why the figures miss the gate; empty when they pass."""
        reasons = []
        if self.accuracy < gate:
            reasons.append(f"intent accuracy {self.accuracy:.3f} < {gate:.2f}")
        if self.out_of_scope_recall is None:
            reasons.append("no out_of_scope examples in the report")
        elif self.out_of_scope_recall < gate:
            reasons.append(f"out_of_scope recall {self.out_of_scope_recall:.3f} < {gate:.2f}")
        return reasons

    def passes(self, gate: float = GATE) -> bool:
        return not self.failures(gate)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NluReportError(f"{where} should be a number, got {value!r}")
    return float(value)


def summarise(intent_report: Mapping[str, object]) -> NluFigures:
    """Accuracy, out_of_scope recall and per-intent figures from a parsed intent_report.json."""
    if not isinstance(intent_report, Mapping):
        raise NluReportError("the intent report should be a JSON object")
    intents = []
    for name, row in intent_report.items():
        if name in _AGGREGATES:
            continue
        if not isinstance(row, Mapping):
            raise NluReportError(f"intent {name!r} should map to an object")
        try:
            intents.append(IntentFigures(
                intent=name,
                precision=_number(row["precision"], f"{name}.precision"),
                recall=_number(row["recall"], f"{name}.recall"),
                f1=_number(row["f1-score"], f"{name}.f1-score"),
                support=int(_number(row["support"], f"{name}.support")),
            ))
        except KeyError as exc:
            raise NluReportError(f"intent {name!r} lacks {exc.args[0]!r}") from None
    if not intents:
        raise NluReportError("the intent report lists no intents")
    if "accuracy" in intent_report:
        accuracy = _number(intent_report["accuracy"], "accuracy")
    elif isinstance(intent_report.get("micro avg"), Mapping):
        # sklearn reports "micro avg" instead of "accuracy" when predicted labels are not all true labels.
        accuracy = _number(intent_report["micro avg"].get("f1-score"), "micro avg.f1-score")  # type: ignore[union-attr]
    else:
        raise NluReportError("the intent report has neither `accuracy` nor `micro avg`")
    oos = next((i for i in intents if i.intent == OUT_OF_SCOPE and i.support > 0), None)
    return NluFigures(accuracy=accuracy, out_of_scope_recall=oos.recall if oos else None,
                      intents=tuple(sorted(intents, key=lambda i: i.intent)))


def load_report(path: Path) -> dict[str, object]:
    """Reads intent_report.json; `path` may also be the results directory of `rasa test nlu --out`."""
    if path.is_dir():
        path = path / "intent_report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NluReportError(f"{path}: not found (run `rasa test nlu --out <dir>` first)") from None
    except json.JSONDecodeError as exc:
        raise NluReportError(f"{path}: not JSON ({exc})") from None


def format_figures(figures: NluFigures, gate: float = GATE) -> str:
    oos = "n/a" if figures.out_of_scope_recall is None else f"{figures.out_of_scope_recall:.3f}"
    lines = [f"intent accuracy      {figures.accuracy:.3f}",
             f"out_of_scope recall  {oos}",
             "per-intent f1 (precision / recall, support):"]
    for i in sorted(figures.intents, key=lambda i: (i.f1, i.intent)):
        lines.append(f"  {i.intent:<18} {i.f1:.3f}  ({i.precision:.3f} / {i.recall:.3f}, {i.support})")
    failures = figures.failures(gate)
    lines.append(f"gate {gate:.2f}: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    return "\n".join(lines)


def main(path: str | Path, gate: float = GATE) -> int:
    """Prints the figures; returns 0 when they pass the gate, 1 when they do not, 2 for an unreadable report."""
    try:
        figures = summarise(load_report(Path(path)))
    except NluReportError as exc:
        print(f"nlu-eval: {exc}", file=sys.stderr)
        return 2
    print(format_figures(figures, gate))
    return 0 if figures.passes(gate) else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m jishijiu.nlu_eval <intent_report.json | results dir>", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
