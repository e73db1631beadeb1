"""validate_application_form through rasa-sdk's executor: 身份证号/phone via the vault, places, households, flow."""
import pytest

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.application_form import ValidateApplicationForm
from tests.actions.calls import DOMAIN, SENDER, action_call, run, slots_set
from tests.cases.fixtures import ID_NUMBER, PHONE, id_number

pytestmark = pytest.mark.anyio
FORM = "validate_application_form"


async def _validate(executor, slot: str, text: str, **slots):  # noqa: ANN001, ANN202
    return await run(executor, FORM, text=text, slots=slots, candidates={slot: text}, active_loop="application_form")


async def test_id_number_is_revealed_from_the_vault_and_only_the_token_is_kept(executor, action_runtime,
                                                                              vault) -> None:
    text = await vault.mask(SENDER, f"我的身份证号是{ID_NUMBER}")
    assert ID_NUMBER not in text
    events, replies = await _validate(executor, "id_number", text)
    assert slots_set(events)["id_number"] == "3708**********1236"
    assert replies == [] and ID_NUMBER not in str(events)


@pytest.mark.parametrize(("typed", "message"), [
    (ID_NUMBER[:-1], "身份证号应为18位"),                                   # 17 characters: vaulted, then refused
    (ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1"), "校验位不对"),
    (id_number(birth="19900231"), "出生日期不存在"),
    ("12345678", "身份证号应为18位"),                                       # too short to be vaulted
])
async def test_invalid_id_numbers_are_refused_in_chinese(executor, action_runtime, vault, typed: str,
                                                         message: str) -> None:
    text = await vault.mask(SENDER, typed)
    events, replies = await _validate(executor, "id_number", text)
    assert slots_set(events)["id_number"] is None
    assert len(replies) == 1 and message in replies[0]
    assert slots_set(events)["requested_slot"] == "situation"        # the form asks again, from the first gap


async def test_a_token_that_is_not_in_the_vault_is_asked_again(executor, action_runtime) -> None:
    events, replies = await _validate(executor, "id_number", "3708**********1236")
    assert slots_set(events)["id_number"] is None and "再完整输入一次" in replies[0]


async def test_a_clear_number_that_slipped_through_is_vaulted_and_masked(executor, action_runtime, vault) -> None:
    spaced = f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}"
    events, _ = await _validate(executor, "id_number", spaced)
    token = slots_set(events)["id_number"]
    assert token == "3708**********1236" and await vault.reveal(SENDER, token) == ID_NUMBER


async def test_phone_from_the_vault_and_a_wrong_phone(executor, action_runtime, vault) -> None:
    events, _ = await _validate(executor, "phone", await vault.mask(SENDER, f"电话{PHONE}"))
    assert slots_set(events)["phone"] == "138****5678"
    events, replies = await _validate(executor, "phone", "0537-1234567")
    assert slots_set(events)["phone"] is None and "手机号应为11位" in replies[0]


async def test_refused_consent_needs_no_more_answers(executor, action_runtime) -> None:
    events, _ = await _validate(executor, "consent", False, situation="家里老人住院没钱")
    assert slots_set(events) == {"consent": False, "requested_slot": None}


async def test_consent_in_words(executor, action_runtime) -> None:
    events, _ = await _validate(executor, "consent", "行，同意", situation="家里老人住院没钱")
    assert slots_set(events)["consent"] is True and slots_set(events)["requested_slot"] == "applies_for"
    events, replies = await _validate(executor, "consent", "你好", situation="家里老人住院没钱")
    assert slots_set(events)["consent"] is None and replies


async def test_applying_for_someone_else_asks_their_consent(executor, action_runtime) -> None:
    base = {"situation": "邻居老人瘫痪在床", "consent": True}
    events, _ = await _validate(executor, "applies_for", "帮我妈申请", **base)
    assert slots_set(events)["applies_for"] == "other"
    # every domain slot is required: the SDK leaves the next question to Rasa's form, in the domain's order
    assert "requested_slot" not in slots_set(events)
    tracker = Tracker.from_dict(action_call(FORM, slots={**base, "applies_for": "other"})["tracker"])
    required = await ValidateApplicationForm().required_slots(DOMAIN["forms"]["application_form"]["required_slots"],
                                                              CollectingDispatcher(), tracker, DOMAIN)
    assert required[:4] == ["situation", "consent", "applies_for", "on_behalf_consent"]
    events, _ = await _validate(executor, "applies_for", "self", **base)
    assert slots_set(events)["requested_slot"] == "applicant_name"
    events, _ = await _validate(executor, "on_behalf_consent", False, applies_for="other", **base)
    assert slots_set(events)["requested_slot"] is None


@pytest.mark.parametrize(("said", "code", "label"), [
    ("任城区", "370811", "任城区"),
    ("俺在邹城", "370883", "邹城市"),
    ("任城区示例街道", "370811001", "任城区 示例街道"),
    ("曲阜文化示范区", "JN-Z04", "曲阜文化建设示范区"),
])
async def test_places_in_words_resolve_to_divisions(executor, action_runtime, said: str, code: str,
                                                    label: str) -> None:
    events, _ = await _validate(executor, "location_code", said)
    assert slots_set(events)["location_code"] == code and slots_set(events)["location_label"] == label


@pytest.mark.parametrize(("said", "message"), [("火星", "没在济宁市"), ("示例街道", "有多处")])
async def test_unknown_or_ambiguous_places_are_asked_again(executor, action_runtime, said: str,
                                                           message: str) -> None:
    events, replies = await _validate(executor, "location_code", said)
    assert slots_set(events)["location_code"] is None and message in replies[0]


@pytest.mark.parametrize(("said", "size"), [("四口人", 4.0), ("3个人", 3.0), ("就俺一个", 1.0), ("两口子", 2.0),
                                             ("家里一共5个", 5.0), ("十二口人", 12.0)])
async def test_household_sizes_in_words(executor, action_runtime, said: str, size: float) -> None:
    events, replies = await _validate(executor, "household_size", said)
    assert slots_set(events)["household_size"] == size and replies == []


@pytest.mark.parametrize("said", ["25口人", "0", "不知道"])
async def test_household_sizes_out_of_range_or_unclear(executor, action_runtime, said: str) -> None:
    events, replies = await _validate(executor, "household_size", said)
    assert slots_set(events)["household_size"] is None and len(replies) == 1


@pytest.mark.parametrize(("said", "kind"), [("医疗", "医疗"), ("看病没钱", "医疗"), ("孩子上学交不起学费", "教育"),
                                             ("房子塌了", "受灾"), ("失业了", "就业"), ("残疾", "残疾")])
async def test_kinds_of_difficulty(executor, action_runtime, said: str, kind: str) -> None:
    events, _ = await _validate(executor, "difficulty_kind", said)
    assert slots_set(events)["difficulty_kind"] == kind


async def test_a_preset_place_is_not_asked(executor, action_runtime) -> None:
    filled = {"situation": "生病", "consent": True, "applies_for": "self", "applicant_name": "张三",
              "id_number": "3708**********1236", "phone": "138****5678", "location_code": "370811001001",
              "location_label": "任城区 示例街道 示例社区"}
    events, _ = await run(executor, FORM, text="4口人", slots=filled, candidates={"household_size": "4口人"},
                          active_loop="application_form")
    assert slots_set(events)["requested_slot"] == "difficulty_kind"


async def test_names_are_cleaned_and_checked(executor, action_runtime) -> None:
    events, _ = await _validate(executor, "applicant_name", "我叫张三。")
    assert slots_set(events)["applicant_name"] == "张三"
    events, replies = await _validate(executor, "applicant_name", "张3")
    assert slots_set(events)["applicant_name"] is None and "姓名" in replies[0]
    events, replies = await _validate(executor, "applicant_name", "我要申请救助")
    assert slots_set(events)["applicant_name"] is None and "姓名" in replies[0]
    events, replies = await _validate(executor, "applicant_name", "嗯")            # a thin answer, not a name
    assert slots_set(events)["applicant_name"] is None and "姓名" in replies[0]


async def test_withdrawing_at_the_read_back_ends_the_form_and_files_nothing(executor, action_runtime) -> None:
    events, _ = await _validate(executor, "application_confirmed", "先别交了，俺不申请了，俺再跟孩子们商量商量")
    assert slots_set(events)["application_confirmed"] is False
    events, replies = await _validate(executor, "application_confirmed", "有误要改")
    assert slots_set(events)["application_confirmed"] is None        # a correction keeps the form open


async def test_the_gateways_emergency_trigger_makes_the_form_step_aside(executor, action_runtime) -> None:
    trigger = '/report_emergency{"emergency_situation": "我妈晕倒了叫不醒"}'
    events, replies = await run(executor, FORM, text=trigger, intent="report_emergency",
                                entities=[{"entity": "emergency_situation", "value": "我妈晕倒了叫不醒"}],
                                slots={"situation": "生病", "consent": True}, candidates={"applicant_name": trigger},
                                active_loop="application_form")
    assert events[-1]["event"] == "action_execution_rejected" and events[-1]["name"] == "application_form"
    assert slots_set(events) == {"applicant_name": None} and replies == []


async def test_words_that_sound_urgent_still_answer_the_question(executor, action_runtime) -> None:
    said = "家里老人得了重病住院，花了很多钱，日子过不下去了"
    events, _ = await run(executor, FORM, text=said, intent="report_emergency", candidates={"situation": said},
                          active_loop="application_form")
    assert slots_set(events)["situation"] == said
