"""Who is calling: NTLM (verified by pyspnego's acceptor), Basic, or an OAuth bearer token.

MS-NTHT: NTLM authenticates the TCP connection, so its state lives per connection
(`ConnectionAuth`, owned by the request handler) and later requests on it carry no header.
Passwords never leave this module: not in logs, not in exception messages, not on disk in clear
(pyspnego reads NT hashes from an smbpasswd-style NTLM_USER_FILE).
"""

from __future__ import annotations

import atexit
import base64
import binascii
import hmac
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spnego
import spnego.exceptions
from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1  # the hash functions pyspnego itself uses

# Exchange Online's resource; tokens for any other audience are refused.
AUDIENCE = "https://outlook.office365.com"
BearerVerifier = Callable[[str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class Caller:
    principal: str  # 'DOMAIN\\name', a delegated user's UPN, or 'app:<appid>'
    mailbox: str | None = None  # the caller's own mailbox, if it has one
    app_only: bool = False


@dataclass(frozen=True)
class Challenge:
    """Answer 401 with these WWW-Authenticate values."""

    values: tuple[str, ...]


@dataclass
class ConnectionAuth:
    context: Any = None  # a pyspnego acceptor mid-handshake
    caller: Caller | None = None


class _NtlmUserFile:
    """pyspnego's acceptor reads NTLM_USER_FILE, a process-wide setting: one file for every emulator
    in this process, holding the union of their accounts (the latest password wins for a name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: dict[str, str] = {}
        self._path: Path | None = None

    def register(self, users: dict[str, str]) -> None:
        with self._lock:
            for principal, password in users.items():
                lm, nt = lmowfv1(password).hex().upper(), ntowfv1(password).hex().upper()
                self._lines[principal.lower()] = f"{principal}:0:{lm}:{nt}:[U]:LCT-00000000"
            if self._path is None:
                handle, name = tempfile.mkstemp(prefix="ews-emulator-", suffix=".ntlm")
                os.close(handle)
                self._path = Path(name)
                atexit.register(self._path.unlink, missing_ok=True)
            self._path.write_text("\n".join(self._lines.values()) + "\n")
            os.environ["NTLM_USER_FILE"] = str(self._path)


_NTLM_USERS = _NtlmUserFile()


class Authenticator:
    def __init__(self, users: dict[str, str], bearer: BearerVerifier | None) -> None:
        self._users = {principal.lower(): (principal, password) for principal, password in users.items()}
        self._bearer = bearer
        if users:
            _NTLM_USERS.register(users)

    def challenge(self, bearer_error: str | None = None) -> Challenge:
        # What Exchange offers on-premises: Negotiate (Kerberos or NTLM in SPNEGO), NTLM, Basic.
        values = ["Negotiate", "NTLM", 'Basic realm="127.0.0.1"']
        if self._bearer is not None:
            error = f', error="{bearer_error}"' if bearer_error else ""
            values.append(f'Bearer client_id="00000002-0000-0ff1-ce00-000000000000"{error}')
        return Challenge(tuple(values))

    def authenticate(self, header: str | None, connection: ConnectionAuth) -> Caller | Challenge:
        if not header:
            return connection.caller or self.challenge()
        scheme, _, token = header.strip().partition(" ")
        scheme = scheme.lower()
        if scheme in ("ntlm", "negotiate") and self._users:
            return self._ntlm(scheme, token.strip(), connection)
        if scheme == "basic" and self._users:
            return self._basic(token.strip()) or self.challenge()
        if scheme == "bearer" and self._bearer is not None:
            return self._token(token.strip())
        return self.challenge()

    def _ntlm(self, scheme: str, token: str, connection: ConnectionAuth) -> Caller | Challenge:
        try:
            message = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self.challenge()
        if connection.context is None or message[8:9] == b"\x01":  # a NEGOTIATE message starts afresh
            protocol = "negotiate" if scheme == "negotiate" else "ntlm"
            connection.context, connection.caller = spnego.server(protocol=protocol), None
        try:
            reply = connection.context.step(message)
        except spnego.exceptions.SpnegoError:
            connection.context = None
            return self.challenge()
        if not connection.context.complete:
            name = "NTLM" if scheme == "ntlm" else "Negotiate"
            return Challenge((f"{name} {base64.b64encode(reply or b'').decode()}",))
        known = self._users.get(str(connection.context.client_principal).lower())
        connection.context = None
        if known is None:
            return self.challenge()
        connection.caller = Caller(known[0])
        return connection.caller

    def _basic(self, token: str) -> Caller | None:
        try:
            name, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        known = self._users.get(name.lower())
        if known is None or not hmac.compare_digest(known[1].encode(), password.encode()):
            return None
        return Caller(known[0])

    def _token(self, token: str) -> Caller | Challenge:
        assert self._bearer is not None
        claims = self._bearer(token, AUDIENCE)
        if not claims:
            return self.challenge("invalid_token")
        roles = claims.get("roles") or []
        scopes = str(claims.get("scp") or "").split()
        if "full_access_as_app" in roles and claims.get("appid"):
            return Caller(f"app:{claims['appid']}", app_only=True)
        if "EWS.AccessAsUser.All" in scopes and claims.get("upn"):
            upn = str(claims["upn"]).lower()
            return Caller(upn, mailbox=upn)
        return self.challenge("insufficient_scope")
