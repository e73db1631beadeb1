"""`jishijiu eval dialogues`: plays scripted resident dialogues (eval/dialogues/*.yaml, format in its README)
against a live stack — the gateway's /api/chat, Rasa's tracker for the question being asked, the case store for
what was filed — and reports completion, median turns to a filed case and loops, per file."""
from __future__ import annotations

import re
import statistics
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.encryption import PersonalDataCipher
from connectors.api_keys import sender_channel
from cases.models import Case, Handoff

CASE_NUMBER = re.compile(r"JSJ-\d{8}-\d{4}")
ALREADY_SAID = "我刚才已经说过了"
# The gateway's one question when a message is too thin to judge; the resident knows the answer.
DANGER_QUESTION = "现在有没有人有生命危险？"
DANGER_YES, DANGER_NO = "有，很危险", "没有"
MAX_TURNS = 40
LOOP_REPEATS = 3


class SayAfter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after: str
    text: str


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(pattern="^(application|emergency|handoff|none)$")
    urgency: list[str] | None = None
    applicant_name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    division: str | None = None
    household_size: int | None = None
    difficulty_kind: str | None = None


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    note: str = ""
    village_code: str | None = None
    channel: Literal["api", "qr"] = "api"    # qr: a poster scan relayed by the client (with village_code)
    opening: str
    answers: dict[str, str | list[str]] = {}
    say_after: list[SayAfter] = []
    expect: Expect


def load_dialogues(path: Path) -> list[Dialogue]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    dialogues = [Dialogue.model_validate(d) for d in raw]
    ids = [d.id for d in dialogues]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: dialogue ids must be unique")
    return dialogues


@dataclass
class Transcript:
    dialogue: Dialogue
    sender: str
    turns: list[tuple[str, str]] = field(default_factory=list)     # (resident, bot) per message
    first_case_turn: int | None = None
    case_number: str | None = None

    @property
    def bot_texts(self) -> list[str]:
        return [bot for _, bot in self.turns]

    @property
    def loops(self) -> list[str]:
        """Bot replies said three times or more in this dialogue."""
        counts = Counter(part for text in self.bot_texts for part in text.split("\n\n") if part.strip())
        return [text for text, n in counts.items() if n >= LOOP_REPEATS]


@dataclass(frozen=True)
class Verdict:
    dialogue_id: str
    complete: bool
    problems: tuple[str, ...]
    turns_to_case: int | None
    loops: tuple[str, ...]


class LiveStack:
    """The gateway and Rasa over HTTP; the case store read directly (the same database and key)."""

    def __init__(self, gateway_url: str, rasa_url: str, sessions: Callable[[], Session], cipher: PersonalDataCipher,
                 api_client: str, api_key: str, rasa_token: str = "") -> None:
        self._http = httpx.Client(timeout=60)
        self._gateway = gateway_url.rstrip("/")
        self._rasa = rasa_url.rstrip("/")
        self._sessions = sessions
        self._cipher = cipher
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._client = api_client
        self._rasa_auth = {"token": rasa_token} if rasa_token else {}

    def sender(self, user_id: str) -> str:
        """The conversation's sender: the API client's own namespace (connectors/api_keys.py)."""
        return f"{sender_channel(self._client)}:{user_id}"

    def say(self, channel: str, user_id: str, text: str, metadata: dict[str, Any]) -> str:
        response = self._http.post(f"{self._gateway}/api/chat", headers=self._headers, json={
            "user_id": user_id, "text": text, "metadata": {"channel": channel, **metadata}})
        response.raise_for_status()
        return "\n\n".join(r["text"] for r in response.json()["replies"])

    def asking(self, sender: str) -> str | None:
        """The slot the active form asks for, or None when no form is active."""
        response = self._http.get(f"{self._rasa}/conversations/{sender}/tracker",
                                  params={"include_events": "NONE", **self._rasa_auth})
        response.raise_for_status()
        body = response.json()
        if not (body.get("active_loop") or {}).get("name"):
            return None
        return (body.get("slots") or {}).get("requested_slot")

    def case(self, number: str) -> Case | None:
        with self._sessions() as session:
            return session.scalars(select(Case).where(Case.case_number == number)).one_or_none()

    def cases_of(self, sender: str) -> list[Case]:
        """Cases filed from this conversation (the case's channel_user_id is the conversation's sender)."""
        with self._sessions() as session:
            return list(session.scalars(select(Case).where(Case.channel_user_id == sender)))

    def handoffs_of(self, sender: str) -> int:
        with self._sessions() as session:
            return len(session.scalars(select(Handoff.id).where(Handoff.sender == sender)).all())

    def open(self, sealed: bytes | None, purpose: str) -> str | None:
        return self._cipher.open(sealed, purpose) if sealed else None


def play(stack: LiveStack, d: Dialogue, run_id: str) -> Transcript:
    """Send the opening, then answer whatever the form asks, as scripted."""
    user_id = f"eval-{d.id}-{run_id}"
    sender = stack.sender(user_id)
    metadata = {"village_code": d.village_code} if d.village_code else {}
    t = Transcript(d, sender)
    used: Counter[str] = Counter()
    pending_after = list(d.say_after)

    def send(text: str) -> None:
        reply = stack.say(d.channel, user_id, text, metadata)
        t.turns.append((text, reply))
        numbers = CASE_NUMBER.findall(reply)
        if numbers:
            t.case_number = numbers[-1]
            if t.first_case_turn is None:
                t.first_case_turn = len(t.turns)

    send(d.opening)
    while len(t.turns) < MAX_TURNS:
        if t.turns[-1][1].startswith(DANGER_QUESTION):
            send(DANGER_YES if d.expect.outcome == "emergency" else DANGER_NO)
            continue
        slot = stack.asking(sender)
        if slot is None:
            # No question asked. A resident who has only greeted ("你好"), been asked nothing and filed nothing goes
            # on to say what is wrong: the `situation` answer, each try once; otherwise the dialogue is over.
            story = d.answers.get("situation")
            tries = [story] if isinstance(story, str) else (story or [])
            only_greeted = t.case_number is None and sum(used.values()) == used["situation"]
            if only_greeted and used["situation"] < len(tries):
                answer = tries[used["situation"]]
                used["situation"] += 1
                send(answer)
                continue
            break
        tries = d.answers.get(slot)
        if tries is None:
            answer = ALREADY_SAID
        else:
            options = [tries] if isinstance(tries, str) else tries
            answer = options[min(used[slot], len(options) - 1)]
        used[slot] += 1
        send(answer)
        for extra in [s for s in pending_after if s.after == slot]:
            pending_after.remove(extra)
            send(extra.text)
    return t


def _situation_field(situation: str, label: str) -> str | None:
    m = re.search(label + r"：([^；。\n]*)", situation)
    return m.group(1) if m else None


def judge(stack: LiveStack, t: Transcript) -> Verdict:
    """Is the filed case what a correct bot files? Every expected field is compared with the store."""
    e = t.dialogue.expect
    problems: list[str] = []
    filed = stack.cases_of(t.sender)
    if e.outcome in ("none", "handoff"):
        if filed:
            problems.append(f"filed {len(filed)} case(s), expected none")
        if e.outcome == "handoff" and stack.handoffs_of(t.sender) == 0:
            problems.append("no hand-off recorded")
    else:
        case = stack.case(t.case_number) if t.case_number else None
        if case is None:
            problems.append("no case filed")
        else:
            if len(filed) != 1:
                problems.append(f"{len(filed)} cases filed, expected exactly one")
            if e.outcome == "emergency" and case.urgency.value != "emergency":
                problems.append(f"urgency {case.urgency.value}, expected emergency")
            if e.urgency and case.urgency.value not in e.urgency:
                problems.append(f"urgency {case.urgency.value} ∉ {e.urgency}")
            checks = {
                "applicant_name": (e.applicant_name, stack.open(case.name_sealed, "name")),
                "id_number": (e.id_number and e.id_number.upper(), stack.open(case.id_number_sealed, "id_number")),
                "phone": (e.phone, stack.open(case.phone_sealed, "phone")),
                "difficulty_kind": (e.difficulty_kind, _situation_field(case.situation, "困难类别")),
            }
            for name, (want, got) in checks.items():
                if want is not None and want != got:
                    problems.append(f"{name}: {got!r} ≠ {want!r}")
            if e.household_size is not None:
                got = _situation_field(case.situation, "家庭人口")
                if got != f"{e.household_size}人":
                    problems.append(f"household_size: {got!r} ≠ {e.household_size}")
            if e.division is not None:
                code = case.village_code or case.township_code or case.county_code
                if not code.startswith(e.division):
                    problems.append(f"division: {code} ≠ {e.division}…")
    loops = t.loops
    if loops:
        problems.append(f"loop: {loops[0][:40]}…")
    return Verdict(t.dialogue.id, not problems, tuple(problems), t.first_case_turn, tuple(loops))


@dataclass(frozen=True)
class DialogueReport:
    name: str
    verdicts: tuple[Verdict, ...]

    @property
    def completion(self) -> float:
        return sum(v.complete for v in self.verdicts) / len(self.verdicts)

    @property
    def loops(self) -> int:
        return sum(1 for v in self.verdicts if v.loops)

    @property
    def median_turns(self) -> float | None:
        turns = [v.turns_to_case for v in self.verdicts if v.turns_to_case is not None]
        return statistics.median(turns) if turns else None

    def text(self, verbose: bool = False) -> str:
        n = len(self.verdicts)
        done = sum(v.complete for v in self.verdicts)
        lines = [f"{self.name}: {n} dialogues",
                 f"  completed (filed with every field right, or rightly nothing)  {done}/{n} = {done / n:.1%}",
                 f"  median resident messages to a filed case  {self.median_turns}",
                 f"  dialogues with a loop (same bot text 3 times)  {self.loops}"]
        if verbose:
            lines += [f"  ✗ {v.dialogue_id}: " + "; ".join(v.problems) for v in self.verdicts if not v.complete]
        return "\n".join(lines)


def run_file(stack: LiveStack, name: str, dialogues: Sequence[Dialogue],
             show: Callable[[Transcript], None] | None = None) -> DialogueReport:
    run_id = uuid.uuid4().hex[:8]
    verdicts = []
    for d in dialogues:
        transcript = play(stack, d, run_id)
        if show:
            show(transcript)
        verdicts.append(judge(stack, transcript))
    return DialogueReport(name, tuple(verdicts))
