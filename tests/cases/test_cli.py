"""`cases list` and `cases show`: masked output, JSON, and a clear error for an unknown case number."""
import argparse
import json
from datetime import datetime, timezone

from cases.cli import register
from cases.service import submit_case, transition_case
from tests.cases.fixtures import ID_NUMBER, PHONE, application, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def run(settings, *argv: str) -> int:  # noqa: ANN001
    parser = argparse.ArgumentParser(prog="jishijiu")
    register(parser.add_subparsers(dest="command", required=True), lambda: settings)
    args = parser.parse_args(list(argv))
    return args.handler(args, settings)


def test_show_prints_masked_case_and_history(session_factory, cipher, divisions, store_settings, capsys) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    transition_case(session_factory, number, "accepted", actor="staff:wang", now=NOW)
    assert run(store_settings, "cases", "show", number) == 0
    out = capsys.readouterr().out
    assert number in out and "3708**********1236" in out and "138****5678" in out and "staff:wang" in out
    assert ID_NUMBER not in out and PHONE not in out and "张三" not in out
    assert run(store_settings, "cases", "show", number, "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["case_number"] == number and [e["action"] for e in body["history"]] == ["submitted", "transition"]


def test_list_with_filters_and_json(session_factory, cipher, divisions, store_settings, capsys) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    assert run(store_settings, "cases", "list", "--status", "submitted", "--urgency", "urgent", "--json") == 0
    assert [c["case_number"] for c in json.loads(capsys.readouterr().out)] == [number]
    assert run(store_settings, "cases", "list", "--overdue") == 0
    assert number in capsys.readouterr().out            # its 24-hour deadline passed long ago


def test_unknown_case_number_exits_1_with_a_bilingual_message(session_factory, store_settings, capsys) -> None:
    assert run(store_settings, "cases", "show", "JSJ-20990101-0001") == 1
    err = capsys.readouterr().err
    assert "未找到案件 / case not found" in err and "JSJ-20990101-0001" in err


def test_database_down_is_a_clear_error(tmp_path, capsys) -> None:
    from jishijiu.settings import load_settings

    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path),
                              "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test"})
    assert run(settings, "cases", "list") == 1
    assert "数据库不可用 / database unavailable" in capsys.readouterr().err
