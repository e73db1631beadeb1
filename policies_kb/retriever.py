"""Ranks knowledge-base entries for a question: normalise, map synonyms, segment, TF-IDF cosine over question variants."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.lexicon import Lexicon
from nlu.normalise import normalise
from nlu.tokenise import Tokeniser
from policies_kb.loader import KnowledgeBase
from policies_kb.schema import Entry


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float          # cosine similarity in [0, 1] of the best-matching question variant


class TextAnalyser:
    """Text → features: content words plus character bigrams inside each content word run."""

    def __init__(self, lexicon: Lexicon, tokeniser: Tokeniser) -> None:
        self.lexicon = lexicon
        self.tokeniser = tokeniser

    def features(self, text: str) -> list[str]:
        canonical = self.lexicon.apply(normalise(text))
        words = self.tokeniser.words(canonical)
        features = list(words)
        for word in words:
            if len(word) > 2:
                features.extend("#" + word[i:i + 2] for i in range(len(word) - 1))
        joined = "".join(words)
        features.extend("~" + joined[i:i + 2] for i in range(len(joined) - 1))
        return features


def _identity(features: list[str]) -> list[str]:
    return features


class Retriever:
    """An index over every question variant (and title) of every entry; scores are cosine similarities."""

    def __init__(self, kb: KnowledgeBase, analyser: TextAnalyser) -> None:
        self.kb = kb
        self.analyser = analyser
        docs: list[list[str]] = []
        owners: list[int] = []
        for index, entry in enumerate(kb.entries):
            for text in (entry.title, *entry.questions):
                docs.append(analyser.features(text))
                owners.append(index)
        self._vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
        self._matrix = self._vectorizer.fit_transform(docs).T.tocsr()     # features × docs
        self._owners = np.asarray(owners)
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])

    def rank(self, text: str, limit: int = 5) -> list[Hit]:
        """Best entries first; an entry scores as its best-matching variant."""
        query = self._vectorizer.transform([self.analyser.features(text)])
        if query.nnz == 0:
            return []
        doc_scores = (query @ self._matrix).toarray().ravel()
        entry_scores = np.maximum.reduceat(doc_scores, self._starts)
        top = np.argsort(-entry_scores, kind="stable")[:limit]
        return [
            Hit(self.kb.entries[int(self._owners[self._starts[i]])], float(entry_scores[i]))
            for i in top
            if entry_scores[i] > 0
        ]
