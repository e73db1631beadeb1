"""The NLU gate: figures read from a hand-made intent_report.json of the shape `rasa test nlu` writes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jishijiu.nlu_eval import GATE, NluReportError, main, summarise


def row(precision: float, recall: float, f1: float, support: int) -> dict[str, object]:
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support,
            "confused_with": {}}


def report(accuracy: float = 0.95, oos_recall: float = 0.94) -> dict[str, object]:
    return {
        "greet": row(1.0, 1.0, 1.0, 18),
        "ask_policy": row(0.90, 0.95, 0.925, 24),
        "report_for_other": row(0.95, 0.77, 0.85, 22),
        "out_of_scope": row(1.0, oos_recall, 0.97, 81),
        "accuracy": accuracy,
        "macro avg": row(0.96, 0.92, 0.94, 145),
        "weighted avg": row(0.97, 0.93, 0.95, 145),
    }


def test_summarise_reads_accuracy_oos_recall_and_per_intent_f1() -> None:
    figures = summarise(report())
    assert figures.accuracy == 0.95
    assert figures.out_of_scope_recall == 0.94
    assert figures.per_intent_f1 == {"ask_policy": 0.925, "greet": 1.0, "out_of_scope": 0.97,
                                     "report_for_other": 0.85}
    assert [i.intent for i in figures.weakest(2)] == ["report_for_other", "ask_policy"]
    assert figures.passes()


def test_averages_are_not_counted_as_intents() -> None:
    names = {i.intent for i in summarise(report()).intents}
    assert not names & {"accuracy", "macro avg", "weighted avg"}


@pytest.mark.parametrize(("accuracy", "oos_recall", "reason"), [
    (0.89, 0.95, "intent accuracy"),
    (0.95, 0.85, "out_of_scope recall"),
])
def test_below_the_gate_fails_with_the_reason(accuracy: float, oos_recall: float, reason: str) -> None:
    figures = summarise(report(accuracy, oos_recall))
    assert not figures.passes()
    assert len(figures.failures()) == 1 and reason in figures.failures()[0]


def test_exactly_at_the_gate_passes() -> None:
    assert summarise(report(GATE, GATE)).passes()


def test_a_report_without_out_of_scope_cannot_pass() -> None:
    data = report()
    del data["out_of_scope"]
    figures = summarise(data)
    assert figures.out_of_scope_recall is None and not figures.passes()


def test_micro_avg_stands_in_when_accuracy_is_missing() -> None:
    data = report()
    del data["accuracy"]
    data["micro avg"] = row(0.91, 0.91, 0.91, 145)
    assert summarise(data).accuracy == 0.91


@pytest.mark.parametrize("bad", [
    {},
    {"accuracy": 0.9},
    {"greet": {"precision": 1.0}, "accuracy": 0.9},
    {"greet": row(1.0, 1.0, 1.0, 3)},
    {"greet": row(1.0, 1.0, "high", 3), "accuracy": 0.9},  # type: ignore[arg-type]
])
def test_malformed_reports_raise(bad: dict[str, object]) -> None:
    with pytest.raises(NluReportError):
        summarise(bad)


def test_main_prints_and_returns_the_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "intent_report.json").write_text(json.dumps(report()), encoding="utf-8")
    assert main(good) == 0                                   # a results directory is accepted
    out = capsys.readouterr().out
    assert "intent accuracy      0.950" in out and "report_for_other" in out and "PASS" in out

    bad = tmp_path / "intent_report.json"
    bad.write_text(json.dumps(report(oos_recall=0.5)), encoding="utf-8")
    assert main(bad) == 1
    assert "FAIL" in capsys.readouterr().out

    assert main(tmp_path / "missing.json") == 2
    assert "not found" in capsys.readouterr().err
