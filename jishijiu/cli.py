"""The `jishijiu` command: serve the gateway, ask, check the knowledge base, run evaluations."""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from cases import cli as cases_cli
from console import cli as console_cli
from jishijiu.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from streams import cli as streams_cli

DEFAULT_QA_EVAL = PROJECT_ROOT / "eval" / "qa.yaml"


def _fail(message: str, code: int = 2) -> int:
    print(f"jishijiu: {message}", file=sys.stderr)
    return code


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from jishijiu import logs
    from jishijiu.gateway.app import create_app

    logs.configure(settings.log_level)
    if args.workers > 1:        # each worker process builds its own app from the (already validated) environment
        uvicorn.run("jishijiu.gateway.asgi:app", factory=True, workers=args.workers, host=args.host,
                    port=args.port, log_config=None, log_level=settings.log_level.lower(),
                    forwarded_allow_ips=settings.forwarded_allow_ips or "")
    else:
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default: only the proxies named are believed
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_config=None,
                    log_level=settings.log_level.lower(), forwarded_allow_ips=settings.forwarded_allow_ips or "")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from jishijiu.supervisor import SupervisorError, run_all

    try:
        return run_all(settings, args.host, args.port, args.rasa_port, train=not args.no_train)
    except SupervisorError as exc:
        return _fail(str(exc), 1)


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


def _eval_triage(args: argparse.Namespace, settings: Settings) -> int:
    from triage import default_triage
    from triage.classify import classify
    from triage.evaluation import evaluate, load_items

    from triage.learned import scored_set_paths

    config = default_triage()
    scored = Path(args.unseen).resolve() in scored_set_paths()
    frozen = ("frozen set, scored once (its figure of record is in docs/triage.md) and trained on since: "
              "a tuned figure now" if scored else
              "FROZEN set (written separately, not trained on: score it once and record the figure in docs/triage.md)")
    for label, path in (("tuned set (the rules and the classifier were improved against it)", args.tuned),
                        (frozen, args.unseen)):
        report = evaluate(f"{label}: {Path(path).name}", load_items(Path(path)),
                          lambda text: classify(text, config.rules, config.model))
        print(report.text(args.verbose) + "\n")
    return 0


def _eval_dialogues(args: argparse.Namespace, settings: Settings) -> int:
    from cases.encryption import build_cipher
    from jishijiu.db import make_engine, make_session_factory
    from jishijiu.bootstrap import rasa_token
    from jishijiu.dialogue_eval import LiveStack, load_dialogues, run_file

    from connectors.api_keys import ApiKeysError, parse_api_keys

    try:
        keys = parse_api_keys(args.api_key or "")
    except ApiKeysError as exc:
        print(f"jishijiu: --api-key / JISHIJIU_EVAL_API_KEY: {exc}", file=sys.stderr)
        return 2
    if len(keys.by_name) != 1:
        print("jishijiu: the runner speaks to POST /api/chat as a trusted client: give --api-key NAME:KEY (one of the "
              "gateway's JISHIJIU_API_KEYS; `jishijiu api-key eval` makes one), or set JISHIJIU_EVAL_API_KEY",
              file=sys.stderr)
        return 2
    [(client, key)] = keys.by_name.items()
    engine = make_engine(settings)
    stack = LiveStack(args.gateway, settings.rasa_url, make_session_factory(engine), build_cipher(settings),
                      client, key, rasa_token(settings))

    def show(t) -> None:  # noqa: ANN001 - a Transcript
        if args.transcripts:
            print(f"--- {t.dialogue.id}: {t.dialogue.note}")
            for said, bot in t.turns:
                print(f"  居民: {said}\n  机器人: " + bot.replace("\n", "\n          "))

    for path in args.files:
        report = run_file(stack, str(path), load_dialogues(Path(path)), show)
        print(report.text(args.verbose) + "\n")
    engine.dispose()
    return 0


def _triage(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime

    from jishijiu.gateway.routers.triage import MAX_SITUATION_CHARS, triage_response
    from nlu.textinput import InvalidText, require_text
    from triage import CHINA_TZ, assess_now

    try:
        text = require_text(args.text, MAX_SITUATION_CHARS, "情况说明", "The situation")
    except InvalidText as exc:
        return _fail(str(exc))
    response = triage_response(assess_now(text, datetime.now(CHINA_TZ)))
    print(json.dumps(response.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0


def _deadline(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime

    from triage import NaiveDatetime, UnknownRule, default_triage, due_at

    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        return _fail(f"--from {args.start!r} is not an ISO 8601 time, e.g. 2026-12-10T09:00:00+08:00 "
                     "（时间格式不对）")
    config = default_triage()
    try:
        deadline = due_at(args.rule, start, config.deadline_rules, config.calendar)
    except (NaiveDatetime, UnknownRule) as exc:
        return _fail(str(exc))
    print(deadline.due_at.isoformat())
    for warning in deadline.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jishijiu", description="济时救 front door")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the HTTP gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="gateway processes (one per core is sensible)")
    serve.set_defaults(handler=_serve)

    run = sub.add_parser("run", help="train the bot if needed, then run Rasa, the worker and the gateway together")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--no-train", action="store_true", help="use the newest model in models/ as it is")
    run.set_defaults(handler=_run)

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
    et = ev_sub.add_parser("triage", help="triage levels, under-triage and departments on the tuned and frozen sets")
    et.add_argument("--tuned", default=str(PROJECT_ROOT / "eval" / "triage.yaml"))
    et.add_argument("--unseen", default=str(PROJECT_ROOT / "eval" / "triage_unseen8.yaml"),
                    help="a frozen set (default: the newest; docs/triage.md records when each was scored once)")
    et.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    et.set_defaults(handler=_eval_triage)
    ed = ev_sub.add_parser("dialogues", help="play scripted resident dialogues against a running stack")
    ed.add_argument("files", nargs="*", default=[str(PROJECT_ROOT / "eval" / "dialogues" / "tuned.yaml"), *(
        str(p) for p in sorted((PROJECT_ROOT / "eval" / "dialogues").glob("unseen*.yaml")))])
    ed.add_argument("--gateway", default="http://127.0.0.1:8000", help="the gateway's base URL")
    ed.add_argument("--api-key", default=os.environ.get("JISHIJIU_EVAL_API_KEY", ""),
                    help="NAME:KEY, one of the gateway's JISHIJIU_API_KEYS (default: $JISHIJIU_EVAL_API_KEY)")
    ed.add_argument("-v", "--verbose", action="store_true", help="list what went wrong in each failed dialogue")
    ed.add_argument("--transcripts", action="store_true", help="print every dialogue as it was played")
    ed.set_defaults(handler=_eval_dialogues)
    tr = sub.add_parser("triage", help="urgency, departments and first-response deadline of a situation")
    tr.add_argument("text")
    tr.set_defaults(handler=_triage)

    dl = sub.add_parser("deadline", help="when a statutory deadline expires (Chinese working days)")
    dl.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset, e.g. 2026-12-10T09:00:00+08:00")
    dl.add_argument("--rule", required=True, help="emergency, urgent, materials, initial or approval")
    dl.set_defaults(handler=_deadline)

    qr = sub.add_parser("qr", help="QR codes and printable A4 posters for village notice boards (the web chat, "
                                   "division preset)")
    which = qr.add_mutually_exclusive_group(required=True)
    which.add_argument("--township", help="one township (9-digit code)")
    which.add_argument("--county", help="a county (6-digit code) and each of its townships")
    which.add_argument("--all", action="store_true", help="every county, zone and township of Jining")
    qr.add_argument("--out", required=True, help="the folder for the .png codes and .pdf posters")
    qr.set_defaults(handler=_qr)

    wx = sub.add_parser("wechat", help="the WeChat Official Account")
    wx_sub = wx.add_subparsers(dest="wechat_command", required=True)
    menu = wx_sub.add_parser("menu", help="install the account's menu (政策咨询, 我要求助, 办理进度, 紧急求助)")
    menu.set_defaults(handler=_wechat_menu)

    ak = sub.add_parser("api-key", help="make a key for a trusted back end on POST /api/chat (JISHIJIU_API_KEYS)")
    ak.add_argument("name", help="the client's name: a-z, 0-9 and -, e.g. cityapp")
    ak.set_defaults(handler=_api_key)

    cases_cli.register(sub, load_settings)
    streams_cli.register(sub, load_settings)
    console_cli.register(sub, load_settings)
    return parser


def _with_wechat(settings: Settings, work):  # noqa: ANN001, ANN202 - work(api) → an awaitable
    """Run `work` with the Official Account's API client (its access_token shared through Redis)."""
    import asyncio

    import httpx
    import redis.asyncio as aioredis

    from connectors.wechat_api import WeChatApi

    async def run():  # noqa: ANN202
        redis = aioredis.from_url(settings.redis_url, socket_connect_timeout=0.5)
        async with httpx.AsyncClient(timeout=15) as http:
            try:
                return await work(WeChatApi(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_secret,
                                            redis, http))
            finally:
                await redis.aclose()
    return asyncio.run(run())


def _wechat_menu(args: argparse.Namespace, settings: Settings) -> int:
    from connectors.wechat import load_wording

    if not settings.wechat_token:
        return _fail("set WECHAT_TOKEN, WECHAT_APPID and WECHAT_SECRET first (README: WeChat Official Account)")
    buttons = [{"type": "click", "name": names[0], "key": key} for key, names in load_wording().menu.items()]
    answer = _with_wechat(settings, lambda api: api.create_menu(buttons))
    if answer.get("errcode", 0):
        return _fail(f"WeChat refused the menu: errcode {answer.get('errcode')} {answer.get('errmsg', '')}")
    print("menu installed: " + "、".join(b["name"] for b in buttons))
    return 0


def _qr(args: argparse.Namespace, settings: Settings) -> int:
    from cases.divisions import cached_divisions
    from cases.errors import UnknownDivision
    from connectors.posters import Poster, PosterError, chat_url, load_wording, poster_pdf, qr_png

    if not settings.public_url:
        return _fail("set JISHIJIU_PUBLIC_URL to the address residents reach the gateway at (https://…): "
                     "the QR codes point there")
    divisions = cached_divisions(settings.divisions_file)
    try:
        if args.all:
            chosen = [d for d in divisions if d.level in ("county", "zone", "township") and not d.internal]
        elif args.county:
            county = divisions.by_code(args.county)
            chosen = [county, *(d for d in divisions.children(county.code) if d.level == "township")]
        else:
            chosen = [divisions.by_code(args.township)]
    except UnknownDivision as exc:
        return _fail(str(exc))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wording = load_wording()
    wechat: dict[str, str] = {}
    if settings.wechat_token:            # the account's own permanent codes: a scan follows it with the place preset
        async def codes(api):  # noqa: ANN001, ANN202
            return {d.code: await api.permanent_qr_url(d.code) for d in chosen}
        try:
            wechat = _with_wechat(settings, codes)
        except Exception as exc:  # noqa: BLE001 - the web codes and posters are still made
            print(f"jishijiu: no WeChat codes ({exc}); the web chat's codes and posters follow", file=sys.stderr)
    for division in chosen:
        url = chat_url(settings.public_url, division.code)
        stem = f"{division.code}-{division.name}"
        (out / f"{stem}.png").write_bytes(qr_png(url))
        if division.code in wechat:
            (out / f"{stem}-wechat.png").write_bytes(qr_png(wechat[division.code]))
        try:
            pdf = poster_pdf(Poster(division.code, divisions.locate(division.code).label, url), wording)
        except PosterError as exc:
            return _fail(str(exc))
        (out / f"{stem}.pdf").write_bytes(pdf)
    print(f"{len(chosen)} division(s): a QR code (.png) and an A4 poster (.pdf) each, in {out}")
    if not settings.wechat_token:
        print("WeChat parametric codes (<code>-<name>-wechat.png) are made when the Official Account is configured.")
    return 0


def _api_key(args: argparse.Namespace, settings: Settings) -> int:
    from connectors.api_keys import NAME, new_key

    if not NAME.fullmatch(args.name):
        return _fail(f"name {args.name!r}: use a-z, 0-9 and - (at most 24 characters)")
    print(f"{args.name}:{new_key()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    return args.handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
