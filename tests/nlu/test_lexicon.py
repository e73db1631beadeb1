import pytest

from nlu.lexicon import LexiconError, build_lexicon, load_lexicon


def test_variants_map_to_the_canonical_term() -> None:
    lexicon = build_lexicon({"特困人员": ["五保户", "五保", "特困"]})
    assert lexicon.apply("俺是五保户") == "俺是特困人员"
    assert lexicon.apply("五保老人") == "特困人员老人"


def test_canonical_term_is_not_rewritten_by_its_own_variant() -> None:
    lexicon = build_lexicon({"特困人员": ["特困"]})
    assert lexicon.apply("特困人员怎么申请") == "特困人员怎么申请"


def test_a_variant_claimed_by_two_terms_is_an_error() -> None:
    with pytest.raises(LexiconError, match="五保"):
        build_lexicon({"特困人员": ["五保"], "低保": ["五保"]})


def test_project_lexicon_loads_and_rewrites_colloquial_terms() -> None:
    lexicon = load_lexicon()
    assert lexicon.apply("吃低保咋申请") == "低保咋申请"
    assert "法律援助" in lexicon.apply("没钱请律师")
    assert "特困人员" in lexicon.terms
