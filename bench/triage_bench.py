"""Triage speed: training the learned classifier from the corpus and the scored sets, and classify() per situation (rules + classifier).

Run: .venv/bin/python bench/triage_bench.py  (prints a Markdown table for docs/benchmarks.md)
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

from triage.classify import classify
from triage.learned import training_examples, train
from triage.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    started = time.perf_counter()
    examples = training_examples()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    model = train(examples)
    trained = time.perf_counter() - started
    rules = load_rules()
    texts = [i["t"] for i in yaml.safe_load((ROOT / "eval" / "triage.yaml").read_text(encoding="utf-8"))]
    for text in texts[:20]:                                 # warm-up
        classify(text, rules, model)
    timings = []
    for _ in range(5):
        for text in texts:
            t0 = time.perf_counter()
            classify(text, rules, model)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print("| measure | value |\n| --- | --- |")
    print(f"| corpus | {len(examples)} situations |")
    print(f"| reading and validating the corpus (once per process) | {loaded:.2f} s |")
    print(f"| training the classifier (once per process) | {trained:.2f} s |")
    print(f"| classify() p50 ({len(timings)} calls, rules + classifier) | {statistics.median(timings):.2f} ms |")
    print(f"| classify() p99 | {p99:.2f} ms |")


if __name__ == "__main__":
    main()
