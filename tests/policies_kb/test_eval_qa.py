"""The Q&A quality gate: in-scope accuracy and off-topic rejection on the repo's evaluation set."""
from pathlib import Path

from policies_kb.answering import answer_question
from policies_kb.evaluation import evaluate, load_items
from policies_kb.retriever import Retriever


def test_qa_evaluation_meets_the_bar(retriever: Retriever, settings, project_root: Path) -> None:
    items = load_items(project_root / "eval" / "qa.yaml")
    assert sum(i.in_scope for i in items) >= 160 and sum(not i.in_scope for i in items) >= 40
    report = evaluate(items, lambda q: answer_question(q, retriever, settings.qa_threshold))
    print(report.summary())
    assert report.in_scope_accuracy >= 0.90, "\n".join(report.failures)
    assert report.off_topic_rejection >= 0.90, "\n".join(report.failures)


def test_shared_dev_items_are_part_of_the_set(project_root: Path) -> None:
    ours = {i.question for i in load_items(project_root / "eval" / "qa.yaml")}
    dev = load_items(project_root / "eval" / "upstream" / "dev_qa.yaml")
    assert {i.question for i in dev} <= ours
