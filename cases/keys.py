"""Which key seals this database's personal data: its id is recorded on first start, and a process with another key
refuses to start (a lost key file must not be replaced silently by a new one: everything sealed before would become
unreadable). `rotate` re-seals every value and lookup hash with the current key, then records it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cases.encryption import PersonalDataCipher
from cases.models import Base, Case

SessionFactory = Callable[[], Session]
_SEALED = (("name_sealed", "name", None), ("id_number_sealed", "id_number", "id_number_hash"),
           ("phone_sealed", "phone", "phone_hash"))


class KeyRecord(Base):
    __tablename__ = "key_fingerprints"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    recorded_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class KeyMismatch(RuntimeError):
    """The key given is not the one this database's data was sealed with."""


def check_key(session_factory: SessionFactory, cipher: PersonalDataCipher, now: datetime) -> None:
    """Record the key on a fresh database; refuse (KeyMismatch, with what to do) a key the database does not know."""
    with session_factory() as session, session.begin():
        records = {r.key_id: r for r in session.scalars(select(KeyRecord))}
        current = [r for r in records.values() if r.retired_at is None]
        if not records:
            session.add(KeyRecord(key_id=cipher.key_id, recorded_at=now, retired_at=None))
            return
        if cipher.key_id in {r.key_id for r in current}:
            return
        if cipher.key_id in records:
            raise KeyMismatch(f"密钥 {cipher.key_id} 已于轮换时停用，请使用当前密钥 / key {cipher.key_id} was retired by a "
                              f"rotation: use the current key ({', '.join(r.key_id for r in current)})")
        if any(r.key_id in cipher.previous_key_ids for r in current):
            return                    # a rotation is under way: `jishijiu keys rotate` finishes it
        raise KeyMismatch(
            f"密钥不对：这个数据库的个人信息是用密钥 {', '.join(r.key_id for r in current)} 加密的，而现在给的是 "
            f"{cipher.key_id}。请恢复原来的 secret.key 或设置 JISHIJIU_SECRET_KEY / the secret key {cipher.key_id} is "
            f"not this database's ({', '.join(r.key_id for r in current)}): restore <data_dir>/secret.key or set "
            "JISHIJIU_SECRET_KEY; to change keys, give the old one in JISHIJIU_PREVIOUS_SECRET_KEYS and run "
            "`jishijiu keys rotate`")


@dataclass(frozen=True)
class Rotation:
    resealed: int               # sealed values written again with the current key
    cases: int


def rotate(session_factory: SessionFactory, cipher: PersonalDataCipher, now: datetime, batch: int = 500) -> Rotation:
    """Re-seal every case's personal data (and its lookup hashes) with the current key, then retire the others.
    Safe to run again: values already sealed with the current key are left alone."""
    resealed = cases = 0
    last_id = 0
    while True:
        with session_factory() as session, session.begin():
            rows = list(session.scalars(select(Case).where(Case.id > last_id).order_by(Case.id).limit(batch)
                                        .with_for_update()))
            for case in rows:
                changed = False
                for column, field, hash_column in _SEALED:
                    token = getattr(case, column)
                    if token is None or cipher.sealed_with(token) == cipher.key_id:
                        continue
                    clear = cipher.open(token, field)
                    setattr(case, column, cipher.seal(clear, field))
                    if hash_column:
                        setattr(case, hash_column, cipher.lookup_hash(field, clear))
                    resealed, changed = resealed + 1, True
                cases += changed
            if not rows:
                break
            last_id = rows[-1].id
    with session_factory() as session, session.begin():
        for record in session.scalars(select(KeyRecord)):
            if record.key_id != cipher.key_id and record.retired_at is None:
                record.retired_at = now
        if session.get(KeyRecord, cipher.key_id) is None:
            session.add(KeyRecord(key_id=cipher.key_id, recorded_at=now, retired_at=None))
    return Rotation(resealed, cases)
