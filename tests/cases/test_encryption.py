"""Personal data at rest: no clear ID number or phone in the database, lookup by keyed hash, typed wrong-key error."""
import base64
import os
import stat
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from cases.encryption import KEY_FILE_NAME, PersonalDataCipher, build_cipher, load_secret_key
from cases.errors import UndecryptableData
from cases.service import find_cases_by_id_number, find_cases_by_phone, get_case, reveal_applicant, submit_case
from jishijiu.settings import SettingsError, load_settings
from tests.cases.fixtures import ID_NUMBER, PHONE, application, id_number, triage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def test_raw_rows_hold_neither_id_number_nor_phone(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    with session_factory() as session:
        tables = ["cases", "case_events", "outbox_messages", "case_deadlines"]
        dumps = [repr(tuple(row)) for t in tables for row in session.execute(text(f"SELECT * FROM {t}"))]
        raw = session.execute(text("SELECT name_sealed, id_number_sealed, phone_sealed FROM cases")).one()
    everything = "\n".join(dumps)
    assert number in everything
    assert ID_NUMBER not in everything and PHONE not in everything and "张三" not in everything
    for sealed in raw:
        blob = bytes(sealed)
        assert ID_NUMBER.encode() not in blob and PHONE.encode() not in blob and "张三".encode() not in blob
    assert "3708**********1236" in everything and "138****5678" in everything


def test_lookup_by_hash_finds_the_case(session_factory, cipher, divisions) -> None:
    mine = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    other = submit_case(session_factory, application(id_no=id_number(seq="456"), phone="13900001111"),
                        triage(NOW), NOW, cipher=cipher, divisions=divisions)
    assert [c.case_number for c in find_cases_by_id_number(session_factory, ID_NUMBER, cipher=cipher)] == [mine]
    assert [c.case_number for c in find_cases_by_phone(session_factory, "+86 138-1234-5678", cipher=cipher)] == [mine]
    assert [c.case_number for c in find_cases_by_phone(session_factory, "13900001111", cipher=cipher)] == [other]
    other_key = PersonalDataCipher(os.urandom(32))
    assert find_cases_by_id_number(session_factory, ID_NUMBER, cipher=other_key) == []


def test_reveal_with_the_right_key_and_audit_event(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    applicant = reveal_applicant(session_factory, number, cipher=cipher, actor="staff:li", now=NOW)
    assert applicant.id_number.value == ID_NUMBER and applicant.phone.value == PHONE
    assert applicant.name.value == "张三" and "张三" not in repr(applicant)
    history = get_case(session_factory, number).history
    assert [e.action for e in history] == ["submitted", "personal_data_viewed"] and history[-1].actor == "staff:li"


def test_wrong_key_cannot_decrypt(session_factory, cipher, divisions) -> None:
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    with pytest.raises(UndecryptableData):
        reveal_applicant(session_factory, number, cipher=PersonalDataCipher(os.urandom(32)), actor="x", now=NOW)


def test_sealed_field_cannot_be_opened_as_another_field(cipher) -> None:
    sealed = cipher.seal(PHONE, "phone")
    assert cipher.open(sealed, "phone") == PHONE
    with pytest.raises(UndecryptableData):
        cipher.open(sealed, "id_number")
    with pytest.raises(UndecryptableData):
        cipher.open(sealed[:-1] + bytes([sealed[-1] ^ 1]), "phone")
    assert "key" in repr(cipher) and cipher.seal(PHONE, "phone") != sealed      # random nonce


def test_key_file_is_created_once_with_mode_0600(tmp_path) -> None:
    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path / "data")})
    first = load_secret_key(settings)
    path = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == 32
    assert load_secret_key(settings) == first
    sealed = build_cipher(settings).seal("x", "name")
    assert build_cipher(settings).open(sealed, "name") == "x"


def test_configured_key_wins_over_the_file(tmp_path) -> None:
    key = os.urandom(32)
    settings = load_settings({"JISHIJIU_DATA_DIR": str(tmp_path),
                              "JISHIJIU_SECRET_KEY": base64.urlsafe_b64encode(key).decode().rstrip("=")})
    assert load_secret_key(settings) == key and not (tmp_path / KEY_FILE_NAME).exists()


@pytest.mark.parametrize("value", ["short", base64.urlsafe_b64encode(os.urandom(16)).decode(), "!" * 44,
                                   base64.urlsafe_b64encode(os.urandom(33)).decode()])
def test_malformed_key_setting_is_named_and_not_echoed(value: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"JISHIJIU_SECRET_KEY": value})
    assert err.value.name == "JISHIJIU_SECRET_KEY" and value not in str(err.value)


def test_malformed_key_file_stops_start_up_naming_the_setting(tmp_path) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("not a key\n")
    with pytest.raises(SettingsError) as err:
        build_cipher(load_settings({"JISHIJIU_DATA_DIR": str(tmp_path)}))
    assert err.value.name == "JISHIJIU_SECRET_KEY" and KEY_FILE_NAME in str(err.value)
