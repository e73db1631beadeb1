"""The colloquial → policy-term synonym lexicon (nlu/synonyms.yaml) and its application to text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.normalise import normalise

SYNONYMS_FILE = Path(__file__).with_name("synonyms.yaml")


class LexiconError(ValueError):
    """The synonym file is malformed; the message names the file and the term."""


@dataclass(frozen=True)
class Lexicon:
    """Maps each colloquial variant to its canonical policy term."""

    canonical_of: dict[str, str]
    _pattern: re.Pattern[str] | None

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.canonical_of.values())

    def apply(self, normalised: str) -> str:
        """Rewrite variants to canonical terms, longest variant first; input must already be normalised."""
        if self._pattern is None:
            return normalised
        return self._pattern.sub(lambda m: self.canonical_of[m.group(0)], normalised)


def build_lexicon(mapping: dict[str, list[str]], origin: str = "<memory>") -> Lexicon:
    canonical_of: dict[str, str] = {}
    for canonical, variants in mapping.items():
        if not isinstance(canonical, str) or not canonical.strip():
            raise LexiconError(f"{origin}: canonical term {canonical!r} must be non-empty text (quote numbers)")
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise LexiconError(f"{origin}: term {canonical!r} needs a list of non-empty variants")
        for variant in variants:
            key = normalise(variant).replace(" ", "")
            previous = canonical_of.get(key)
            if previous is not None and previous != canonical:
                raise LexiconError(f"{origin}: variant {variant!r} maps to both {previous!r} and {canonical!r}")
            canonical_of[key] = canonical
        # The canonical term maps to itself, so '特困人员' is not rewritten again by its variant '特困'.
        canonical_of.setdefault(normalise(canonical).replace(" ", ""), canonical)
    if not canonical_of:
        return Lexicon({}, None)
    alternation = "|".join(re.escape(v) for v in sorted(canonical_of, key=len, reverse=True))
    return Lexicon(canonical_of, re.compile(alternation))


def load_lexicon(path: Path = SYNONYMS_FILE) -> Lexicon:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("synonyms"), dict):
        raise LexiconError(f"{path}: expected a mapping under `synonyms:`")
    return build_lexicon(raw["synonyms"], str(path))
