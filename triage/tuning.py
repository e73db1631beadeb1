"""How the learned classifier's thresholds in rules.yaml were chosen: k-fold cross-validation on the training
corpus, combined with the rules exactly as classify() combines them, plus the tuned evaluation set. Never the
frozen unseen set. Run: `python -m triage.tuning` (prints a table; docs/triage.md records the choice)."""
from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence

import numpy as np

from triage.classify import classify
from triage.evaluation import Item, load_items
from triage import learned
from triage.learned import Example, LearnedReading, load_corpus, train
from triage.rules import TriageRules, Urgency, load_rules
from jishijiu.settings import PROJECT_ROOT

FOLDS = 5


def cross_readings(examples: Sequence[Example], folds: int = FOLDS) -> list[LearnedReading]:
    """Each example read by a model trained without its fold (deterministic folds, learned.LEVEL_C)."""
    order = np.random.default_rng(7).permutation(len(examples))
    readings: list[LearnedReading | None] = [None] * len(examples)
    for k in range(folds):
        held = set(order[k::folds].tolist())
        model = train([e for i, e in enumerate(examples) if i not in held])
        idx = sorted(held)
        for i, r in zip(idx, model.read_many([examples[i].text for i in idx])):
            readings[i] = r
    return [r for r in readings if r is not None]


@dataclasses.dataclass(frozen=True)
class _Fixed:
    """A stand-in for LearnedTriage that returns one precomputed (cross-validated) reading, so that the rules and
    the reading are combined by classify() itself, context thresholds included."""

    reading: LearnedReading

    def read(self, text: str) -> LearnedReading:
        return self.reading


def combined(text: str, reading: LearnedReading, rules: TriageRules) -> Urgency:
    return classify(text, rules, _Fixed(reading)).urgency  # type: ignore[arg-type]


def score(levels: Sequence[Urgency], accepted: Sequence[Sequence[Urgency]]) -> tuple[float, float, float]:
    """(accepted rate, under-triage rate, emergency recall)."""
    ok = sum(level in acc for level, acc in zip(levels, accepted))
    under = sum(level.rank < min(a.rank for a in acc) for level, acc in zip(levels, accepted))
    emergencies = [level for level, acc in zip(levels, accepted) if tuple(acc) == (Urgency.EMERGENCY,)]
    recall = sum(level is Urgency.EMERGENCY for level in emergencies) / len(emergencies) if emergencies else 1.0
    n = len(levels)
    return ok / n, under / n, recall


def main(argv: Sequence[str] = ()) -> int:
    rules: TriageRules = load_rules()
    base = rules.learned
    assert base is not None
    if argv:                                   # python -m triage.tuning 4.0: try another regularisation
        learned.LEVEL_C = float(argv[0])
    examples = load_corpus()
    readings = cross_readings(examples)
    tuned: list[Item] = load_items(PROJECT_ROOT / "eval" / "triage.yaml")
    tuned_readings = train(examples).read_many([i.text for i in tuned])
    print(f"corpus {len(examples)} examples, {FOLDS}-fold, C={learned.LEVEL_C}; tuned set {len(tuned)} items")
    print("emergency_at urgent_at context_at | CV accepted under e-recall | tuned accepted under e-recall")
    grid = [(e, u, base.context_emergency_at) for e in (0.25, 0.3, 0.35, 0.4, 0.5) for u in (0.5, 0.6)]
    grid += [(base.emergency_at, base.urgent_at, c) for c in (None, 0.5, 0.65, 0.8)]
    for e_at, u_at, c_at in grid:
        r = dataclasses.replace(rules, learned=dataclasses.replace(base, emergency_at=e_at, urgent_at=u_at,
                                                                  context_emergency_at=c_at))
        cv = score([combined(e.text, x, r) for x, e in zip(readings, examples)], [[e.level] for e in examples])
        tu = score([combined(i.text, x, r) for x, i in zip(tuned_readings, tuned)], [i.ok for i in tuned])
        print(f"{e_at:12.2f} {u_at:9.2f} {c_at or 0:10.2f} | {cv[0]:11.1%} {cv[1]:5.1%} {cv[2]:8.1%} |"
              f" {tu[0]:14.1%} {tu[1]:5.1%} {tu[2]:8.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
