"""Hand-built Rasa action calls (tracker + domain as Rasa 3.6 sends them) and helpers to read the results."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import ActionExecutor

DOMAIN: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain.yml")
                                        .read_text(encoding="utf-8"))
SENDER = "webchat-user-1"


def user_event(text: str, intent: str = "inform", entities: list[dict[str, Any]] | None = None,
               metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
    return {"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {}}


def action_event(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def action_call(action: str, *, text: str = "", intent: str = "inform", slots: dict[str, Any] | None = None,
                entities: list[dict[str, Any]] | None = None, history: list[dict[str, Any]] | None = None,
                candidates: dict[str, Any] | None = None, active_loop: str | None = None,
                metadata: dict[str, Any] | None = None, sender: str = SENDER) -> dict[str, Any]:
    """The payload Rasa posts to the action endpoint. `history` comes before the latest user message;
    `candidates` are the slot values a form extracted from it (what the validation action checks)."""
    latest = user_event(text, intent, entities, metadata)
    values = {name: None for name in DOMAIN["slots"]}
    values.update({"requested_slot": None, "session_started_metadata": None}, **(slots or {}))
    values.update(candidates or {})
    events = [action_event("action_session_start"), {"event": "session_started"}, action_event("action_listen"),
              *(history or []), latest]
    if candidates:
        events += [action_event(active_loop or "application_form"),
                   *(slot_event(k, v) for k, v in candidates.items())]
    latest_message = latest["parse_data"] | {"metadata": metadata or {}}
    tracker = {"sender_id": sender, "slots": values, "latest_message": latest_message,
               "events": events, "paused": False, "followup_action": None,
               "active_loop": {"name": active_loop} if active_loop else {}, "latest_action_name": "action_listen"}
    return {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": DOMAIN, "version": "3.6.21"}


async def run(executor: ActionExecutor, action: str, **kwargs: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Run through rasa-sdk's ActionExecutor; return (events, reply texts)."""
    result = await executor.run(action_call(action, **kwargs))
    assert result is not None
    return result.events, [r.get("text") or "" for r in result.responses]


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots the action set, last value wins."""
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def loop_events(events: list[dict[str, Any]]) -> list[str | None]:
    return [e.get("name") for e in events if e["event"] == "active_loop"]
