"""The composition root: builds the long-lived components from settings."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from jishijiu.settings import Settings
from nlu.lexicon import load_lexicon
from nlu.tokenise import Tokeniser
from policies_kb.loader import load_kb
from policies_kb.retriever import Retriever, TextAnalyser


def build_retriever(kb_dir: Path) -> Retriever:
    lexicon = load_lexicon()
    analyser = TextAnalyser(lexicon, Tokeniser(extra_terms=lexicon.terms))
    return Retriever(load_kb(kb_dir), analyser)


def rasa_token(settings: Settings) -> str:
    """What the gateway and Rasa share (Rasa's --auth-token and its channel's header): JISHIJIU_RASA_TOKEN, else
    derived from the deployment's secret key, so that every process holding the key (the gateway, `jishijiu eval
    dialogues`) knows it without it being written anywhere, and nothing else does."""
    if settings.rasa_token:
        return settings.rasa_token
    from cases.encryption import load_secret_key

    return hmac.new(load_secret_key(settings), b"jishijiu rasa token", hashlib.sha256).hexdigest()
