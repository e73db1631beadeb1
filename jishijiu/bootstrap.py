"""The composition root: builds the long-lived components from settings."""
from __future__ import annotations

from pathlib import Path

from nlu.lexicon import load_lexicon
from nlu.tokenise import Tokeniser
from policies_kb.loader import load_kb
from policies_kb.retriever import Retriever, TextAnalyser


def build_retriever(kb_dir: Path) -> Retriever:
    lexicon = load_lexicon()
    analyser = TextAnalyser(lexicon, Tokeniser(extra_terms=lexicon.terms))
    return Retriever(load_kb(kb_dir), analyser)
