"""The `jishijiu` command: serve the gateway, ask, check the knowledge base, run evaluations."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from jishijiu.settings import PROJECT_ROOT, Settings, SettingsError, load_settings

DEFAULT_QA_EVAL = PROJECT_ROOT / "eval" / "qa.yaml"


def _fail(message: str, code: int = 2) -> int:
    print(f"jishijiu: {message}", file=sys.stderr)
    return code


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from jishijiu import logs
    from jishijiu.gateway.app import create_app

    logs.configure(settings.log_level)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_config=None,
                log_level=settings.log_level.lower())
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from jishijiu.bootstrap import build_retriever
    from policies_kb.answering import InvalidQuestion, answer_question

    try:
        reply = answer_question(args.text, build_retriever(settings.kb_dir), settings.qa_threshold)
    except InvalidQuestion as exc:
        return _fail(str(exc))
    payload = {"answer": reply.answer, "sources": [asdict(s) for s in reply.sources],
               "confidence": reply.confidence, "related": [asdict(r) for r in reply.related]}
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(reply.answer)
    print()
    for s in reply.sources:
        print(f"来源 source: [{s.id}] {s.title} — {s.document}，{s.issuer}，{s.date}"
              + ("" if s.verified else "（待核实 unverified）"))
    print(f"置信度 confidence: {reply.confidence:.2f}")
    if reply.related:
        print("相关 related: " + "；".join(f"[{r.id}] {r.title}" for r in reply.related))
    return 0


def _kb_check(args: argparse.Namespace, settings: Settings) -> int:
    from policies_kb.coverage import coverage_report
    from policies_kb.loader import KnowledgeBaseError, load_kb

    try:
        kb = load_kb(settings.kb_dir)
    except KnowledgeBaseError as exc:
        return _fail(str(exc), 1)
    print(coverage_report(kb))
    return 0


def _eval_qa(args: argparse.Namespace, settings: Settings) -> int:
    from jishijiu.bootstrap import build_retriever
    from policies_kb.answering import answer_question
    from policies_kb.evaluation import evaluate, load_items

    retriever = build_retriever(settings.kb_dir)
    report = evaluate(load_items(Path(args.file)), lambda q: answer_question(q, retriever, settings.qa_threshold))
    if args.verbose:
        print("\n".join(report.failures))
    print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jishijiu", description="济时救 front door")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the HTTP gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    ask = sub.add_parser("ask", help="answer a policy question from the knowledge base")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true", help="print the /api/ask JSON")
    ask.set_defaults(handler=_ask)

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="validate the knowledge base and report coverage")
    check.set_defaults(handler=_kb_check)

    ev = sub.add_parser("eval", help="evaluations")
    ev_sub = ev.add_subparsers(dest="eval_command", required=True)
    qa = ev_sub.add_parser("qa", help="Q&A accuracy and off-topic rejection on an evaluation set")
    qa.add_argument("--file", default=str(DEFAULT_QA_EVAL))
    qa.add_argument("-v", "--verbose", action="store_true", help="list the failures")
    qa.set_defaults(handler=_eval_qa)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    return args.handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
