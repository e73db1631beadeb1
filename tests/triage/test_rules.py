"""triage/rules.yaml loads, and a broken rules file fails with a RulesError naming file and field."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jishijiu.departments import by_id
from triage.errors import RulesError
from triage.rules import RULES_FILE, Urgency, load_rules


def test_shipped_rules_load_and_reference_real_departments() -> None:
    rules = load_rules()
    assert rules.lead_department == "minzheng"
    assert {c.level for c in rules.cues} == set(Urgency)
    known = set(by_id())
    for cue in rules.cues:
        assert set(cue.departments) <= known, cue.id
    assert {r.department for r in rules.routes} == known - {"minzheng"}


def _broken(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda raw: raw["cues"][0].update(level="critical"), "cues[0].level"),
    (lambda raw: raw["cues"][1].update(departments=["police"]), "cues[1].departments[0]"),
    (lambda raw: raw["cues"][2].update(assistance=["发钱"]), "cues[2].assistance[0]"),
    (lambda raw: raw["cues"][0].update(any=["re:(未闭合"]), "cues[0].any[0]"),
    (lambda raw: raw["cues"][2].update(all=["@no_such_list", ["没钱"]], any=[]), "cues[2].all[0][0]"),
    (lambda raw: raw["cues"][0].update(colour="red"), "cues[0].colour"),
    (lambda raw: raw["routing"][0].update(department="医保"), "routing[0].department"),
    (lambda raw: raw["negation"]["words"].update({"没": 99}), "negation"),
    (lambda raw: raw.pop("third_party"), "third_party"),
])
def test_broken_rules_name_file_and_field(tmp_path: Path, mutate, field: str) -> None:
    path = _broken(tmp_path, mutate)
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value) and field in str(caught.value)


def test_duplicate_cue_id_is_rejected(tmp_path: Path) -> None:
    path = _broken(tmp_path, lambda raw: raw["cues"].append(dict(raw["cues"][0])))
    with pytest.raises(RulesError, match="suicide"):
        load_rules(path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\ncues: [\n  - broken", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.field.startswith("第") and "YAML" in caught.value.message


def test_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(tmp_path / "absent.yaml")
