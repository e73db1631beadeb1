"""Keys (issue 10): sealed values name their key; a database refuses a key it does not know; keys rotate."""
from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from cases.encryption import PersonalDataCipher, _V1, build_cipher, load_secret_key
from cases.errors import UndecryptableData
from cases.keys import KeyMismatch, check_key, rotate
from cases.service import find_cases_by_phone, reveal_applicant, submit_case
from jishijiu.settings import Settings, SettingsError
from tests.cases.fixtures import ID_NUMBER, PHONE, application, run_cli, secret_text, triage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_a_sealed_value_names_its_key_and_old_values_still_open() -> None:
    old, new = os.urandom(32), os.urandom(32)
    before = PersonalDataCipher(old)
    token = before.seal(PHONE, "phone")
    assert before.sealed_with(token) == before.key_id and len(before.key_id) == 8
    legacy = _V1 + token[5:]                                   # a value sealed before keys had ids
    after = PersonalDataCipher(new, previous=(old,))
    assert after.open(token, "phone") == PHONE and after.open(legacy, "phone") == PHONE
    with pytest.raises(UndecryptableData):
        PersonalDataCipher(new).open(token, "phone")           # the old key is not given: nothing opens


def test_postgresql_needs_the_key_from_the_environment(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(SettingsError) as refused:
        load_secret_key(Settings(data_dir=tmp_path, database_url="postgresql://postgres@127.0.0.1/test"))
    assert "JISHIJIU_SECRET_KEY" in str(refused.value) and not (tmp_path / "secret.key").exists()


def test_another_key_is_refused_and_a_rotation_reseals_everything(session_factory, cipher, divisions,
                                                                  store_settings) -> None:  # noqa: ANN001
    number = submit_case(session_factory, application(), triage(NOW), NOW, cipher=cipher, divisions=divisions)
    check_key(session_factory, cipher, NOW)                    # the first start records the key
    stranger = PersonalDataCipher(os.urandom(32))
    with pytest.raises(KeyMismatch) as refused:
        check_key(session_factory, stranger, NOW)
    assert cipher.key_id in str(refused.value) and "JISHIJIU_SECRET_KEY" in str(refused.value)
    new_key = secret_text(os.urandom(32))
    rotated = build_cipher(replace(store_settings, secret_key=new_key,
                                   previous_secret_keys=(store_settings.secret_key,)))
    check_key(session_factory, rotated, NOW)                   # a rotation under way is allowed to start
    done = rotate(session_factory, rotated, NOW)
    assert (done.resealed, done.cases) == (3, 1)
    alone = build_cipher(replace(store_settings, secret_key=new_key, previous_secret_keys=()))
    applicant = reveal_applicant(session_factory, number, cipher=alone, actor="t", now=NOW)
    assert applicant.id_number.value == ID_NUMBER and applicant.phone.value == PHONE
    assert [c.case_number for c in find_cases_by_phone(session_factory, PHONE, cipher=alone)] == [number]
    with pytest.raises(KeyMismatch):
        check_key(session_factory, cipher, NOW)                # the old key is retired now
    assert rotate(session_factory, rotated, NOW).resealed == 0  # again: nothing left to do


def test_the_keys_command(session_factory, store_settings, tmp_path) -> None:  # noqa: ANN001
    def keys(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return run_cli("keys", *argv, env={"JISHIJIU_DATA_DIR": str(tmp_path), **extra})

    made = keys("new")
    assert made.returncode == 0 and len(made.stdout.strip()) == 44 and "key id" in made.stderr
    assert keys("id").stdout.strip() == build_cipher(store_settings).key_id
    wrong = keys("id", JISHIJIU_SECRET_KEY=made.stdout.strip())
    assert wrong.returncode == 1 and "密钥不对" in wrong.stderr
    assert keys("rotate").returncode == 1                      # no old key given: nothing to rotate from


def test_the_gateway_will_not_start_with_a_key_the_database_does_not_know(session_factory, cipher) -> None:  # noqa: ANN001
    from jishijiu.gateway.app import _check_key          # what the gateway's start-up runs before it serves

    check_key(session_factory, cipher, NOW)
    with pytest.raises(SettingsError) as refused:
        _check_key(session_factory, PersonalDataCipher(os.urandom(32)))
    assert "密钥不对" in str(refused.value)
    _check_key(session_factory, cipher)                    # the right key starts
