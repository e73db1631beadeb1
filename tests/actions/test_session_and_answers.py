"""action_session_start (metadata → channel, QR place), action_set_on_behalf and action_answer_policy."""
import pytest

from tests.actions.calls import run, slots_set
from tests.cases.fixtures import VILLAGE

pytestmark = pytest.mark.anyio


async def test_session_start_takes_channel_and_village_from_the_metadata(executor, action_runtime) -> None:
    metadata = {"channel": "wechat", "village_code": VILLAGE}
    events, _ = await run(executor, "action_session_start", slots={"session_started_metadata": metadata})
    assert events[0]["event"] == "session_started" and events[-1] == {"event": "action", "name": "action_listen",
                                                                       **{k: events[-1][k] for k in events[-1]
                                                                          if k not in ("event", "name")}}
    assert slots_set(events) == {"channel": "wechat", "village_code": VILLAGE, "location_code": VILLAGE,
                                 "location_label": "任城区 示例街道 示例社区"}


async def test_session_start_ignores_unknown_channels_and_villages(executor, action_runtime) -> None:
    events, _ = await run(executor, "action_session_start", metadata={"channel": "fax", "village_code": "999"})
    assert slots_set(events) == {}


async def test_report_for_other_presets_the_application(executor, action_runtime) -> None:
    events, _ = await run(executor, "action_set_on_behalf", text="我想替邻居申请", intent="report_for_other")
    assert slots_set(events) == {"applies_for": "other"}


async def test_policy_answer_cites_its_source(executor, action_runtime) -> None:
    _, replies = await run(executor, "action_answer_policy", text="低保怎么申请", intent="ask_policy")
    assert "依据：" in replies[0]


async def test_unsure_policy_answer_offers_people(executor, action_runtime) -> None:
    result = await executor.run(__import__("tests.actions.calls", fromlist=["action_call"]).action_call(
        "action_answer_policy", text="火星移民补贴怎么领", intent="ask_policy"))
    reply = result.responses[0]
    assert "12345" in reply["text"] and "转人工" in reply["text"]
    assert reply["buttons"] == [{"title": "转人工", "payload": "/request_human"}]
