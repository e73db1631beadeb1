"""One chat turn from any channel: record it, keep personal data out of the bot, take the emergency fast path,
ask Rasa, and degrade to the knowledge base when Rasa is down."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from conversation.clarify import NO_DANGER_METADATA, PendingClarifications, question_reply, says_danger
from conversation.fallback import fallback_replies
from conversation.once import TurnOnce
from conversation.payloads import IssuedPayloads
from conversation.rasa_client import BotReply, ConversationState, RasaClient, UpstreamUnavailable
from conversation.repeats import HANDOFF_PAYLOAD, ReplyRepeats
from conversation.vault import PersonalDataVault
from nlu.masking import mask_personal_data
from nlu.normalise import chinese_characters
from policies_kb.retriever import Retriever
from triage import CHINA_TZ, Assessment, TriageConfig, assess

log = logging.getLogger(__name__)

EMERGENCY_FORM = "emergency_form"
# Inside a form, a message the learned classifier alone calls an emergency starts the fast path only when it tells
# a story: shorter messages answer the form's question ("就在村口大桥这边"); the rules still read every one.
FORM_ANSWER_MAX_CJK = 12
# Full-width digits and Latin letters only: Chinese punctuation (，。) stays as the resident typed it.
_HALF_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF21 + i: ord("A") + i for i in range(26)} | \
    {0xFF41 + i: ord("a") + i for i in range(26)}

# Records a turn durably before anything else happens; returns a handle to mark its outcome.
RecordInbound = Callable[[str, str, str], Awaitable[int | None]]
MarkInbound = Callable[[int | None, str], Awaitable[None]]


@dataclass(frozen=True)
class ChatResult:
    sender: str
    replies: list[BotReply]
    degraded: bool


def emergency_trigger(masked_text: str) -> str:
    """Rasa's intent-trigger syntax: the intent and the situation as an entity, bypassing NLU."""
    return "/report_emergency" + json.dumps({"emergency_situation": masked_text}, ensure_ascii=False)


class ChatService:
    def __init__(self, rasa: RasaClient, vault: PersonalDataVault, retriever: Retriever, qa_threshold: float,
                 triage: TriageConfig, record: RecordInbound, mark: MarkInbound,
                 pending: PendingClarifications | None = None, repeats: ReplyRepeats | None = None,
                 paused: Callable[[str], Awaitable[bool]] | None = None,
                 issued: IssuedPayloads | None = None, once: TurnOnce | None = None,
                 wait_for_person: Callable[[str, str, str, str], Awaitable[object]] | None = None) -> None:
        self._rasa = rasa
        self._wait_for_person = wait_for_person     # (sender, channel, reason, masked text): a hand-off
        self._once = once               # message ids already answered
        self._issued = issued           # the button payloads this resident was sent: the only "/…" Rasa may see
        self._paused = paused           # an agent has the conversation (a hand-off taken in the console)
        self._pending = pending
        self._repeats = repeats
        self._vault = vault
        self._retriever = retriever
        self._threshold = qa_threshold
        self._triage = triage
        self._record = record
        self._mark = mark

    async def _mask(self, sender: str, text: str) -> str:
        try:
            return await self._vault.mask(sender, text)
        except Exception as exc:  # noqa: BLE001 - Redis down: mask anyway, the clear values are simply not kept
            log.warning("vault unavailable (%s): personal data masked without keeping it", exc.__class__.__name__)
            return mask_personal_data(text)

    async def _assess(self, masked: str, now: datetime | None) -> Assessment:
        """Triage off the event loop (retrieval and the learned classifier are CPU work)."""
        config = self._triage
        return await asyncio.to_thread(assess, masked, now or datetime.now(CHINA_TZ), config.rules,
                                       config.deadline_rules, config.calendar, config.model)

    async def handle(self, channel: str, user_id: str, text: str, metadata: dict[str, object],
                     now: datetime | None = None, message_id: str | None = None) -> ChatResult:
        """One turn; a resident's own "/…" reaches Rasa as words, never as an intent trigger. With a
        `message_id`, a retry of the same message gets the first attempt's replies (StillProcessing while the first
        is being answered) and is never processed twice."""
        sender = f"{channel}:{user_id}"

        async def once() -> tuple[list[BotReply], bool]:
            result = await self._guarded(sender, channel, text, metadata, now)
            return result.replies, result.degraded

        if message_id and self._once is not None:
            replies, degraded = await self._once.run(sender, message_id, once)
            return ChatResult(sender, replies, degraded)
        return await self._guarded(sender, channel, text, metadata, now)

    async def _guarded(self, sender: str, channel: str, text: str, metadata: dict[str, object],
                       now: datetime | None) -> ChatResult:
        if self._issued is None:
            return await self._turn(sender, channel, text, metadata, now)
        result = await self._turn(sender, channel, await self._issued.guard(sender, text), metadata, now)
        await self._issued.remember(sender, (b.payload for r in result.replies for b in r.buttons))
        return result

    async def _turn(self, sender: str, channel: str, text: str, metadata: dict[str, object],
                    now: datetime | None) -> ChatResult:
        # Full-width digits and letters (１３９…, Ｘ) become ASCII first, so that the masker sees every number.
        masked = await self._mask(sender, text.translate(_HALF_WIDTH))
        inbound = await self._record(sender, channel, masked)
        if self._paused is not None and await self._paused(sender):
            # the agent reads it in the console and answers; an emergency still takes the fast path (2-hour clock)
            if (await self._assess(masked, now)).urgency.value != "emergency":
                await self._mark(inbound, "agent")
                return ChatResult(sender, [], False)
        waiting = await self._pending.take(sender) if self._pending else None
        message = masked
        declined = False
        if waiting is not None:                 # the answer to "现在有没有人有生命危险？"
            danger = says_danger(masked)
            if danger is False:
                declined = True
                await self._pending.remember_no(sender)
            message = waiting if danger is False and len(masked) <= 12 else f"{waiting}，{masked}"
            assessment = await self._assess(message, now)
            by_rules = assessment.urgency.value == "emergency" and not assessment.learned_raised
            if danger or (danger is None and assessment.urgency.value == "emergency") or by_rules:
                message = emergency_trigger(message)
        else:
            assessment = await self._assess(masked, now)
            emergency = assessment.urgency.value == "emergency"
            state = await self._rasa.state(sender) if emergency or assessment.clarify else ConversationState()
            loop = state.active_loop
            # Only the classifier (no rule) reads an emergency: ask once before the fast path. The case's own
            # urgency is triaged again at filing, with the classifier, so nothing is under-triaged meanwhile.
            unsure = emergency and assessment.learned_raised
            answer_only = unsure and loop is not None and chinese_characters(masked) <= FORM_ANSWER_MAX_CJK
            # The resident said a moment ago that nobody's life is in danger: what only the classifier finds
            # alarming goes on as an ordinary message (asking again at every message would be a loop).
            declined = unsure and self._pending is not None and await self._pending.said_no(sender)
            question = assessment.clarify if loop is None else None
            if unsure and not answer_only and loop != EMERGENCY_FORM and not declined:
                question = self._triage.rules.clarify.question if self._triage.rules.clarify else None
            if question and self._pending and await self._pending.put(sender, masked):
                await self._mark(inbound, "answered")
                return ChatResult(sender, [question_reply(question)], False)
            # An emergency already filed in this session has its 2-hour clock: more alarming words inside a form
            # answer the form (they are recorded and go to the same case), they do not file another one.
            already = state.emergency_case is not None and loop is not None
            if emergency and loop != EMERGENCY_FORM and not answer_only and not already and not declined:
                message = emergency_trigger(masked)
        try:
            # the door may name the message's origin (an API client's "api" or a relayed poster's "qr"); else the channel
            meta = {"channel": channel, **metadata, NO_DANGER_METADATA: declined}
            replies = await self._rasa.send(sender, message, meta)
            if self._repeats is not None and await self._repeats.would_loop(sender, replies):
                log.info("the same bot text a third time: handed to a person instead")
                replies = await self._rasa.send(sender, HANDOFF_PAYLOAD, meta)
        except UpstreamUnavailable as exc:
            log.warning("rasa unavailable (%s): answering from the knowledge base", exc)
            await self._mark(inbound, "fallback")
            if self._wait_for_person is not None:      # "您刚才的留言我们已经记录": a person sees it in the console
                try:
                    await self._wait_for_person(sender, channel, "emergency" if assessment.urgency.value ==
                                                "emergency" else "fallback", masked)
                except Exception as failure:  # noqa: BLE001 - the database is down too: the answer still goes out
                    log.error("hand-off not recorded while Rasa is down: %s", type(failure).__name__)
            replies = await asyncio.to_thread(fallback_replies, masked, assessment, self._retriever, self._threshold)
            return ChatResult(sender, replies, True)
        await self._mark(inbound, "answered")
        return ChatResult(sender, replies, False)
