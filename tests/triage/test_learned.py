"""The learned half of triage (triage/learned.py) and how classify() combines it with the rules."""
from pathlib import Path

import pytest

from nlu.normalise import normalise
from triage import default_triage
from triage.classify import classify
import yaml

from jishijiu.settings import PROJECT_ROOT
from triage.learned import SCORED_SETS, Example, load_corpus, load_scored_sets, train
from triage.rules import Urgency
from triage.errors import RulesError

EVAL_DIR = PROJECT_ROOT / "eval"


@pytest.fixture(scope="module")
def config():  # noqa: ANN201
    return default_triage()


def test_the_corpus_is_large_varied_and_labelled() -> None:
    examples = load_corpus()
    assert len(examples) >= 2000 and len({e.text for e in examples}) == len(examples)
    levels = {u: sum(e.level is u for e in examples) for u in Urgency}
    assert min(levels.values()) >= 500, levels
    departments = {d for e in examples for d in e.departments}
    assert len(departments) == 12                      # every department has examples


def test_training_is_deterministic() -> None:
    examples = load_corpus()[::3]
    a, b = train(examples), train(examples)
    text = "俺家老的在屋里摔倒了起不来"
    assert a.read(text) == b.read(text) and a.source == b.source


def test_a_bad_corpus_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text('- {t: "有人晕倒了", level: critical, depts: [民政]}\n', encoding="utf-8")
    with pytest.raises(RulesError, match="x.yaml"):
        load_corpus(tmp_path)
    (tmp_path / "x.yaml").write_text('- {t: "有人晕倒了", level: emergency, depts: [公安]}\n', encoding="utf-8")
    with pytest.raises(RulesError, match="公安"):
        load_corpus(tmp_path)


@pytest.mark.parametrize("text", [
    "我实在撑不下去了，药都攒好了，就是想跟谁说一声",
    "活着真没意思，想一了百了",
    "不想活了",
    "跟大家说声再见，以后不麻烦你们了",
])
def test_self_harm_in_any_wording_is_an_emergency_with_the_crisis_lines(config, text: str) -> None:  # noqa: ANN001
    found = classify(text, config.rules, config.model)
    assert found.urgency is Urgency.EMERGENCY
    safety = "\n".join(found.safety)
    assert "12356" in safety and "110" in safety and "120" in safety


@pytest.mark.parametrize("text", [
    "一个小孩在超市门口站了一天了，也不见大人来领",
    "地震把房子震裂了，一家人晚上只能睡在外面",
    "他说老听见有人跟他说话，现在连住的地方都没有",
])
def test_situations_no_word_list_names_are_still_caught(config, text: str) -> None:  # noqa: ANN001
    assert classify(text, config.rules, config.model).urgency is Urgency.EMERGENCY


def test_the_reasons_say_when_the_learned_reading_raised_the_level(config) -> None:  # noqa: ANN001
    found = classify("他说老听见有人跟他说话，现在连住的地方都没有", config.rules, config.model)
    assert any(r.startswith("模型判断：") for r in found.reasons)
    rules_only = classify("他说老听见有人跟他说话，现在连住的地方都没有", config.rules)
    assert not any(r.startswith("模型判断") for r in rules_only.reasons)


@pytest.mark.parametrize("answer", ["张三", "嗯", "139****5678", "3708**********1236", "俺家五口人", "同意"])
def test_form_answers_are_left_to_the_rules(config, answer: str) -> None:  # noqa: ANN001
    found = classify(answer, config.rules, config.model)
    assert found.urgency is Urgency.NORMAL and not any(r.startswith("模型判断") for r in found.reasons)


def test_a_text_too_thin_to_judge_asks_one_question(config) -> None:  # noqa: ANN001
    assert classify("家里出事了", config.rules, config.model).clarify == "现在有没有人有生命危险？"
    assert classify("家里出事了，俺爹喝了农药", config.rules, config.model).clarify is None
    assert classify("低保咋申请", config.rules, config.model).clarify is None


def test_the_learned_departments_join_the_routes(config) -> None:  # noqa: ANN001
    found = classify("厂里仨月没发工资了，工会也不管，家里快断顿了", config.rules, config.model)
    assert "renshe" in found.departments and found.departments[0] == "minzheng"


def test_without_enough_examples_of_every_level_training_refuses() -> None:
    with pytest.raises(ValueError):
        train([Example("有人晕倒了", Urgency.EMERGENCY, ())] * 3)


def test_when_the_rules_read_the_danger_out_of_the_present_the_model_needs_more_to_call_an_emergency(config) -> None:  # noqa: ANN001
    text = "俺娘老年痴呆，就怕她哪天走丢了"
    reading = config.model.read(normalise(text))
    p = reading.levels[Urgency.EMERGENCY]
    assert config.rules.learned.emergency_at <= p < config.rules.learned.context_emergency_at
    c = classify(text, config.rules, config.model)
    assert c.urgency is not Urgency.EMERGENCY                  # 就怕…哪天 is a worry, not a lost woman
    assert any(r.startswith("假设或担心：") for r in c.reasons)


def test_the_scored_frozen_sets_teach_the_level_and_the_newest_set_stays_unseen(tmp_path: Path) -> None:
    scored = load_scored_sets()
    assert len(scored) >= 1800 and all(e.departments is None for e in scored)
    listed = set(yaml.safe_load(SCORED_SETS.read_text(encoding="utf-8"))["sets"])
    record = (PROJECT_ROOT / "docs" / "triage.md").read_text(encoding="utf-8")
    # a set is listed only once its single scoring is on record ("triage_unseen7.yaml: 300 situations")
    assert all(f"{Path(name).name}: " in record for name in listed)
    assert all((SCORED_SETS.parent / name).is_file() for name in listed)
    (tmp_path / "sets.yaml").write_text("sets: [gone.yaml]\n", encoding="utf-8")
    assert load_scored_sets(tmp_path / "sets.yaml") == []     # an install without eval/ trains on the corpus


def test_level_only_examples_train_no_routes() -> None:
    examples = load_corpus()[::4]
    with_levels = examples + [Example("俺家出事了，孩子找不着了", Urgency.EMERGENCY, None)] * 20
    routes = train(with_levels).read("孩子找不着了").departments
    # 民政 leads every labelled example, so it gets no model; read as "no routes", the level-only ones would make one
    assert "minzheng" not in routes and routes.keys() == train(examples).read("孩子找不着了").departments.keys()
