"""Benchmark of conversation turns: through the gateway (/api/chat) against Rasa's own REST channel, same run.

Trains the bot if its data changed, starts Rasa and the gateway on free loopback ports (the gateway also serves
the action webhook), then runs N concurrent conversations of a fixed script, first through the gateway, then
straight to Rasa. Bounded in turns and time. Writes docs/benchmarks.md.
Usage: .venv/bin/python bench/chat_bench.py [--conversations 8 20] [--rounds 5]
       .venv/bin/python bench/chat_bench.py --script policy --only rasa --conversations 20 --model models/X.tar.gz
(`--script policy`: six policy questions per conversation; `--model`: bench that model instead of the current one;
`--no-write`: print the table only, for comparing models side by side.)
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import percentile, write_section  # noqa: E402

from jishijiu.settings import load_settings  # noqa: E402
from tests.conversation.live import RASA_TOKEN, TEST_API_KEY, start_stack, train_model  # noqa: E402

# A resident's short conversation: no application is filed, so runs repeat without growing the case store.
SCRIPTS = {
    "mixed": ["你好", "低保咋申请", "俺是五保户一个月给多少钱", "没钱请律师咋整", "你是机器人吗", "谢谢"],
    # Every turn a policy question (NLU, policies, then the action_answer_policy webhook).
    # Chosen so that both the 2026-11 model and the current one classify every turn as ask_policy.
    "policy": ["低保咋申请", "俺是五保户一个月给多少钱", "临时救助能给多少钱", "孤儿每个月有生活费吗",
               "残疾人两项补贴是哪两项", "大学生家庭困难有什么资助"],
}
SCRIPT = SCRIPTS["mixed"]


async def converse(client: httpx.AsyncClient, url: str, make_body, rounds: int, latencies: list[float],  # noqa: ANN001
                   script: list[str] = SCRIPT) -> None:
    for _ in range(rounds):
        user = "bench-" + uuid.uuid4().hex[:10]
        for text in script:
            start = time.perf_counter()
            response = await client.post(url, json=make_body(user, text))
            latencies.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()


async def run(url: str, make_body, conversations: int, rounds: int,  # noqa: ANN001
              script: list[str] = SCRIPT) -> tuple[list[float], float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=conversations),
                                 headers={"Authorization": f"Bearer {TEST_API_KEY}",
                                          "X-Jishijiu-Rasa-Token": RASA_TOKEN}) as client:
        await converse(client, url, make_body, 1, [], script)            # warm-up
        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(converse(client, url, make_body, rounds, latencies, script)
                                                for _ in range(conversations))), timeout=900)
        elapsed = time.perf_counter() - start
    return latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, nargs="+", default=[8, 20])
    parser.add_argument("--rounds", type=int, default=5, help="conversations each client runs one after another")
    parser.add_argument("--script", choices=sorted(SCRIPTS), default="mixed")
    parser.add_argument("--only", choices=["gateway", "rasa"], help="bench one path only")
    parser.add_argument("--model", type=Path, help="a trained model (default: the current one, trained if needed)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    script = SCRIPTS[args.script]
    os.environ.setdefault("JISHIJIU_DATA_DIR", str(ROOT / "var" / "bench"))
    settings = load_settings()
    model = args.model.resolve() if args.model else train_model()
    stack_iter = start_stack(settings, model)
    stack = next(stack_iter)
    intents = [httpx.post(f"{stack.rasa_url}/model/parse", json={"text": t}, params=stack.rasa_auth,
                          timeout=30).json()["intent"]["name"]
               for t in script]
    print("intents of the script's turns: " + ", ".join(f"{t} → {i}" for t, i in zip(script, intents)), flush=True)
    rows = []
    try:
        for n in args.conversations:
            paths = {
                "gateway /api/chat": (f"{stack.gateway_url}/api/chat",
                                      lambda u, t: {"user_id": u, "text": t, "metadata": {}}),
                "Rasa REST channel": (f"{stack.rasa_url}/webhooks/gateway/webhook",
                                      lambda u, t: {"sender": "webchat:" + u, "message": t}),
            }
            if args.only:
                keep = {"gateway": "gateway /api/chat", "rasa": "Rasa REST channel"}[args.only]
                paths = {keep: paths[keep]}
            for label, (url, body) in paths.items():
                latencies, elapsed = asyncio.run(run(url, body, n, args.rounds, script))
                rows.append(f"| {label} | {n} | {len(latencies)} | {len(latencies) / elapsed:.1f} | "
                            f"{percentile(latencies, 0.5):.0f} ms | {percentile(latencies, 0.99):.0f} ms |")
    finally:
        stack_iter.close()
    command = (f".venv/bin/python bench/chat_bench.py --conversations {' '.join(map(str, args.conversations))} "
               f"--rounds {args.rounds}" + (f" --script {args.script}" if args.script != "mixed" else "")
               + (f" --only {args.only}" if args.only else "") + (f" --model {args.model}" if args.model else ""))
    if args.no_write or args.model or args.script != "mixed" or args.only:
        print(f"model: {model}\n{command}\n" + "\n".join(rows))
        return
    body = f"""Command: `{command}`

Each conversation is the same six turns ({' / '.join(SCRIPT)}): greeting, three policy questions answered by
the `action_answer_policy` action (served by the gateway's action webhook in both rows), small talk, thanks.
N conversations run concurrently, each client running {args.rounds} conversations one after another. The
gateway row adds what the gateway does per turn: masking into the vault (Redis), recording the message
(database), triage, then Rasa's REST channel. Rasa, the gateway, Redis, the database and the load generator
share the 2 cores.

| path | concurrent conversations | turns | turns/s | p50 | p99 |
| --- | --- | --- | --- | --- | --- |
""" + "\n".join(rows)
    write_section("Conversation turns (gateway vs Rasa REST)", body)
    print(body)


if __name__ == "__main__":
    main()
