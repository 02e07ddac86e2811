"""Authorization codes, refresh tokens and sessions (access tokens), with revocation.

Salesforce access tokens are opaque session ids (`<org id 15>!<random>`), valid until the org's
session timeout; a refresh token lives until revoked (or, with rotation, until used once).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from emulators.salesforce.config import UserConfig
from emulators.salesforce.store import Org


@dataclass
class Grant:
    """What a user consented to for a connected app: the refresh token's contents."""

    org: Org
    user: UserConfig
    client_id: str
    scopes: list[str]
    revoked: bool = False


@dataclass
class Code:
    grant: Grant
    redirect_uri: str
    expires_at: datetime
    code_challenge: str | None = None  # PKCE S256, when the app sent one (optional for Salesforce)


@dataclass
class Session:
    grant: Grant
    expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)


class Grants:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, Code] = {}
        self._refresh: dict[str, Grant] = {}
        self._sessions: dict[str, Session] = {}

    def issue_code(self, code: Code) -> str:
        # Salesforce codes are base64 and end in "==": a client must URL-decode the redirect.
        value = "aPrx" + secrets.token_urlsafe(36) + "=="
        with self._lock:
            self._codes[value] = code
        return value

    def take_code(self, value: str, now: datetime) -> Code | None:
        with self._lock:
            code = self._codes.pop(value, None)
        return code if code is not None and code.expires_at > now else None

    def issue_refresh_token(self, grant: Grant) -> str:
        value = "5Aep861" + secrets.token_urlsafe(48)
        with self._lock:
            self._refresh[value] = grant
        return value

    def rotate(self, value: str) -> str | None:
        """Refresh token rotation: the used token dies, its grant lives on under a new one."""
        with self._lock:
            grant = self._refresh.pop(value, None)
        return None if grant is None or grant.revoked else self.issue_refresh_token(grant)

    def refresh_grant(self, value: str) -> Grant | None:
        with self._lock:
            grant = self._refresh.get(value)
        return grant if grant is not None and not grant.revoked else None

    def issue_session(self, grant: Grant, lifetime: timedelta, now: datetime, refresh: str | None) -> str:
        value = f"{grant.org.id[:15]}!AQ" + secrets.token_urlsafe(60)
        with self._lock:
            self._sessions[value] = Session(grant, now + lifetime, refresh)
        return value

    def session(self, value: str, now: datetime) -> Session | None:
        with self._lock:
            session = self._sessions.get(value)
        if session is None or session.expires_at <= now or session.grant.revoked:
            return None
        return session

    def revoke(self, value: str) -> bool:
        """The revoke endpoint: a refresh token (and its sessions) or one session."""
        with self._lock:
            if value in self._refresh:
                self._refresh.pop(value).revoked = True
                for key in [k for k, s in self._sessions.items() if s.refresh_token == value]:
                    del self._sessions[key]
                return True
            return self._sessions.pop(value, None) is not None

    def revoke_user(self, username: str | None = None) -> int:
        """Revoke every refresh token (of one user): what "Revoke" on the OAuth Connected Apps page does."""
        with self._lock:
            matching = [
                v
                for v, g in self._refresh.items()
                if username is None or g.user.username.lower() == username.lower()
            ]
            for value in matching:
                self._refresh.pop(value).revoked = True
        return len(matching)

    def expire_sessions(self) -> int:
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count
