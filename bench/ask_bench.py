"""Benchmark of the policy Q&A: /api/ask latency and throughput with concurrent clients, and the retriever alone.

Starts the gateway on a free loopback port, sends a bounded number of requests, writes docs/benchmarks.md.
Usage: .venv/bin/python bench/ask_bench.py [--requests 4000] [--clients 8]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import percentile, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def questions() -> list[str]:
    items = yaml.safe_load((ROOT / "eval" / "qa.yaml").read_text(encoding="utf-8"))
    return [item["q"] for item in items]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_retriever(qs: list[str], rounds: int) -> list[float]:
    from jishijiu.bootstrap import build_retriever
    from jishijiu.settings import load_settings

    retriever = build_retriever(load_settings().kb_dir)
    timings = []
    for i in range(rounds):
        q = qs[i % len(qs)]
        start = time.perf_counter()
        retriever.rank(q)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


async def bench_http(base: str, qs: list[str], total: int, clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    counter = iter(range(total))

    async def client_loop(client: httpx.AsyncClient) -> None:
        for i in counter:
            start = time.perf_counter()
            response = await client.post("/api/ask", json={"text": qs[i % len(qs)]})
            latencies.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()

    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for q in qs[:50]:                                   # warm-up
            await client.post("/api/ask", json={"text": q})
        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(client_loop(client) for _ in range(clients))), timeout=300)
        elapsed = time.perf_counter() - start
    return latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    qs = questions()

    retriever_ms = bench_retriever(qs, 5000)

    port = free_port()
    env = {**os.environ, "JISHIJIU_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "jishijiu"), "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        latencies, elapsed = asyncio.run(bench_http(base, qs, args.requests, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=30)

    command = f".venv/bin/python bench/ask_bench.py --requests {args.requests} --clients {args.clients}"
    body = f"""Command: `{command}` (or `make bench`)

The questions are the {len(qs)} of `eval/qa.yaml`, cycled. The gateway runs as `jishijiu serve` (one uvicorn
process, SQLite default, logging at WARNING) and the load comes from one asyncio client process on the same
2-core machine, so client and server share the CPUs.

| measure | {args.clients} concurrent clients, {len(latencies)} requests |
| --- | --- |
| /api/ask p50 | {percentile(latencies, 0.50):.2f} ms |
| /api/ask p99 | {percentile(latencies, 0.99):.2f} ms |
| /api/ask max | {max(latencies):.2f} ms |
| throughput | {len(latencies) / elapsed:.0f} requests/s |
| retriever alone p50 (in process, 5,000 queries) | {percentile(retriever_ms, 0.50):.3f} ms |
| retriever alone p99 | {percentile(retriever_ms, 0.99):.3f} ms |

Target: /api/ask p99 < 20 ms."""
    write_section("Policy Q&A (/api/ask)", body)
    print(body)


if __name__ == "__main__":
    main()
