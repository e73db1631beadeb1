"""Triage on its evaluation sets: the tuned set (eval/triage.yaml) and the two frozen unseen sets, reported apart
(docs/triage.md records the figures of record: each frozen set's first and only scoring before tuning)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jishijiu.departments import by_name
from triage import default_triage
from triage.classify import classify
from triage.evaluation import Report, evaluate, load_items

EVAL = Path(__file__).resolve().parents[2] / "eval"
LEVELS = {"emergency", "urgent", "normal"}


def _report(name: str) -> Report:
    config = default_triage()
    return evaluate(name, load_items(EVAL / name), lambda text: classify(text, config.rules, config.model))


@pytest.mark.parametrize("name", ["triage.yaml", "triage_unseen.yaml", "triage_unseen2.yaml"])
def test_eval_sets_are_well_formed(name: str) -> None:
    items = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
    texts = [i["t"] for i in items]
    assert len(items) >= 250 and len(set(texts)) == len(texts)
    assert all(set(i["ok"]) <= LEVELS and i["ok"] for i in items)
    names = by_name()
    assert all(i["dept"] in names for i in items if "dept" in i), "dept must be a short name from departments.yaml"


def test_tuned_set(capsys: pytest.CaptureFixture[str]) -> None:
    report = _report("triage.yaml")
    with capsys.disabled():
        print("\n" + report.text())
    assert report.emergency_recall == 1.0 and report.under_rate == 0.0
    assert report.accepted_rate >= 0.95 and report.department_rate >= 0.95


@pytest.mark.parametrize("name", ["triage_unseen.yaml", "triage_unseen2.yaml"])
def test_frozen_sets_do_not_regress(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression gates at the figures of record; never tune the rules or the corpus to these items."""
    report = _report(name)
    with capsys.disabled():
        print("\n" + report.text())
    assert report.under_rate <= 0.02
    assert report.emergency_recall >= 0.98
    assert report.accepted_rate >= 0.85
