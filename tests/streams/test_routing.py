"""Stream names and routing from an outbox payload's audience (pure)."""
from streams.routing import NOTIFY_STREAM, SUPERVISOR_STREAM, consumer_streams, streams_for


def test_submission_goes_to_department_and_township_streams() -> None:
    payload = {"urgency": "urgent", "departments": ["minzheng", "yingji"], "township": "370811001",
               "audience": ["departments", "township"]}
    assert streams_for(payload) == ["jsj:dept:minzheng:urgent", "jsj:dept:yingji:urgent",
                                    "jsj:township:370811001:urgent"]


def test_supervisor_and_resident_audiences() -> None:
    payload = {"urgency": "emergency", "departments": ["minzheng"], "township": "370811",
               "audience": ["supervisor", "resident"]}
    assert streams_for(payload) == [SUPERVISOR_STREAM, NOTIFY_STREAM]


def test_consumer_reads_most_urgent_first() -> None:
    assert consumer_streams(department="minzheng", township="370811001") == [
        ["jsj:dept:minzheng:emergency", "jsj:township:370811001:emergency"],
        ["jsj:dept:minzheng:urgent", "jsj:township:370811001:urgent"],
        ["jsj:dept:minzheng:normal", "jsj:township:370811001:normal"],
    ]
