"""Staff accounts: argon2-hashed passwords, lockout after repeated failures, disable, reset.

The store's shell: each function opens one transaction. Passwords are never stored or logged; a reset makes a
random one that is shown once to the admin who asked.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from cases.models import Base
from console.roles import InvalidAccount, Role, Scope, check_scope, check_username

SessionFactory = Callable[[], Session]
MAX_FAILURES = 5
LOCKED_FOR = timedelta(minutes=15)
MIN_PASSWORD = 10
_hasher = PasswordHasher()          # argon2id with the library's current parameters
# A hash to verify against when the username is unknown: the answer takes as long as for a real account.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    township_code: Mapped[str | None] = mapped_column(String(24))
    department_id: Mapped[str | None] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(String(24))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Account:
    """A staff account as the console and the CLI see it (no hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    scope: Scope
    disabled: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, u: StaffUser) -> Account:
        return cls(u.id, u.username, u.display_name, Role(u.role),
                   Scope(u.township_code, u.department_id, u.county_code), u.disabled, u.locked_until,
                   u.last_login_at)


class LoginRefused(Exception):
    """Wrong name or password, a locked or a disabled account: the console says the same for all but the lock."""

    def __init__(self, reason: str, locked_until: datetime | None = None) -> None:
        self.reason, self.locked_until = reason, locked_until
        super().__init__(reason)


class AccountExists(InvalidAccount):
    pass


class NoSuchAccount(InvalidAccount):
    pass


def new_password() -> str:
    return secrets.token_urlsafe(12)          # 16 characters, ~96 bits


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise InvalidAccount(f"密码至少 {MIN_PASSWORD} 位", f"a password has at least {MIN_PASSWORD} characters")
    return password


def add_user(session_factory: SessionFactory, username: str, role: Role | str, *, password: str, now: datetime,
             display_name: str = "", scope: Scope = Scope()) -> Account:
    role = Role(role)
    name = check_username(username)
    check_scope(role, scope)
    user = StaffUser(username=name, display_name=(display_name.strip() or name)[:64], role=role.value,
                     township_code=scope.township, department_id=scope.department, county_code=scope.county,
                     password_hash=_hasher.hash(_check_password(password)), disabled=False, failed_logins=0,
                     created_at=now, password_changed_at=now)
    with session_factory() as session:
        session.add(user)
        try:
            session.commit()
        except IntegrityError:
            raise AccountExists(f"用户名已存在：{name}", f"the username is taken: {name}") from None
        return Account.of(user)


def _load(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower())
                          .with_for_update())
    if user is None:
        raise NoSuchAccount(f"没有这个用户：{username}", f"no such user: {username}")
    return user


def list_users(session_factory: SessionFactory) -> list[Account]:
    with session_factory() as session:
        return [Account.of(u) for u in session.scalars(select(StaffUser).order_by(StaffUser.username))]


def set_disabled(session_factory: SessionFactory, username: str, disabled: bool = True) -> Account:
    with session_factory() as session, session.begin():
        user = _load(session, username)
        user.disabled = disabled
        return Account.of(user)


def reset_password(session_factory: SessionFactory, username: str, *, now: datetime,
                   password: str | None = None) -> str:
    """A new password (random unless given); clears a lock. Returns the password, to be shown once."""
    password = _check_password(password) if password is not None else new_password()
    with session_factory() as session, session.begin():
        user = _load(session, username)
        user.password_hash, user.password_changed_at = _hasher.hash(password), now
        user.failed_logins, user.locked_until = 0, None
    return password


def authenticate(session_factory: SessionFactory, username: str, password: str, *, now: datetime) -> Account:
    """The account for this name and password; LoginRefused otherwise. MAX_FAILURES wrong passwords in a row lock
    the account for LOCKED_FOR (also against the right password meanwhile). A failure is committed before it is
    raised, so that the count survives."""
    refused: LoginRefused | None = None
    with session_factory() as session, session.begin():
        user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()[:32])
                              .with_for_update())
        if user is None:
            _verify(_DUMMY_HASH, password)
            refused = LoginRefused("bad_credentials")
        elif user.locked_until is not None and user.locked_until > now:
            refused = LoginRefused("locked", user.locked_until)
        elif not _verify(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = now + LOCKED_FOR, 0
                refused = LoginRefused("locked", user.locked_until)
            else:
                refused = LoginRefused("bad_credentials")
        elif user.disabled:
            refused = LoginRefused("bad_credentials")
        else:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            account = Account.of(user)
    if refused is not None:
        raise refused
    return account


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
