"""From a resident's words to a caseworker's stream: triage → case store → outbox relay → department consumer."""
from datetime import datetime

from cases.identity import parse_name, parse_phone
from cases.application import Applicant, Application
from cases.service import get_case, submit_case
from jishijiu.intake import case_triage
from streams.consumer import Consumer
from streams.relay import OutboxRelay
from tests.cases.fixtures import VILLAGE
from triage import CHINA_TZ, assess, default_triage

ARRIVED = datetime(2026, 12, 10, 9, 0, tzinfo=CHINA_TZ)


def test_urgent_case_reaches_the_medical_insurance_stream_with_its_deadlines(session_factory, cipher, divisions,
                                                                          redis_client) -> None:
    config = default_triage()
    text = "儿子查出肝癌，治病已经花了二十多万，家里一点钱都没有了，电话13812345678"
    assessment = assess(text, ARRIVED, config.rules, config.deadline_rules, config.calendar)
    application = Application(channel="webchat", channel_user_id="web-1",
                              applicant=Applicant(parse_name("李四"), None, parse_phone("13812345678")),
                              division_code=VILLAGE, situation=text)
    number = submit_case(session_factory, application, case_triage(assessment, ARRIVED, config), ARRIVED,
                         cipher=cipher, divisions=divisions)

    case = get_case(session_factory, number, now=ARRIVED)
    assert case.urgency.value == "urgent"
    due = {d.rule: d.due_at for d in case.deadlines}
    assert due["urgent"] == datetime(2026, 12, 11, 9, 0, tzinfo=CHINA_TZ)
    assert due["materials"] == datetime(2026, 12, 17, 23, 59, 59, tzinfo=CHINA_TZ)
    assert due["approval"] == datetime(2027, 1, 8, 23, 59, 59, tzinfo=CHINA_TZ)
    assert "13812345678" not in case.situation

    assert OutboxRelay(session_factory, redis_client).drain().published == 1
    messages = Consumer(redis_client, "caseworkers", department="yibao").read(count=10, block_ms=100)
    assert [m.case_number for m in messages] == [number]
