from nlu.normalise import normalise


def test_traditional_becomes_simplified() -> None:
    assert normalise("低保怎麼申請") == "低保怎么申请"


def test_full_width_becomes_half_width_and_lower_case() -> None:
    assert normalise("ＡＢＣ１２３４５") == "abc12345"


def test_punctuation_and_spaces_collapse_to_one_space() -> None:
    assert normalise("  低保，咋申请？？  要去哪\u3000办！") == "低保 咋申请 要去哪 办"


def test_long_repeats_are_shortened() -> None:
    assert normalise("哈哈哈哈哈哈哈哈") == "哈哈哈"
