"""The NLU gate on the held-out split (bot/tests/nlu_test.yml), against the model trained during this run."""
import re

import httpx
import yaml

from jishijiu.settings import PROJECT_ROOT
from tests.conversation.live import LiveStack

ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def held_out() -> list[tuple[str, str]]:
    raw = yaml.safe_load((PROJECT_ROOT / "bot" / "tests" / "nlu_test.yml").read_text(encoding="utf-8"))
    items = []
    for block in raw["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                items.append((ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text), block["intent"]))
    return items


def test_intent_accuracy_and_out_of_scope_recall_on_the_held_out_split(live: LiveStack) -> None:
    items = held_out()
    assert len(items) >= 300
    misses = []
    oos_total = oos_right = 0
    with httpx.Client(base_url=live.rasa_url, timeout=30, params=live.rasa_auth) as client:
        for text, intent in items:
            predicted = client.post("/model/parse", json={"text": text}).json()["intent"]["name"]
            if predicted != intent:
                misses.append(f"{text!r}: {intent} → {predicted}")
            if intent == "out_of_scope":
                oos_total += 1
                oos_right += predicted == "out_of_scope"
    accuracy = 1 - len(misses) / len(items)
    print(f"intent accuracy {accuracy:.3f} on {len(items)}; out_of_scope recall {oos_right / oos_total:.3f}")
    assert accuracy >= 0.90, "\n".join(misses)
    assert oos_right / oos_total >= 0.90, "\n".join(m for m in misses if "out_of_scope →" in m)
