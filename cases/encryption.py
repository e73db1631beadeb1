"""Personal data at rest: the secret key (setting or <data_dir>/secret.key), AES-GCM sealing, keyed lookup hashes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cases.errors import UndecryptableData
from jishijiu.settings import Settings, SettingsError, decode_secret_key

KEY_FILE_NAME = "secret.key"
_V1 = b"\x01"          # version 1: AES-256-GCM, 12-byte nonce (no key id: sealed before keys could rotate)
_V2 = b"\x02"          # version 2: the key id (4 bytes) after the version byte, then as v1
KEY_ID_BYTES = 4


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"jishijiu/cases/" + purpose).derive(secret)


def key_id(secret: bytes) -> str:
    """A short public name of a key (hex of 4 bytes): recorded in the database and in each sealed value."""
    return _derive(secret, b"key-id/v1")[:KEY_ID_BYTES].hex()


class PersonalDataCipher:
    """Seals and opens personal fields, and hashes them for lookup; keys derived from one secret. Sealed values name
    the key that sealed them, so that keys can rotate: `previous` keys still open what they sealed."""

    def __init__(self, secret: bytes, previous: tuple[bytes, ...] = ()) -> None:
        if len(secret) != 32 or any(len(p) != 32 for p in previous):
            raise ValueError("the secret key must be 32 bytes")
        self.key_id = key_id(secret)
        self._aead = AESGCM(_derive(secret, b"encryption/v1"))
        self._lookup_key = _derive(secret, b"lookup/v1")
        self._keys = {key_id(k): AESGCM(_derive(k, b"encryption/v1")) for k in (*previous, secret)}
        self._previous_ids = tuple(key_id(k) for k in previous)

    def __repr__(self) -> str:
        return f"PersonalDataCipher(key {self.key_id}, <key hidden>)"

    def seal(self, plaintext: str, field: str) -> bytes:
        """Encrypt; `field` is bound as associated data so a sealed phone cannot pass for an ID number."""
        nonce = os.urandom(12)
        return _V2 + bytes.fromhex(self.key_id) + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"),
                                                                              field.encode())

    def sealed_with(self, token: bytes) -> str | None:
        """The id of the key that sealed `token` (None for a version-1 value, which does not say)."""
        return token[1:1 + KEY_ID_BYTES].hex() if token[:1] == _V2 else None

    def open(self, token: bytes, field: str) -> str:
        """Decrypt what seal() produced (with this key or a previous one), or raise UndecryptableData (a key not
        given, another field, damaged bytes)."""
        if token[:1] == _V2 and len(token) >= 1 + KEY_ID_BYTES + 28:
            aead = self._keys.get(token[1:1 + KEY_ID_BYTES].hex())
            candidates, body = ([aead] if aead else []), token[1 + KEY_ID_BYTES:]
        elif token[:1] == _V1 and len(token) >= 29:
            candidates, body = list(self._keys.values())[::-1], token[1:]
        else:
            raise UndecryptableData()
        for aead in candidates:
            try:
                return aead.decrypt(body[:12], body[12:], field.encode()).decode("utf-8")
            except InvalidTag:
                continue
        raise UndecryptableData()

    def lookup_hash(self, kind: str, value: str) -> str:
        """HMAC-SHA256 of a normalised value, hex; equal inputs give equal hashes under one key."""
        return hmac.new(self._lookup_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    @property
    def previous_key_ids(self) -> tuple[str, ...]:
        return self._previous_ids


def _read_key_file(path: Path) -> bytes:
    try:
        return decode_secret_key(path.read_text(encoding="ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SettingsError("JISHIJIU_SECRET_KEY", f"<unset; key file {path}>",
                            f"the key file is malformed ({exc}); restore it or set JISHIJIU_SECRET_KEY") from None


def load_secret_key(settings: Settings) -> bytes:
    """The configured key, else <data_dir>/secret.key, created (mode 0600) on first run and reused after. With
    PostgreSQL (a database several hosts share) the key must come from JISHIJIU_SECRET_KEY: a file made on one host
    would not be the others'."""
    if settings.secret_key:
        return decode_secret_key(settings.secret_key)
    if settings.effective_database_url.startswith(("postgres", "postgresql")):
        raise SettingsError("JISHIJIU_SECRET_KEY", "<unset>", "required with PostgreSQL: set the same key on every "
                            "host (`jishijiu keys new` makes one); a key file made here would differ on the others")
    path = settings.data_dir / KEY_FILE_NAME
    if path.exists():
        return _read_key_file(path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, base64.urlsafe_b64encode(os.urandom(32)) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)          # atomic and exclusive: a concurrent first run keeps the winner's key
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return _read_key_file(path)


def build_cipher(settings: Settings) -> PersonalDataCipher:
    previous = tuple(decode_secret_key(k) for k in settings.previous_secret_keys)
    return PersonalDataCipher(load_secret_key(settings), previous)
