"""Pure urgency triage: normalised text + TriageRules → level, reasons, departments, assistance, safety."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from typing import TYPE_CHECKING

from nlu.normalise import chinese_characters, normalise
from triage.rules import Cue, Terms, TextMarkers, TriageRules, Urgency

if TYPE_CHECKING:
    from triage.learned import LearnedTriage

LEVEL_ZH = {Urgency.EMERGENCY: "紧急", Urgency.URGENT: "急难", Urgency.NORMAL: "一般"}

REASON_SEPARATOR = "："
PIECE_SEPARATOR = "、"


@dataclass(frozen=True)
class Classification:
    urgency: Urgency
    reasons: tuple[str, ...]          # the cues found, in Chinese: "生命危险：抢救"
    departments: tuple[str, ...]      # department ids, lead (民政) first, then registry order
    assistance: tuple[str, ...]
    safety: tuple[str, ...]
    third_party: bool
    clarify: str | None = None        # the question to ask first when the text is too thin to judge
    learned_raised: bool = False      # the level came from the learned reading, above every rule cue


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    text: str
    clause: tuple[int, int]           # bounds of the clause (between spaces) holding the piece


@dataclass(frozen=True)
class _Hit:
    cue: Cue
    level: Urgency
    pieces: tuple[_Piece, ...]
    past_note: str | None             # set when a past, chronic or resolved marker lowered the cue's level


def _clauses(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^ ]+", text)]


def _find(terms: Terms, text: str, clauses: list[tuple[int, int]]) -> list[_Piece]:
    """Matches inside each clause: a regex never spans a punctuation mark."""
    return [_Piece(lo + m.start(), lo + m.end(), m.group(), (lo, hi))
            for lo, hi in clauses for m in terms.finditer(text[lo:hi])]


def _covers(text: str, phrase: str, at: int) -> bool:
    """`phrase` occurs in `text` over position `at`."""
    start = text.find(phrase, max(0, at - len(phrase) + 1))
    return start != -1 and start <= at


def _negator(piece: _Piece, text: str, rules: TriageRules, words: Terms | None = None) -> str | None:
    """The negation word governing `piece` ("不是着火"), or None; pseudo-negations ("没钱") do not count."""
    neg = rules.negation
    lo = piece.clause[0]
    for m in (words or neg.words).regex.finditer(text, lo, piece.start):
        gap = text[m.end():piece.start]
        if len(gap) > neg.window[m.group()] or any(t in gap for t in neg.terminators):
            continue
        if any(_covers(text, p, m.start()) for p in neg.pseudo):     # "没钱", and "是不是" around "不是"
            continue
        return text[m.start():piece.end]
    return None


def _past_note(pieces: tuple[_Piece, ...], text: str, rules: TriageRules) -> str | None:
    """Why the cue is not a present emergency: a past, chronic or future marker near a piece ("去年", "好几年",
    "下礼拜", same clause), or a resolution anywhere in the text ("已经处理了"); None when none is found."""
    past = rules.past
    for piece in pieces:
        lo = max(piece.clause[0], piece.start - past.window)
        hi = min(piece.clause[1], piece.end + past.window)
        m = past.markers.regex.search(text, lo, hi)
        if m:
            return f"{past.label}：{m.group()}"
        m = past.future.regex.search(text, lo, piece.start) if past.future else None
        if m:
            return f"{past.future_label}：{m.group()}"
    m = past.resolved.regex.search(text) if past.resolved else None
    return f"{past.resolved_label}：{m.group()}" if m else None


def _out_of_present(piece: _Piece, text: str, rules: TriageRules) -> str | None:
    """Why a piece does not describe trouble now (ConText): a worry or prevention word just before it
    ("防走失", "怕他哪天走丢"), or a policy topic in its clause in a message that asks something ("冬天有没有取暖
    补贴"); None when it does."""
    h = rules.hypothetical
    if h is not None:
        lo = max(piece.clause[0], piece.start - h.window)
        m = h.words.regex.search(text, lo, piece.start)
        if m:
            return f"{h.label}：{text[m.start():piece.end]}"
    e = rules.enquiry
    if e is not None:
        lo, hi = piece.clause             # the topic beside the words, the question anywhere ("…讲讲反家暴的政策 有没有材料")
        if (t := e.topics.regex.search(text, lo, hi)) and e.questions.regex.search(text):
            return f"{e.label}：{t.group()}"
    return None


def _fictional(piece: _Piece, text: str, clauses: list[tuple[int, int]], rules: TriageRules) -> str | None:
    """Why a piece is nobody's danger: a book, a game or the news named in its clause or the clause before
    ("我在写小说 里面主人公想自杀"), and its own clause not in the first person ("看了新闻 俺也不想活了" counts)."""
    f = rules.fiction
    if f is None:
        return None
    at = clauses.index(piece.clause)
    lo = clauses[max(at - 1, 0)][0]
    m = f.words.regex.search(text, lo, piece.start)
    if m is None or f.speakers.regex.search(text, piece.clause[0], piece.clause[1]):
        return None
    return f"{f.label}：{m.group()}"


def _marker_note(markers: TextMarkers | None, text: str) -> str | None:
    """The note when one of the markers is in the text and none of its blockers is ("眼下已安全：人都没事")."""
    if markers is None or (markers.blockers is not None and markers.blockers.regex.search(text)):
        return None
    m = markers.markers.regex.search(text)
    return f"{markers.label}：{m.group()}" if m else None


def _combination(options: list[list[_Piece]], within: int | None) -> tuple[_Piece, ...] | None:
    """One piece per part, all inside a span of `within` characters (any span when None)."""
    if within is None:
        return tuple(part[0] for part in options)
    for start in sorted({p.start for part in options for p in part}):
        chosen = [next((p for p in part if p.start >= start and p.end <= start + within), None) for part in options]
        if all(chosen):
            return tuple(chosen)
    return None


def _match(cue: Cue, text: str, clauses: list[tuple[int, int]], rules: TriageRules) -> tuple[_Hit | None, str | None]:
    """(hit, None) when the cue holds; (None, excluded phrase) when only negated, hypothetical or enquiring
    matches would make it hold."""
    kept: list[list[_Piece]] = []
    excluded: list[str] = []
    if cue.unless is not None and cue.unless.regex.search(text):
        return None, None
    for terms in cue.parts:
        found = _find(terms, text, clauses)
        if not found:
            return None, None
        part: list[_Piece] = []
        for piece in found:
            phrase = _negator(piece, text, rules)
            if phrase:
                excluded.append(f"{rules.negation.label}{REASON_SEPARATOR}{phrase}")
                continue
            story = _fictional(piece, text, clauses, rules)
            if story:
                excluded.append(story)
                continue
            why = _out_of_present(piece, text, rules) if cue.context_applies else None
            if why:
                excluded.append(why)
                continue
            part.append(piece)
        kept.append(part)
    if not all(kept):
        return None, excluded[0]          # negation or context is what stopped this cue
    if len(kept) == 1:                    # one pattern list: a piece about the present beats one about the past
        present = [p for p in kept[0] if _past_note((p,), text, rules) is None] if cue.past_lowers else []
        combo = (present[0],) if present else (kept[0][0],)
    else:
        combo = _combination(kept, cue.within)
    if combo is None:
        return None, None
    notes = []
    if cue.past_lowers and (note := _past_note(combo, text, rules)):
        notes.append(note)
    # safe now and under care both say "not in danger this moment": together they lower one level, not two
    present_safety = (cue.safe_lowers and _marker_note(rules.safe_now, text)) or \
        (cue.care_lowers and _marker_note(rules.under_care, text))
    if present_safety:
        notes.append(present_safety)
    level = list(Urgency)[max(cue.level.rank - len(notes), 0)]
    return _Hit(cue, level, combo, "；".join(notes) or None), None


def _unique(items) -> tuple:
    return tuple(dict.fromkeys(items))


def _reason(hit: _Hit, rules: TriageRules) -> str:
    pieces = PIECE_SEPARATOR.join(_unique(p.text for p in hit.pieces))
    note = f"（{hit.past_note}）" if hit.past_note else ""
    return f"{hit.cue.label}{REASON_SEPARATOR}{pieces}{note}"


def _third_party(text: str, rules: TriageRules) -> str | None:
    m = rules.third_party.regex.search(text)
    return m.group() if m else None




def _enough_to_read(norm: str, min_chars: int) -> bool:
    """A form answer ("张三", "139****5678", "嗯") is not a situation: the model reads only texts with content."""
    return chinese_characters(norm) >= min_chars


def _clarify(norm: str, hits: list[_Hit], rules: TriageRules) -> str | None:
    """The clarifying question when no cue fired and the text is short and only says something happened."""
    c = rules.clarify
    if c is None or hits or len(norm.replace(" ", "")) > c.max_chars:
        return None
    return c.question if c.terms.regex.search(norm) else None


def classify(text: str, rules: TriageRules, model: LearnedTriage | None = None) -> Classification:
    """Triage one free-text situation; pure and deterministic. The rules and the learned classifier (when
    given) each read the text; the more urgent reading wins, and the reasons say which fired."""
    norm = normalise(text)
    clauses = _clauses(norm)
    hits: list[_Hit] = []
    excluded: list[str] = []
    for cue in rules.cues:
        hit, why_not = _match(cue, norm, clauses, rules)
        if hit:
            hits.append(hit)
        elif why_not:
            excluded.append(why_not)
    urgency = max((h.level for h in hits), key=lambda u: u.rank, default=Urgency.NORMAL)
    hits.sort(key=lambda h: -h.level.rank)          # stable: file order within a level

    reporter = _third_party(norm, rules)
    reasons = [_reason(h, rules) for h in hits]
    learned_departments: tuple[str, ...] = ()
    learned_raised = False
    if model is not None and rules.learned is not None and _enough_to_read(norm, rules.learned.min_chars):
        reading = model.read(norm)
        thresholds = rules.learned
        out_of_present = bool(excluded) or any(h.past_note for h in hits)
        if out_of_present and thresholds.context_emergency_at is not None:
            thresholds = replace(thresholds, emergency_at=max(thresholds.emergency_at, thresholds.context_emergency_at))
        level = reading.level(thresholds)
        if level.rank > urgency.rank or (not hits and level.rank == urgency.rank and level is not Urgency.NORMAL):
            p = reading.levels[level] if level is Urgency.EMERGENCY else \
                reading.levels[Urgency.URGENT] + reading.levels[Urgency.EMERGENCY]
            reasons.insert(0, f"{rules.learned.label}{REASON_SEPARATOR}{LEVEL_ZH[level]}（把握{p:.2f}）")
            learned_raised = level.rank > urgency.rank
            urgency = level
        learned_departments = reading.chosen_departments(rules.learned)
    reasons = reasons or [rules.default_reason]
    if reporter:
        reasons.append(f"{rules.third_party_label}{REASON_SEPARATOR}{reporter}")
    reasons.extend(excluded)

    departments = {rules.lead_department, *learned_departments}
    assistance = list(rules.level_assistance.get(urgency, ()))
    for h in hits:
        departments.update(h.cue.departments)
        assistance.extend(h.cue.assistance)
    for route in rules.routes:
        found = _find(route.terms, norm, clauses)
        if any(_negator(p, norm, rules, rules.negation.routing_words) is None for p in found):
            departments.add(route.department)
            assistance.extend(route.assistance)
    assistance.extend(rules.assistance_parent[a] for a in list(assistance) if a in rules.assistance_parent)

    safety = [s for h in hits if h.past_note is None for s in h.cue.safety]
    if not any(h.level is urgency and h.past_note is None and h.cue.safety for h in hits):
        safety = [*rules.default_safety.get(urgency, ()), *safety]     # e.g. raised by the learned reading
    return Classification(
        urgency=urgency,
        reasons=_unique(reasons),
        departments=tuple(d for d in rules.department_order if d in departments),
        assistance=tuple(a for a in rules.assistance_order if a in assistance),
        safety=_unique(safety),
        third_party=reporter is not None,
        clarify=_clarify(norm, hits, rules),
        learned_raised=learned_raised,
    )
