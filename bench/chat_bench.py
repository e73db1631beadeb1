"""Benchmark of conversation turns: through the gateway (/api/chat) against Rasa's own REST channel, same run.

Trains the bot if its data changed, starts Rasa and the gateway on free loopback ports (the gateway also serves
the action webhook), then runs N concurrent conversations of a fixed script, first through the gateway, then
straight to Rasa. Bounded in turns and time. Writes docs/benchmarks.md.
Usage: .venv/bin/python bench/chat_bench.py [--conversations 8 20] [--rounds 5]
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
from tests.conversation.live import start_stack, train_model  # noqa: E402

# A resident's short conversation: no application is filed, so runs repeat without growing the case store.
SCRIPT = ["你好", "低保咋申请", "俺是五保户一个月给多少钱", "没钱请律师咋整", "你是机器人吗", "谢谢"]


async def converse(client: httpx.AsyncClient, url: str, make_body, rounds: int, latencies: list[float]) -> None:  # noqa: ANN001
    for _ in range(rounds):
        user = "bench-" + uuid.uuid4().hex[:10]
        for text in SCRIPT:
            start = time.perf_counter()
            response = await client.post(url, json=make_body(user, text))
            latencies.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()


async def run(url: str, make_body, conversations: int, rounds: int) -> tuple[list[float], float]:  # noqa: ANN001
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=conversations)) as client:
        await converse(client, url, make_body, 1, [])                    # warm-up
        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(converse(client, url, make_body, rounds, latencies)
                                                for _ in range(conversations))), timeout=900)
        elapsed = time.perf_counter() - start
    return latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, nargs="+", default=[8, 20])
    parser.add_argument("--rounds", type=int, default=5, help="conversations each client runs one after another")
    args = parser.parse_args()
    os.environ.setdefault("JISHIJIU_DATA_DIR", str(ROOT / "var" / "bench"))
    settings = load_settings()
    stack_iter = start_stack(settings, train_model())
    stack = next(stack_iter)
    rows = []
    try:
        for n in args.conversations:
            paths = {
                "gateway /api/chat": (f"{stack.gateway_url}/api/chat",
                                      lambda u, t: {"user_id": u, "text": t, "metadata": {}}),
                "Rasa REST channel": (f"{stack.rasa_url}/webhooks/rest/webhook",
                                      lambda u, t: {"sender": "webchat:" + u, "message": t}),
            }
            for label, (url, body) in paths.items():
                latencies, elapsed = asyncio.run(run(url, body, n, args.rounds))
                rows.append(f"| {label} | {n} | {len(latencies)} | {len(latencies) / elapsed:.1f} | "
                            f"{percentile(latencies, 0.5):.0f} ms | {percentile(latencies, 0.99):.0f} ms |")
    finally:
        stack_iter.close()
    command = (f".venv/bin/python bench/chat_bench.py --conversations {' '.join(map(str, args.conversations))} "
               f"--rounds {args.rounds}")
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
