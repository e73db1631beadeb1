from pathlib import Path

import pytest

from jishijiu.departments import all_departments
from policies_kb.loader import KnowledgeBaseError, load_kb

GOOD = """
topic: 测试
entries:
  - id: test-one
    title: 低保怎么申请
    questions: [低保咋申请, 吃低保去哪办, 申请低保]
    answer: 向户籍所在地乡镇（街道）提出申请。
    departments: [民政]
    source: {document: 《社会救助暂行办法》, issuer: 国务院, date: 2019-03-02}
    verified: true
"""


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_project_knowledge_base_loads_with_enough_entries() -> None:
    kb = load_kb()
    assert len(kb.entries) >= 150
    assert len({e.id for e in kb.entries}) == len(kb.entries)


def test_every_department_has_entries() -> None:
    kb = load_kb()
    covered = {d for e in kb.entries for d in e.departments}
    assert {d.name for d in all_departments()} <= covered


def test_every_entry_has_a_source_and_short_answer() -> None:
    for entry in load_kb().entries:
        assert entry.source.document and entry.source.issuer
        assert len(entry.answer) <= 300


def test_missing_field_names_file_entry_and_field(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", GOOD.replace("    verified: true\n", ""))
    with pytest.raises(KnowledgeBaseError) as err:
        load_kb(tmp_path)
    assert err.value.problems == ["bad.yaml: entry test-one: field verified: Field required"]


def test_unknown_department_is_named(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", GOOD.replace("[民政]", "[民政局长]"))
    with pytest.raises(KnowledgeBaseError, match=r"bad.yaml: entry test-one: field departments.*民政局长"):
        load_kb(tmp_path)


def test_over_long_answer_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "long.yaml", GOOD.replace("向户籍所在地乡镇（街道）提出申请。", "很长" * 200))
    with pytest.raises(KnowledgeBaseError, match="field answer.*300"):
        load_kb(tmp_path)


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(KnowledgeBaseError, match="b.yaml: entry test-one: field id: duplicate"):
        load_kb(tmp_path)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", "topic: [unclosed")
    with pytest.raises(KnowledgeBaseError, match="broken.yaml: not valid YAML"):
        load_kb(tmp_path)


def test_valid_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", GOOD)
    kb = load_kb(tmp_path)
    assert [e.id for e in kb.entries] == ["test-one"]
    assert kb.topic_of["test-one"] == "测试"
