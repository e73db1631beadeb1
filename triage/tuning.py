"""How the learned classifier's thresholds in rules.yaml were chosen: k-fold cross-validation on the training
corpus, combined with the rules exactly as classify() combines them, plus the tuned evaluation set. Never the
frozen unseen set. Run: `python -m triage.tuning` (prints a table; docs/triage.md records the choice)."""
from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence

import numpy as np

from nlu.normalise import normalise
from triage.classify import _enough_to_read, classify
from triage.evaluation import Item, load_items
from triage import learned
from triage.learned import Example, LearnedReading, load_corpus, train
from triage.rules import LearnedThresholds, TriageRules, Urgency, load_rules
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


def combined(rule_level: Urgency, reading: LearnedReading | None, t: LearnedThresholds) -> Urgency:
    if reading is None:                      # too short for the model (classify's min_chars)
        return rule_level
    learned = reading.level(t)
    return learned if learned.rank > rule_level.rank else rule_level


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
    readings = [r if _enough_to_read(normalise(e.text), base.min_chars) else None
                for r, e in zip(cross_readings(examples), examples)]
    rule_levels = [classify(e.text, rules).urgency for e in examples]
    tuned: list[Item] = load_items(PROJECT_ROOT / "eval" / "triage.yaml")
    model = train(examples)
    tuned_readings = [r if _enough_to_read(normalise(i.text), base.min_chars) else None
                      for r, i in zip(model.read_many([i.text for i in tuned]), tuned)]
    tuned_rules = [classify(i.text, rules).urgency for i in tuned]
    print(f"corpus {len(examples)} examples, {FOLDS}-fold, C={learned.LEVEL_C}; tuned set {len(tuned)} items")
    print("emergency_at urgent_at | CV accepted under e-recall | tuned accepted under e-recall")
    for e_at in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        for u_at in (0.4, 0.5, 0.6):
            t = dataclasses.replace(base, emergency_at=e_at, urgent_at=u_at)
            cv = score([combined(r, x, t) for r, x in zip(rule_levels, readings)], [[e.level] for e in examples])
            tu = score([combined(r, x, t) for r, x in zip(tuned_rules, tuned_readings)], [i.ok for i in tuned])
            print(f"{e_at:12.2f} {u_at:9.2f} | {cv[0]:11.1%} {cv[1]:5.1%} {cv[2]:8.1%} |"
                  f" {tu[0]:14.1%} {tu[1]:5.1%} {tu[2]:8.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
