from nlu.masking import mask_id_number, mask_personal_data, mask_phone


def test_id_number_keeps_first_and_last_four() -> None:
    assert mask_id_number("370811199001011234") == "3708**********1234"


def test_phone_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_free_text_is_masked() -> None:
    text = "我叫张三，身份证37081119900101123X，电话138 1234 5678，家住任城区"
    masked = mask_personal_data(text)
    assert "37081119900101123X" not in masked and "3708**********123X" in masked
    assert "138****5678" in masked and "1234 5678" not in masked
    assert masked.endswith("家住任城区")


def test_ordinary_numbers_are_left_alone() -> None:
    assert mask_personal_data("低保标准880元，20个工作日") == "低保标准880元，20个工作日"


# ---- however a resident writes the number (issue 10): property-based, over many spellings -----------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cases.identity import id_check_character  # noqa: E402
from nlu.masking import find_personal_numbers  # noqa: E402

FULL_WIDTH = {str(i): chr(0xFF10 + i) for i in range(10)} | {"X": "Ｘ"}
SEPARATORS = st.sampled_from(["", " ", "-", ".", "·", "　", "－", "  "[:1]])
AROUND = st.sampled_from(["", "我的", "电话", "身份证号是", "sfz", "tel", "ID:", "号码：", "，", "abc", "（", "\n"])


@st.composite
def mobile(draw: st.DrawFn) -> str:
    return "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                          min_size=9, max_size=9)))


@st.composite
def id_number(draw: st.DrawFn) -> str:
    first17 = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=17, max_size=17)))
    return first17 + id_check_character(first17)


@st.composite
def written(draw: st.DrawFn, number: str) -> str:
    """The number as a resident might type it: in groups with separators, in full-width digits, or both."""
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=4)))
    pieces = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)])]
    sep = draw(SEPARATORS)
    text = sep.join(pieces)
    if draw(st.booleans()):
        text = "".join(FULL_WIDTH.get(ch, ch) for ch in text)
    return text


@settings(max_examples=300, deadline=None)
@given(data=st.data(), before=AROUND, after=AROUND)
def test_no_spelling_of_a_mobile_or_an_id_survives(data: st.DataObject, before: str, after: str) -> None:
    number = data.draw(st.one_of(mobile(), id_number()))
    token = mask_phone(number) if len(number) == 11 else mask_id_number(number)
    assert mask_personal_data(before + data.draw(written(number)) + after) == before + token + after


@settings(max_examples=200, deadline=None)
@given(phone=mobile(), idn=id_number(), sep=SEPARATORS)
def test_two_numbers_in_one_breath_are_both_found(phone: str, idn: str, sep: str) -> None:
    text = f"{phone[:3]}{sep}{phone[3:7]}{sep}{phone[7:]} {idn[:6]}{sep}{idn[6:14]}{sep}{idn[14:]}"
    assert [(f.kind, f.clear) for f in find_personal_numbers(text)] == [("phone", phone), ("id_number", idn)]
