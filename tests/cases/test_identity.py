"""身份证号 and mobile validation; value types never show personal data in clear."""
from datetime import date

import pytest

from cases.errors import InvalidIdNumber, InvalidName, InvalidPhone
from cases.identity import id_check_character, parse_id_number, parse_name, parse_phone
from tests.cases.fixtures import id_number

TODAY = date(2025, 6, 1)


def test_valid_id_number_is_accepted_and_normalised() -> None:
    value = id_number("19900101")
    assert parse_id_number(value, today=TODAY).value == value
    assert parse_id_number(f" {value[:6]} {value[6:14]} {value[14:]} ", today=TODAY).value == value
    full_width = value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_id_number(full_width, today=TODAY).value == value


def test_check_digit_x_in_either_case() -> None:
    first17 = next(p for p in (f"37081119850612{n:03d}" for n in range(1000)) if id_check_character(p) == "X")
    assert parse_id_number(first17 + "x", today=TODAY).value == first17 + "X"


def test_known_public_example_passes() -> None:
    # the check-digit example of GB 11643-1999
    assert parse_id_number("11010519491231002X", today=TODAY).birth_date == date(1949, 12, 31)


def test_wrong_check_digit() -> None:
    value = id_number()
    wrong = value[:17] + ("0" if value[17] != "0" else "1")
    with pytest.raises(InvalidIdNumber) as err:
        parse_id_number(wrong, today=TODAY)
    assert err.value.reason == "check_digit" and "校验位" in str(err.value)


@pytest.mark.parametrize("birth", ["19900230", "19901301", "18991231", "20250602", "20300101"])
def test_impossible_or_implausible_birth_date(birth: str) -> None:
    with pytest.raises(InvalidIdNumber) as err:
        parse_id_number(id_number(birth), today=TODAY)
    assert err.value.reason == "birth_date"


def test_birth_today_and_1900_are_accepted() -> None:
    assert parse_id_number(id_number("20250601"), today=TODAY)
    assert parse_id_number(id_number("19000101"), today=TODAY)


@pytest.mark.parametrize("raw", ["37081119900101123", "3708111990010112361", "370811900101123", ""])
def test_wrong_length(raw: str) -> None:
    with pytest.raises(InvalidIdNumber) as err:
        parse_id_number(raw, today=TODAY)
    assert err.value.reason == "length"


def test_letters_inside_are_refused() -> None:
    with pytest.raises(InvalidIdNumber) as err:
        parse_id_number("3708111990A1011236", today=TODAY)
    assert err.value.reason == "format"


def test_error_messages_never_repeat_the_number() -> None:
    value = id_number()[:17] + "0"
    with pytest.raises(InvalidIdNumber) as err:
        parse_id_number(value, today=TODAY)
    assert value not in str(err.value) and value[6:14] not in str(err.value)


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("138-1234-5678", "13812345678"),
    ("+86 13812345678", "13812345678"), ("19912345678", "19912345678"),
])
def test_valid_mobile(raw: str, expected: str) -> None:
    assert parse_phone(raw).value == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "23812345678", "0537-2211940", ""])
def test_invalid_mobile(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        parse_phone(raw)


def test_value_types_are_masked_in_repr_str_and_format() -> None:
    idn, phone, name = parse_id_number(id_number(), today=TODAY), parse_phone("13812345678"), parse_name("张三丰")
    for shown in (repr(idn), str(idn), f"{idn}", repr(phone), str(phone), f"{phone}", repr([idn, phone])):
        assert "370811199001011236" not in shown and "13812345678" not in shown
    assert str(idn) == "3708**********1236" and str(phone) == "138****5678"
    assert str(name) == "张**" and "张三丰" not in repr(name)


@pytest.mark.parametrize("raw", ["", "   ", "张3", "x" * 51])
def test_invalid_name(raw: str) -> None:
    with pytest.raises(InvalidName):
        parse_name(raw)
