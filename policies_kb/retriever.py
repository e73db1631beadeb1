"""Ranks knowledge-base entries for a question: normalise, map synonyms, segment, TF-IDF cosine.

An entry's score blends its best-matching question variant with the entry as a whole (title, variants and
answer). Query words the knowledge base has never seen still count in the query's length, so a question that
is mostly about something else (weather, parcels, shopping) scores low instead of matching on one shared word.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.lexicon import Lexicon
from nlu.normalise import normalise
from nlu.tokenise import Tokeniser
from policies_kb.loader import KnowledgeBase
from policies_kb.schema import Entry
from jishijiu.departments import by_name as departments_by_name

VARIANT_WEIGHT = 0.35        # share of the score from the best variant; the rest from the whole entry


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float          # in [0, 1]


class TextAnalyser:
    """Text → features: content words plus character bigrams of the content."""

    def __init__(self, lexicon: Lexicon, tokeniser: Tokeniser) -> None:
        self.lexicon = lexicon
        self.tokeniser = tokeniser

    def features(self, text: str) -> list[str]:
        canonical = self.lexicon.apply(normalise(text))
        words = self.tokeniser.words(canonical)
        features = list(words)
        joined = "".join(words)
        features.extend("~" + joined[i:i + 2] for i in range(len(joined) - 1))
        return features


def departments_text(entry: Entry) -> list[str]:
    """'人社（人力资源和社会保障局）' for each department of the entry: questions ask who is in charge."""
    known = departments_by_name()
    return [f"{name}（{known[name].full_name}）" for name in entry.departments]


def _identity(features: list[str]) -> list[str]:
    return features


def _l2_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


class Retriever:
    """An index over the question variants and the whole text of every entry."""

    def __init__(self, kb: KnowledgeBase, analyser: TextAnalyser) -> None:
        self.kb = kb
        self.analyser = analyser
        variant_docs: list[list[str]] = []
        owners: list[int] = []
        entry_docs: list[list[str]] = []
        for index, entry in enumerate(kb.entries):
            entry_features: list[str] = []
            for text in (entry.title, *entry.questions):
                features = analyser.features(text)
                variant_docs.append(features)
                owners.append(index)
                entry_features.extend(features)
            entry_features.extend(analyser.features(entry.answer))
            entry_features.extend(analyser.features(" ".join(departments_text(entry))))
            entry_docs.append(entry_features)
        self._vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm=None)
        self._vectorizer.fit(variant_docs + entry_docs)
        self._idf = self._vectorizer.idf_
        self._oov_weight = float(self._idf.max())
        self._variants = _l2_rows(self._vectorizer.transform(variant_docs)).T.tocsr()
        self._entries = _l2_rows(self._vectorizer.transform(entry_docs)).T.tocsr()
        self._owners = np.asarray(owners)
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])

    def _query(self, text: str) -> tuple[list[int], np.ndarray] | None:
        """The query's features (columns) and TF-IDF weights (sublinear tf, like the index), normalised by a
        length that includes the words the index has never seen."""
        counts = Counter(self.analyser.features(text))
        vocabulary = self._vectorizer.vocabulary_
        columns, weights, unseen = [], [], 0.0
        for feature, n in counts.items():
            weight = 1.0 + np.log(n)
            column = vocabulary.get(feature)
            if column is None:
                unseen += (weight * self._oov_weight) ** 2
            else:
                columns.append(column)
                weights.append(weight * self._idf[column])
        if not columns:
            return None
        values = np.asarray(weights)
        return columns, values / np.sqrt(values @ values + unseen)

    @staticmethod
    def _dot(matrix: sparse.csr_matrix, columns: list[int], weights: np.ndarray, size: int) -> np.ndarray:
        """query · documents over the query's few features, straight from the CSR arrays (no scipy overhead)."""
        scores = np.zeros(size)
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        for column, weight in zip(columns, weights):
            start, end = indptr[column], indptr[column + 1]
            scores[indices[start:end]] += weight * data[start:end]
        return scores

    def rank(self, text: str, limit: int = 5) -> list[Hit]:
        """Best entries first."""
        query = self._query(text)
        if query is None:
            return []
        columns, weights = query
        variant_scores = np.maximum.reduceat(
            self._dot(self._variants, columns, weights, len(self._owners)), self._starts)
        entry_scores = self._dot(self._entries, columns, weights, len(self.kb.entries))
        scores = VARIANT_WEIGHT * variant_scores + (1 - VARIANT_WEIGHT) * entry_scores
        top = np.argsort(-scores, kind="stable")[:limit]
        return [Hit(self.kb.entries[i], float(scores[i])) for i in top if scores[i] > 0]
