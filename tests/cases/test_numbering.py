"""Case numbers: JSJ-YYYYMMDD-NNNN in Asia/Shanghai, unique and gap-free under concurrent submissions."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from cases.numbering import case_day, format_case_number, is_case_number
from cases.service import submit_case
from tests.cases.fixtures import application, triage

THREADS = 20


def test_day_is_taken_in_shanghai() -> None:
    assert str(case_day(datetime(2025, 1, 1, 15, 59, tzinfo=timezone.utc))) == "2025-01-01"
    assert str(case_day(datetime(2025, 1, 1, 16, 0, tzinfo=timezone.utc))) == "2025-01-02"
    assert format_case_number(case_day(datetime(2025, 1, 1, 16, 0, tzinfo=timezone.utc)), 7) == "JSJ-20250102-0007"
    assert format_case_number(case_day(datetime(2025, 1, 1, tzinfo=timezone.utc)), 12345) == "JSJ-20250101-12345"
    assert is_case_number("JSJ-20250102-0007") and not is_case_number("JSJ-2025012-0007")


def _submit_concurrently(session_factory, cipher, divisions, moments) -> list[str]:  # noqa: ANN001
    def one(i_now: tuple[int, datetime]) -> str:
        i, now = i_now
        return submit_case(session_factory, application(user=f"u{i}"), triage(now), now, cipher=cipher,
                           divisions=divisions)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, enumerate(moments)))


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_concurrent_submissions_get_unique_sequential_numbers(backend, request, cipher, divisions) -> None:
    factory = request.getfixturevalue("session_factory" if backend == "postgresql" else "sqlite_session_factory")
    late_evening = datetime(2025, 1, 1, 15, 59, 58, tzinfo=timezone.utc)        # 23:59:58 in Jining
    moments = [late_evening + timedelta(seconds=(i % 2) * 4) for i in range(2 * THREADS)]
    numbers = _submit_concurrently(factory, cipher, divisions, moments)
    assert len(set(numbers)) == len(numbers)
    for day, count in (("20250101", THREADS), ("20250102", THREADS)):
        serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith(f"JSJ-{day}-"))
        assert serials == list(range(1, count + 1)), day
