"""Server-issued web sessions: a random id in a signed cookie, and a CSRF token bound to it.

The cookie value is `<id>.<HMAC-SHA256(key, "session:" + id)>`; a forged or altered cookie is simply not a session.
The CSRF token is HMAC(key, "csrf:" + id): the page receives it in its HTML and sends it back in a header, which a
page on another site can neither read nor forge. The key is derived from the deployment's secret key, so it
survives restarts and is shared by every gateway worker.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

ID_BYTES = 18


class SessionSigner:
    def __init__(self, secret_key: bytes, purpose: str = "webchat") -> None:
        self._key = hmac.new(secret_key, f"jishijiu {purpose} sessions".encode(), hashlib.sha256).digest()

    def _mac(self, kind: str, session_id: str) -> str:
        return hmac.new(self._key, f"{kind}:{session_id}".encode(), hashlib.sha256).hexdigest()

    def new(self) -> tuple[str, str]:
        """(session id, cookie value) for a new session."""
        session_id = secrets.token_urlsafe(ID_BYTES)
        return session_id, f"{session_id}.{self._mac('session', session_id)}"

    def session_of(self, cookie: str | None) -> str | None:
        """The session id a cookie value proves, or None."""
        session_id, _, mac = (cookie or "").partition(".")
        if not session_id or not mac or len(session_id) > 64:
            return None
        return session_id if hmac.compare_digest(mac, self._mac("session", session_id)) else None

    def csrf(self, session_id: str) -> str:
        return self._mac("csrf", session_id)

    def csrf_ok(self, session_id: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token or "", self.csrf(session_id))
