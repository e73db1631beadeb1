"""Held-out evaluation of the triage rules over eval/triage.yaml (levels, emergencies, departments)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jishijiu.departments import by_name
from triage.classify import classify
from triage.rules import load_rules

EVAL_FILE = Path(__file__).resolve().parents[2] / "eval" / "triage.yaml"
LEVELS = {"emergency", "urgent", "normal"}


@pytest.fixture(scope="module")
def results() -> list[tuple[dict, object]]:
    rules = load_rules()
    items = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    return [(item, classify(item["t"], rules)) for item in items]


def test_eval_set_is_well_formed(results) -> None:
    items = [item for item, _ in results]
    texts = [i["t"] for i in items]
    assert len(items) >= 130 and len(set(texts)) == len(texts)
    assert all(set(i["ok"]) <= LEVELS and i["ok"] for i in items)
    first = [i["ok"][0] for i in items]
    assert first.count("emergency") >= 35 and first.count("urgent") >= 35 and first.count("normal") >= 40
    names = by_name()
    with_dept = [i for i in items if "dept" in i]
    assert len(with_dept) >= 60
    assert all(i["dept"] in names for i in with_dept), "dept must be a short name from departments.yaml"


def test_triage_eval_figures(results, capsys: pytest.CaptureFixture[str]) -> None:
    names = by_name()
    must_be_emergency = [(i, c) for i, c in results if i["ok"] == ["emergency"]]
    missed = [i["t"] for i, c in must_be_emergency if c.urgency != "emergency"]
    level_ok = [c.urgency in i["ok"] for i, c in results]
    routed = [(i, c) for i, c in results if "dept" in i]
    dept_ok = [names[i["dept"]].id in c.departments for i, c in routed]
    level_rate = sum(level_ok) / len(level_ok)
    dept_rate = sum(dept_ok) / len(dept_ok)
    wrong = [f"  {c.urgency} ∉ {i['ok']}: {i['t']}" for (i, c), ok in zip(results, level_ok) if not ok]
    with capsys.disabled():
        print(f"\ntriage eval ({EVAL_FILE.name}, {len(results)} items): "
              f"levels {sum(level_ok)}/{len(level_ok)} = {level_rate:.1%}; "
              f"emergencies {len(must_be_emergency) - len(missed)}/{len(must_be_emergency)}; "
              f"departments {sum(dept_ok)}/{len(dept_ok)} = {dept_rate:.1%}")
        if wrong:
            print("\n".join(wrong))
    assert not missed, "emergencies triaged lower:\n" + "\n".join(missed)
    assert level_rate >= 0.90
    assert dept_rate >= 0.90
