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
