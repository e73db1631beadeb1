"""Typed loader for triage/rules.yaml: cue groups, negation, past markers, third-party markers, routing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jishijiu.departments import all_departments
from nlu.normalise import normalise
from triage.errors import RulesError
from triage.yamlfile import load_model

RULES_FILE = Path(__file__).with_name("rules.yaml")
REGEX_PREFIX = "re:"
LEXICON_PREFIX = "@"


class Urgency(StrEnum):
    """Triage levels, lowest first: the plan's regular procedure, 24-hour 急难 aid, 2-hour emergency."""

    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return list(Urgency).index(self)


# ---- the file as written (pydantic, strict: unknown keys are errors) ----

class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NegationSpec(_Spec):
    words: dict[str, int] = Field(min_length=1)     # negation word → how many characters it may reach forward
    routing_words: list[str] = Field(min_length=1)
    pseudo: list[str] = []
    terminators: list[str] = []
    label: str

    @model_validator(mode="after")
    def _windows(self) -> "NegationSpec":
        for word, window in self.words.items():
            if word.startswith((REGEX_PREFIX, LEXICON_PREFIX)):
                raise ValueError(f"negation words are plain words, not patterns: {word!r}")
            if not 0 <= window <= 20:
                raise ValueError(f"window of {word!r} must be 0-20 characters")
        unknown = [w for w in self.routing_words if w not in self.words]
        if unknown:
            raise ValueError(f"routing_words must also be in words: {unknown}")
        return self


class PastSpec(_Spec):
    markers: list[str] = Field(min_length=1)
    window: int = Field(ge=0, le=30)
    resolved: list[str] = []
    future: list[str] = []          # near a cue, same clause: "下礼拜就断顿了" is not yet happening
    lowers: list[Urgency]
    label: str
    resolved_label: str
    future_label: str = "尚未发生"

    @model_validator(mode="after")
    def _lowerable(self) -> "PastSpec":
        if Urgency.NORMAL in self.lowers:
            raise ValueError("`lowers` may list urgent or emergency only: normal cannot be lowered")
        return self


class HypotheticalSpec(_Spec):
    """Worry and prevention ("防走失", "怕他哪天走丢"): a cue piece shortly after one of these words does not count."""

    label: str
    words: list[str] = Field(min_length=1)
    window: int = Field(ge=0, le=20)


class FictionSpec(_Spec):
    """Someone else's story in a book, a game, the news ("我在写小说，主人公想自杀"): a cue piece in the clause of one
    of these words, or the clause after it, does not count unless that clause speaks in the first person
    (`speakers`). Unlike the other contexts it applies to `context: keep` cues too: it is nobody's danger."""

    label: str
    words: list[str] = Field(min_length=1)
    speakers: list[str] = Field(min_length=1)


class EnquirySpec(_Spec):
    """A policy question that only names a danger ("冬天有没有取暖补贴"): a cue piece whose clause names a policy
    topic, in a message that asks something, does not count."""

    label: str
    questions: list[str] = Field(min_length=1)
    topics: list[str] = Field(min_length=1)


class TextMarkersSpec(_Spec):
    """Words anywhere in the text that lower the cues marked for them one level, unless a blocker is there too:
    `safe_now` (people safe or sheltered now: "人都没事", "暂住在亲戚家", "找回来了"; cues with `safe: lower`) and
    `under_care` (in hospital being treated: "住院", "在ICU", blocked by "不给治", "先交钱才", "抢救"; cues with
    `care: lower` — the hospital has the medical emergency, the money is 急难, 24 hours)."""

    label: str
    markers: list[str] = Field(min_length=1)
    blockers: list[str] = []


class ThirdPartySpec(_Spec):
    label: str
    markers: list[str] = Field(min_length=1)


class AssistanceKind(_Spec):
    name: str
    parent: str | None = None


class CueSpec(_Spec):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    level: Urgency
    label: str
    any: list[str] = []
    all: list[list[str] | str] = []
    within: int | None = Field(default=None, gt=0)
    departments: list[str] = []
    assistance: list[str] = []
    safety: list[str] = []
    past: Literal["lower", "keep"] | None = None   # default: lower when the level is in past.lowers
    context: Literal["apply", "keep"] = "apply"    # keep: worry words and policy questions do not take it away
    safe: Literal["lower", "keep"] = "keep"        # lower: "people are safe now" lowers it one level
    care: Literal["lower", "keep"] = "keep"        # lower: "in hospital, being treated" lowers it one level
    unless: list[str] = []                         # the cue does not hold when any of these is in the text

    @model_validator(mode="after")
    def _one_shape(self) -> "CueSpec":
        if self.level == Urgency.NORMAL and self.past == "lower":
            raise ValueError("a normal cue cannot be lowered by `past`")
        if bool(self.any) == bool(self.all):
            raise ValueError("a cue needs exactly one of `any` (patterns) or `all` (two or more pattern lists)")
        if self.all and len(self.all) < 2:
            raise ValueError("`all` needs at least two pattern lists")
        return self


class RouteSpec(_Spec):
    department: str
    patterns: list[str] = Field(min_length=1)
    assistance: list[str] = []


class ClarifySpec(_Spec):
    """Texts too thin to judge ("家里出事了"): the chat asks one question instead of guessing normal."""

    label: str
    question: str
    max_chars: int = Field(gt=0, le=60)
    patterns: list[str] = Field(min_length=1)


class LearnedSpec(_Spec):
    """How the learned classifier's probabilities become a level and departments (triage/learned.py)."""

    label: str
    emergency_at: float = Field(gt=0, lt=1)      # P(emergency) from which the reading is emergency
    urgent_at: float = Field(gt=0, lt=1)         # P(urgent) + P(emergency) from which it is at least urgent
    department_at: float = Field(gt=0, lt=1)     # P(department) from which a department is added
    # when the rules found the danger words out of the present (negated, past, worried about, asked about, people
    # safe now), the classifier, which cannot read that context, needs this much P(emergency) to call it one
    context_emergency_at: float | None = Field(default=None, gt=0, lt=1)
    min_chars: int = Field(default=6, ge=1, le=50)   # Chinese characters a text needs before the model reads it


class RulesFile(_Spec):
    version: int
    lead_department: str
    default_reason: str
    level_assistance: dict[Urgency, list[str]] = {}
    default_safety: dict[Urgency, list[str]] = {}
    negation: NegationSpec
    past: PastSpec
    hypothetical: HypotheticalSpec | None = None
    fiction: FictionSpec | None = None
    enquiry: EnquirySpec | None = None
    safe_now: TextMarkersSpec | None = None
    under_care: TextMarkersSpec | None = None
    third_party: ThirdPartySpec
    assistance: list[AssistanceKind] = Field(min_length=1)
    lexicons: dict[str, list[str]] = {}
    cues: list[CueSpec] = Field(min_length=1)
    routing: list[RouteSpec] = []
    clarify: ClarifySpec | None = None
    learned: LearnedSpec | None = None


# ---- the compiled rules that classify() uses ----

@dataclass(frozen=True)
class Terms:
    """One list of patterns (plain words and `re:` regexes) compiled into a single alternation."""

    patterns: tuple[str, ...]
    regex: re.Pattern[str]

    def finditer(self, text: str) -> list[re.Match[str]]:
        return [m for m in self.regex.finditer(text) if m.end() > m.start()]


@dataclass(frozen=True)
class Cue:
    id: str
    level: Urgency
    label: str
    parts: tuple[Terms, ...]          # one for `any`, several for `all` (each must match)
    within: int | None                # `all`: the matched pieces must lie within this many characters
    past_lowers: bool                 # a nearby past/chronic/future marker lowers this cue by one level
    context_applies: bool             # worry words and policy questions take its pieces away
    safe_lowers: bool                 # "people are safe now" lowers this cue by one level
    care_lowers: bool                 # "in hospital, being treated" lowers this cue by one level
    unless: Terms | None              # anywhere in the text, these words mean the cue does not hold
    departments: tuple[str, ...]
    assistance: tuple[str, ...]
    safety: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    department: str
    terms: Terms
    assistance: tuple[str, ...]


@dataclass(frozen=True)
class Negation:
    words: Terms
    routing_words: Terms              # the narrower set that also cancels a routing word ("不是着火")
    window: Mapping[str, int]         # per negation word: characters it reaches forward
    pseudo: tuple[str, ...]
    terminators: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Past:
    markers: Terms                    # near a cue, same clause: "去年", "好几年"
    window: int
    resolved: Terms | None            # anywhere in the text: "已经处理了", "没事了"
    future: Terms | None              # near a cue, same clause: "下礼拜", "眼看着"
    label: str
    resolved_label: str
    future_label: str


@dataclass(frozen=True)
class Hypothetical:
    label: str
    words: Terms
    window: int


@dataclass(frozen=True)
class Fiction:
    label: str
    words: Terms
    speakers: Terms


@dataclass(frozen=True)
class Enquiry:
    label: str
    questions: Terms
    topics: Terms


@dataclass(frozen=True)
class TextMarkers:
    label: str
    markers: Terms
    blockers: Terms | None            # when one of these is in the text too, the markers do not count


@dataclass(frozen=True)
class Clarify:
    label: str
    question: str
    max_chars: int
    terms: Terms


@dataclass(frozen=True)
class LearnedThresholds:
    label: str
    emergency_at: float
    urgent_at: float
    department_at: float
    min_chars: int = 6
    context_emergency_at: float | None = None


@dataclass(frozen=True)
class TriageRules:
    source: str
    lead_department: str
    department_order: tuple[str, ...]           # registry order (jishijiu/data/departments.yaml)
    assistance_order: tuple[str, ...]
    assistance_parent: Mapping[str, str]
    level_assistance: Mapping[Urgency, tuple[str, ...]]
    default_reason: str
    default_safety: Mapping[Urgency, tuple[str, ...]]
    negation: Negation
    past: Past
    third_party_label: str
    third_party: Terms
    cues: tuple[Cue, ...]
    routes: tuple[Route, ...]
    clarify: Clarify | None = None
    learned: LearnedThresholds | None = None
    hypothetical: Hypothetical | None = None
    fiction: Fiction | None = None
    enquiry: Enquiry | None = None
    safe_now: TextMarkers | None = None
    under_care: TextMarkers | None = None


def _compile(patterns: list[str], lexicons: Mapping[str, list[str]], path: Path, field: str,
             seen: frozenset[str] = frozenset()) -> Terms:
    plain: list[str] = []
    regexes: list[str] = []
    for i, pattern in enumerate(patterns):
        where = f"{field}[{i}]"
        if pattern.startswith(LEXICON_PREFIX):
            name = pattern[len(LEXICON_PREFIX):]
            if name not in lexicons:
                raise RulesError(path, where, f"未定义的词表 {pattern}（可用：{', '.join(sorted(lexicons))}）")
            if name in seen:
                raise RulesError(path, where, f"词表循环引用：{pattern}")
            inner = _compile(lexicons[name], lexicons, path, f"lexicons.{name}", seen | {name})
            plain.extend(p for p in inner.patterns if not p.startswith(REGEX_PREFIX))
            regexes.extend(p[len(REGEX_PREFIX):] for p in inner.patterns if p.startswith(REGEX_PREFIX))
        elif pattern.startswith(REGEX_PREFIX):
            body = pattern[len(REGEX_PREFIX):]
            try:
                re.compile(body)
            except re.error as exc:
                raise RulesError(path, where, f"正则表达式有误：{exc}") from exc
            regexes.append(body)
        else:
            word = normalise(pattern)
            if not word or " " in word:
                raise RulesError(path, where, f"词语 {pattern!r} 为空或含标点、空格（这些在匹配前会被去掉）")
            plain.append(word)
    if not plain and not regexes:
        raise RulesError(path, field, "词表为空")
    plain = sorted(set(plain), key=lambda w: (-len(w), w))
    alternatives = regexes + [re.escape(w) for w in plain]
    source = tuple(REGEX_PREFIX + r for r in regexes) + tuple(plain)
    return Terms(source, re.compile("|".join(f"(?:{a})" for a in alternatives)))


def _check_name(name: str, allowed: tuple[str, ...], path: Path, field: str, what: str) -> str:
    if name not in allowed:
        raise RulesError(path, field, f"未知的{what} {name!r}（可用：{', '.join(allowed)}）")
    return name


def _check_names(names: list[str], allowed: tuple[str, ...], path: Path, field: str, what: str) -> tuple[str, ...]:
    return tuple(_check_name(name, allowed, path, f"{field}[{i}]", what) for i, name in enumerate(names))


def build_rules(spec: RulesFile, path: Path) -> TriageRules:
    """Compile a validated rules file; cross-references (lexicons, departments, assistance) are checked here."""
    departments = tuple(d.id for d in all_departments())
    kinds = tuple(k.name for k in spec.assistance)
    parent = {}
    for i, kind in enumerate(spec.assistance):
        if kind.parent is not None:
            _check_name(kind.parent, kinds, path, f"assistance[{i}].parent", "救助方式")
            parent[kind.name] = kind.parent
    if len(set(kinds)) != len(kinds):
        raise RulesError(path, "assistance", "救助方式名称重复")
    _check_name(spec.lead_department, departments, path, "lead_department", "部门")
    ids = [c.id for c in spec.cues]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise RulesError(path, "cues", f"线索组 id 重复：{dup}")
    cues = []
    for i, c in enumerate(spec.cues):
        field = f"cues[{i}]"
        if c.any:
            parts = (_compile(c.any, spec.lexicons, path, f"{field}.any"),)
        else:
            parts = tuple(
                _compile([p] if isinstance(p, str) else p, spec.lexicons, path, f"{field}.all[{j}]")
                for j, p in enumerate(c.all))
        cues.append(Cue(
            id=c.id, level=c.level, label=c.label, parts=parts, within=c.within,
            past_lowers=(c.past == "lower") if c.past else c.level in spec.past.lowers,
            context_applies=c.context == "apply",
            safe_lowers=c.safe == "lower",
            care_lowers=c.care == "lower",
            unless=_compile(c.unless, spec.lexicons, path, f"{field}.unless") if c.unless else None,
            departments=_check_names(c.departments, departments, path, f"{field}.departments", "部门"),
            assistance=_check_names(c.assistance, kinds, path, f"{field}.assistance", "救助方式"),
            safety=tuple(c.safety)))
    routes = tuple(
        Route(department=_check_name(r.department, departments, path, f"routing[{i}].department", "部门"),
              terms=_compile(r.patterns, spec.lexicons, path, f"routing[{i}].patterns"),
              assistance=_check_names(r.assistance, kinds, path, f"routing[{i}].assistance", "救助方式"))
        for i, r in enumerate(spec.routing))
    level_assistance = {
        level: _check_names(names, kinds, path, f"level_assistance.{level.value}", "救助方式")
        for level, names in spec.level_assistance.items()}
    n = spec.negation
    return TriageRules(
        source=str(path),
        lead_department=spec.lead_department,
        department_order=departments,
        assistance_order=kinds,
        assistance_parent=parent,
        level_assistance=level_assistance,
        default_reason=spec.default_reason,
        default_safety={level: tuple(s) for level, s in spec.default_safety.items()},
        negation=Negation(
            words=_compile(list(n.words), {}, path, "negation.words"),
            routing_words=_compile(n.routing_words, {}, path, "negation.routing_words"),
            window={normalise(w): k for w, k in n.words.items()},
            pseudo=tuple(normalise(p) for p in n.pseudo),
            terminators=tuple(normalise(t) for t in n.terminators),
            label=n.label),
        past=Past(markers=_compile(spec.past.markers, {}, path, "past.markers"), window=spec.past.window,
                  resolved=_compile(spec.past.resolved, {}, path, "past.resolved") if spec.past.resolved else None,
                  future=_compile(spec.past.future, {}, path, "past.future") if spec.past.future else None,
                  label=spec.past.label, resolved_label=spec.past.resolved_label,
                  future_label=spec.past.future_label),
        third_party_label=spec.third_party.label,
        third_party=_compile(spec.third_party.markers, {}, path, "third_party.markers"),
        cues=tuple(cues),
        routes=routes,
        clarify=Clarify(label=spec.clarify.label, question=spec.clarify.question, max_chars=spec.clarify.max_chars,
                        terms=_compile(spec.clarify.patterns, spec.lexicons, path, "clarify.patterns"))
        if spec.clarify else None,
        learned=LearnedThresholds(**spec.learned.model_dump()) if spec.learned else None,
        hypothetical=Hypothetical(label=h.label, words=_compile(h.words, {}, path, "hypothetical.words"),
                                  window=h.window) if (h := spec.hypothetical) else None,
        fiction=Fiction(label=f.label, words=_compile(f.words, {}, path, "fiction.words"),
                        speakers=_compile(f.speakers, {}, path, "fiction.speakers")) if (f := spec.fiction) else None,
        enquiry=Enquiry(label=e.label, questions=_compile(e.questions, {}, path, "enquiry.questions"),
                        topics=_compile(e.topics, spec.lexicons, path, "enquiry.topics")) if (e := spec.enquiry) else None,
        safe_now=_text_markers(spec.safe_now, spec.lexicons, path, "safe_now"),
        under_care=_text_markers(spec.under_care, spec.lexicons, path, "under_care"),
    )


def _text_markers(spec: TextMarkersSpec | None, lexicons: Mapping[str, list[str]], path: Path,
                  field: str) -> TextMarkers | None:
    if spec is None:
        return None
    return TextMarkers(label=spec.label, markers=_compile(spec.markers, lexicons, path, f"{field}.markers"),
                       blockers=_compile(spec.blockers, lexicons, path, f"{field}.blockers") if spec.blockers else None)


def load_rules(path: Path | str | None = None) -> TriageRules:
    """Load and validate triage rules (default: triage/rules.yaml); raises RulesError naming file and field."""
    file = Path(path) if path is not None else RULES_FILE
    return build_rules(load_model(file, RulesFile), file)
