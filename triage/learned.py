"""The learned half of triage: a classifier trained on how residents, neighbours and hotline agents describe
trouble (triage/corpus/*.yaml), for what the reviewable rules cannot enumerate.

scikit-learn only, trained locally in a second or two from the YAML corpus (nothing is downloaded): character
1–3-grams of the normalised text (typos, dialect and traditional characters survive them) weighted by TF-IDF,
a multinomial logistic regression for the level and one logistic regression per department. Deterministic:
the same corpus gives the same model. The thresholds that turn probabilities into a level live in rules.yaml.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from jishijiu.departments import by_name as departments_by_name
from nlu.normalise import normalise
from triage.errors import RulesError
from triage.yamlfile import SAFE_LOADER
from triage.rules import LearnedThresholds, Urgency

log = logging.getLogger(__name__)
CORPUS_DIR = Path(__file__).with_name("corpus")
SCORED_SETS = Path(__file__).with_name("scored_sets.yaml")   # frozen eval sets already scored once: level labels
MIN_DEPARTMENT_EXAMPLES = 8        # a department with fewer positive examples gets no classifier
LEVELS = tuple(Urgency)            # normal, urgent, emergency
LEVEL_C = 8.0                      # inverse regularisation, chosen by cross-validation (python -m triage.tuning)
DEPARTMENT_C = 4.0


class CorpusItem(BaseModel):
    """One labelled situation as written in the corpus files."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    t: str = Field(min_length=2, max_length=2000)
    level: Urgency
    depts: list[str] = []


class ScoredItem(BaseModel):
    """One item of a frozen evaluation set (eval/triage_unseen*.yaml): accepted levels, the most likely first."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    t: str = Field(min_length=1, max_length=2000)
    ok: list[Urgency] = Field(min_length=1)
    dept: str | None = None


class ScoredSets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sets: list[str]


@dataclass(frozen=True)
class Example:
    text: str
    level: Urgency
    departments: tuple[str, ...] | None   # department ids; None: labelled for the level only


@dataclass(frozen=True)
class LearnedReading:
    """The classifier's view of one text: a probability per level and per department id."""

    levels: Mapping[Urgency, float]
    departments: Mapping[str, float]

    def level(self, thresholds: LearnedThresholds) -> Urgency:
        """The more urgent reading wins: emergency from `emergency_at`, urgent from `urgent_at` (urgent + emergency)."""
        p_emergency = self.levels[Urgency.EMERGENCY]
        if p_emergency >= thresholds.emergency_at:
            return Urgency.EMERGENCY
        if p_emergency + self.levels[Urgency.URGENT] >= thresholds.urgent_at:
            return Urgency.URGENT
        return Urgency.NORMAL

    def chosen_departments(self, thresholds: LearnedThresholds) -> tuple[str, ...]:
        return tuple(d for d, p in self.departments.items() if p >= thresholds.department_at)


def load_corpus(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every *.yaml file of the corpus, validated; RulesError names the file and the item."""
    names = departments_by_name()
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or []
        if not isinstance(raw, list):
            raise RulesError(path, "(file)", "语料文件应为列表")
        for i, item in enumerate(raw):
            try:
                parsed = CorpusItem.model_validate(item)
            except ValidationError as exc:
                raise RulesError(path, f"[{i}]", str(exc.errors()[0]["msg"])) from None
            unknown = [d for d in parsed.depts if d not in names]
            if unknown:
                raise RulesError(path, f"[{i}].depts", f"未知部门 {unknown}")
            examples.append(Example(parsed.t, parsed.level, tuple(names[d].id for d in parsed.depts)))
    return examples


def scored_set_paths(manifest: Path = SCORED_SETS) -> list[Path]:
    """The frozen sets the manifest lists, resolved (paths relative to it); [] without a manifest."""
    if not manifest.exists():
        return []
    try:
        listed = ScoredSets.model_validate(yaml.load(manifest.read_text(encoding="utf-8"), Loader=SAFE_LOADER))
    except ValidationError as exc:
        raise RulesError(manifest, "sets", str(exc.errors()[0]["msg"])) from None
    return [(manifest.parent / name).resolve() for name in listed.sets]


def load_scored_sets(manifest: Path = SCORED_SETS) -> list[Example]:
    """The frozen evaluation sets the manifest lists (paths relative to it), as level-only examples labelled with
    their most likely level. A set is listed only after its single scoring (docs/triage.md): from then on it is
    tuning data, and the next frozen set is the figure."""
    examples: list[Example] = []
    for path in scored_set_paths(manifest):
        if not path.is_file():          # an installed package without eval/: the corpus alone still trains
            log.warning("scored set %s listed in %s is missing: trained without it", path, manifest)
            continue
        for i, item in enumerate(yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or []):
            try:
                parsed = ScoredItem.model_validate(item)
            except ValidationError as exc:
                raise RulesError(path, f"[{i}]", str(exc.errors()[0]["msg"])) from None
            examples.append(Example(parsed.t, parsed.ok[0], None))
    return examples


def training_examples() -> list[Example]:
    """What the shipped classifier learns from: the corpus, then the scored frozen sets (levels only)."""
    return load_corpus() + load_scored_sets()


def fingerprint(examples: Iterable[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        depts = "-" if e.departments is None else ",".join(e.departments)
        digest.update(f"{e.text}\t{e.level}\t{depts}\n".encode())
    return digest.hexdigest()[:16]


class LearnedTriage:
    """A trained classifier; read() is pure and thread-safe (scikit-learn's predict_proba)."""

    def __init__(self, vectorizer: TfidfVectorizer, levels: LogisticRegression,
                 departments: Mapping[str, LogisticRegression], source: str) -> None:
        self._vectorizer = vectorizer
        self._levels = levels
        self._dept_ids = list(departments)
        self._dept_weights = np.column_stack([departments[d].coef_.ravel() for d in self._dept_ids]) \
            if departments else np.zeros((len(vectorizer.vocabulary_), 0))
        self._dept_bias = np.array([departments[d].intercept_[0] for d in self._dept_ids])
        self.source = source                 # corpus fingerprint, for reports

    def read(self, text: str) -> LearnedReading:
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str]) -> list[LearnedReading]:
        x = self._vectorizer.transform([normalise(t) for t in texts])
        level_p = self._levels.predict_proba(x)
        order = [Urgency(c) for c in self._levels.classes_]
        # one matrix product for every department: sigmoid(x·w + b), what predict_proba computes one by one
        dept_p_all = 1.0 / (1.0 + np.exp(-(x @ self._dept_weights + self._dept_bias)))
        dept_p = {d: np.asarray(dept_p_all[:, j]).ravel() for j, d in enumerate(self._dept_ids)}
        return [LearnedReading(levels={u: float(level_p[i, order.index(u)]) for u in LEVELS},
                               departments={d: float(p[i]) for d, p in dept_p.items()})
                for i in range(len(texts))]


def train(examples: Sequence[Example]) -> LearnedTriage:
    """Fit the vectoriser, the level model and one model per department with enough examples."""
    if len({e.level for e in examples}) < len(LEVELS):
        raise ValueError("the corpus needs examples of every level")
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vectorizer.fit_transform([normalise(e.text) for e in examples])
    levels = LogisticRegression(C=LEVEL_C, max_iter=3000, class_weight="balanced", solver="saga", random_state=0)
    levels.fit(x, [e.level.value for e in examples])
    departments: dict[str, LogisticRegression] = {}
    labelled = np.array([e.departments is not None for e in examples])   # level-only examples teach no routes
    x_routed = x[labelled]
    routed = [e.departments for e in examples if e.departments is not None]
    for dept in sorted({d for ds in routed for d in ds}):
        y = np.array([dept in ds for ds in routed])
        if y.sum() < MIN_DEPARTMENT_EXAMPLES or y.all():
            continue
        # the dual problem: far fewer examples than n-gram features, so it solves ~8x faster, same probabilities
        model = LogisticRegression(C=DEPARTMENT_C, class_weight="balanced", solver="liblinear", dual=True,
                                   random_state=0, max_iter=1000)
        model.fit(x_routed, y)
        departments[dept] = model
    return LearnedTriage(vectorizer, levels, departments, fingerprint(examples))


@lru_cache(maxsize=1)
def default_model() -> LearnedTriage | None:
    """The classifier trained on the shipped corpus and the scored sets, once per process; None when there is
    nothing to learn from."""
    examples = training_examples()
    if not examples:
        log.warning("triage corpus %s is empty: triage uses the rules only", CORPUS_DIR)
        return None
    return train(examples)
