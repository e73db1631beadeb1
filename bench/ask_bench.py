"""Benchmark of the policy Q&A: /api/ask latency and throughput with concurrent clients, and the retriever alone.

Starts the gateway on a free loopback port, sends a bounded number of requests, writes docs/benchmarks.md.
Usage: .venv/bin/python bench/ask_bench.py [--requests 4000] [--clients 8]
"""
from __future__ import annotations

import argparse
import shutil
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


WRK_SCRIPT = """
local bodies = {%s}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("JSJ %%d %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def bench_wrk(base: str, qs: list[str], clients: int, seconds: int) -> dict[str, float]:
    """wrk (C, event loop) as the load generator: it costs the shared CPUs far less than a Python client."""
    import json
    import tempfile

    bodies = ",".join("[[" + json.dumps({"text": q}, ensure_ascii=False) + "]]" for q in qs)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(WRK_SCRIPT % bodies)
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "-s", f.name, base],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next(l for l in out.splitlines() if l.startswith("JSJ "))
    requests, duration_us, p50, p99, worst, errors = line.split()[1:]
    return {"requests": int(requests), "rps": int(requests) / (int(duration_us) / 1e6), "p50": float(p50),
            "p99": float(p99), "max": float(worst), "errors": int(errors)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=20, help="duration of the wrk run")
    args = parser.parse_args()
    qs = questions()

    retriever_ms = bench_retriever(qs, 5000)

    port = free_port()
    env = {**os.environ, "JISHIJIU_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "jishijiu"), "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env)
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
        wrk = bench_wrk(base, qs, args.clients, args.seconds) if shutil.which("wrk") else None
    finally:
        server.terminate()
        server.wait(timeout=30)

    command = (f".venv/bin/python bench/ask_bench.py --requests {args.requests} --clients {args.clients} "
               f"--workers {args.workers} --seconds {args.seconds}")
    wrk_rows = "" if wrk is None else f"""
| wrk: /api/ask p50 ({args.clients} connections, {args.seconds} s, {wrk['requests']} requests) | {wrk['p50']:.2f} ms |
| wrk: /api/ask p99 | {wrk['p99']:.2f} ms |
| wrk: /api/ask max | {wrk['max']:.2f} ms |
| wrk: throughput | {wrk['rps']:.0f} requests/s ({wrk['errors']} errors) |"""
    body = f"""Command: `{command}` (or `make bench`)

The questions are the {len(qs)} of `eval/qa.yaml`, cycled. The gateway runs as `jishijiu serve --workers {args.workers}`
(SQLite default, logging at WARNING) and the load comes first from one Python asyncio client
(httpx), then from wrk (Debian package `wrk`; one thread, a Lua script cycling the questions) when installed. Both
run on the same 2-core machine as the server, so client and server share the CPUs; the Python client costs
more CPU per request than the server does, which is why the wrk rows are the ones to compare with the target.

| measure | {args.clients} concurrent clients, {len(latencies)} requests |
| --- | --- |
| /api/ask p50 | {percentile(latencies, 0.50):.2f} ms |
| /api/ask p99 | {percentile(latencies, 0.99):.2f} ms |
| /api/ask max | {max(latencies):.2f} ms |
| throughput | {len(latencies) / elapsed:.0f} requests/s |{wrk_rows}
| retriever alone p50 (in process, 5,000 queries) | {percentile(retriever_ms, 0.50):.3f} ms |
| retriever alone p99 | {percentile(retriever_ms, 0.99):.3f} ms |

Target: /api/ask p99 < 20 ms."""
    write_section("Policy Q&A (/api/ask)", body)
    print(body)


if __name__ == "__main__":
    main()
