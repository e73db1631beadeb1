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
_VERSION = b"\x01"          # format byte: version 1 = AES-256-GCM, 12-byte nonce


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"jishijiu/cases/" + purpose).derive(secret)


class PersonalDataCipher:
    """Seals and opens personal fields, and hashes them for lookup; keys derived from one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("the secret key must be 32 bytes")
        self._aead = AESGCM(_derive(secret, b"encryption/v1"))
        self._lookup_key = _derive(secret, b"lookup/v1")

    def __repr__(self) -> str:
        return "PersonalDataCipher(<key hidden>)"

    def seal(self, plaintext: str, field: str) -> bytes:
        """Encrypt; `field` is bound as associated data so a sealed phone cannot pass for an ID number."""
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), field.encode())

    def open(self, token: bytes, field: str) -> str:
        """Decrypt what seal() produced, or raise UndecryptableData (wrong key, other field, damaged bytes)."""
        if len(token) < 29 or token[:1] != _VERSION:
            raise UndecryptableData()
        try:
            return self._aead.decrypt(token[1:13], token[13:], field.encode()).decode("utf-8")
        except InvalidTag:
            raise UndecryptableData() from None

    def lookup_hash(self, kind: str, value: str) -> str:
        """HMAC-SHA256 of a normalised value, hex; equal inputs give equal hashes under one key."""
        return hmac.new(self._lookup_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _read_key_file(path: Path) -> bytes:
    try:
        return decode_secret_key(path.read_text(encoding="ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SettingsError("JISHIJIU_SECRET_KEY", f"<unset; key file {path}>",
                            f"the key file is malformed ({exc}); restore it or set JISHIJIU_SECRET_KEY") from None


def load_secret_key(settings: Settings) -> bytes:
    """The configured key, else <data_dir>/secret.key, created (mode 0600) on first run and reused after."""
    if settings.secret_key:
        return decode_secret_key(settings.secret_key)
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
    return PersonalDataCipher(load_secret_key(settings))
