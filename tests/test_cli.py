import json
import subprocess
import sys


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jishijiu.cli", *args], capture_output=True, text=True, timeout=120)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in this process: the same parser, settings and handlers, without an interpreter start-up each."""
    from tests.cases.fixtures import run_cli

    return run_cli(*args)


def test_ask_prints_answer_and_source() -> None:
    result = run_process("ask", "没钱请律师咋整")          # the command as a process, once
    assert result.returncode == 0, result.stderr
    assert "法律援助" in result.stdout and "来源 source:" in result.stdout


def test_ask_json_matches_the_api_shape() -> None:
    result = run("ask", "--json", "低保咋申请")
    body = json.loads(result.stdout)
    assert set(body) == {"answer", "sources", "confidence", "related"} and body["sources"]


def test_ask_empty_is_refused() -> None:
    result = run("ask", "  ")
    assert result.returncode == 2 and "不能为空" in result.stderr


def test_kb_check_reports_coverage_and_unverified() -> None:
    result = run("kb", "check")
    assert result.returncode == 0, result.stderr
    assert "knowledge base OK" in result.stdout and "残联" in result.stdout and "verified: false" in result.stdout


def test_eval_qa_prints_the_figures() -> None:
    result = run("eval", "qa")
    assert result.returncode == 0, result.stderr
    assert "in-scope accuracy" in result.stdout and "off-topic rejection" in result.stdout


def test_deadline_across_the_year_boundary_warns_that_2027_is_unconfirmed() -> None:
    result = run("deadline", "--from", "2026-12-10T09:00:00+08:00", "--rule", "approval")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2027-01-08T23:59:59+08:00"
    assert "2027" in result.stderr and "warning" in result.stderr


def test_deadline_rejects_naive_time_and_unknown_rule() -> None:
    assert run("deadline", "--from", "2026-12-10T09:00:00", "--rule", "approval").returncode == 2
    unknown = run("deadline", "--from", "2026-12-10T09:00:00+08:00", "--rule", "soon")
    assert unknown.returncode == 2 and "approval" in unknown.stderr


def test_triage_prints_the_api_json() -> None:
    result = run("triage", "有人说不想活了，正在楼顶上")
    body = json.loads(result.stdout)
    assert body["urgency"] == "emergency" and any("110" in s for s in body["safety"])
