"""SalesforceEmulator: the Python API tests use to run, change and inspect the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from emulators.salesforce.config import ConnectedAppConfig, OrgConfig, SalesforceConfig, UserConfig
from emulators.salesforce.faults import Faults
from emulators.salesforce.grants import Grant
from emulators.salesforce.http_handler import handler_for
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org
from emulators.salesforce.transaction import Transaction
from emulators.server import EmulatorServer, running
from emulators.stats import Stats
from emulators.tls import TlsFiles

DEFAULT_SCOPES = ("api", "refresh_token", "offline_access")


class SalesforceEmulator:
    def __init__(self, config: SalesforceConfig | None = None) -> None:
        self.config = config if config is not None else SalesforceConfig()
        self._state = SalesforceState(self.config)
        self.url: str | None = None  # set by server(): the login URL and the instance_url alike

    @classmethod
    def from_file(cls, path: Path) -> SalesforceEmulator:
        return cls(SalesforceConfig.from_file(path))

    def server(self, port: int = 0, tls: TlsFiles | None = None) -> EmulatorServer:
        """HTTP on 127.0.0.1, or HTTPS with `tls`; run it with `emulators.server.running`."""
        server = EmulatorServer(port, handler_for(self._state), tls)
        self.url = server.url
        return server

    @contextmanager
    def serving(self, *, tls: TlsFiles | None = None, port: int = 0) -> Iterator[SalesforceEmulator]:
        with running(self.server(port, tls)):
            yield self

    # --- orgs, users, apps and records, changed while running --------------------------------

    def org(self, name: str | None = None) -> Org:
        """The org of that name; without a name the only (or first) one, created if there is none."""
        if not self._state.orgs:
            return self._state.add_org(OrgConfig(name=name or "Acme"))
        if name is None:
            return self._state.orgs[0]
        found = next((o for o in self._state.orgs if o.name == name), None)
        return found if found is not None else self._state.add_org(OrgConfig(name=name))

    def add_user(self, username: str, password: str, *, org: str | None = None) -> UserConfig:
        user = UserConfig(username=username, password=SecretStr(password))
        self.org(org).users[username.lower()] = user
        return user

    def add_app(
        self,
        consumer_key: str,
        consumer_secret: str,
        callback_urls: Iterable[str] = (),
        *,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        rotate_refresh_tokens: bool = False,
        client_credentials_user: str | None = None,
    ) -> ConnectedAppConfig:
        app = ConnectedAppConfig(
            consumer_key=consumer_key,
            consumer_secret=SecretStr(consumer_secret),
            callback_urls=list(callback_urls),
            scopes=list(scopes),
            rotate_refresh_tokens=rotate_refresh_tokens,
            client_credentials_user=client_credentials_user,
        )
        self._state.apps[consumer_key] = app
        return app

    def put(
        self, object_name: str, values: dict[str, Any], *, at: datetime | None = None, org: str | None = None
    ) -> str:
        """Create or update (with `Id`) a record; SystemModstamp becomes `at` (default: now)."""
        return self.org(org).put(object_name, values, at)

    def delete(
        self, object_name: str, record_id: str, *, at: datetime | None = None, org: str | None = None
    ) -> None:
        self.org(org).delete(object_name, record_id, at)

    def delete_field(self, object_name: str, field_name: str, *, org: str | None = None) -> None:
        """An admin deletes the field (or revokes its field-level access): describe stops listing it
        and a query naming it answers INVALID_FIELD. Records keep their values, unseen."""
        table = self.org(org).table(object_name)
        if table is None or table.obj.fields.pop(field_name.lower(), None) is None:
            raise KeyError(f"{object_name} has no field {field_name!r}")

    def records(self, object_name: str, *, org: str | None = None) -> list[dict[str, Any]]:
        return self.org(org).records(object_name)

    def begin(self, *, at: datetime | None = None, org: str | None = None) -> Transaction:
        """A transaction that started `at` (default: now): what it saves is stamped then but hidden
        from queries until its `commit()` (transaction.py), so it can land behind a checkpoint."""
        return Transaction(self.org(org), at or self._state.now())

    # --- grants and sessions --------------------------------------------------------------------

    def refresh_token_for(
        self, username: str, consumer_key: str, scopes: Iterable[str] = DEFAULT_SCOPES
    ) -> str:
        """A refresh token as the web server flow would give, for tests that skip the browser."""
        found = self._state.find_user(username)
        if found is None or consumer_key not in self._state.apps:
            raise KeyError(f"unknown user {username!r} or connected app {consumer_key!r}")
        return self._state.grants.issue_refresh_token(Grant(found[0], found[1], consumer_key, list(scopes)))

    def revoke_refresh_tokens(self, username: str | None = None) -> int:
        """Revoke the refresh tokens (of one user): the next refresh answers invalid_grant."""
        return self._state.grants.revoke_user(username)

    def expire_sessions(self) -> int:
        """Every access token dies now: the next data call answers 401 INVALID_SESSION_ID."""
        return self._state.grants.expire_sessions()

    @property
    def session_seconds(self) -> int:
        return self.config.session_seconds

    @session_seconds.setter
    def session_seconds(self, seconds: int) -> None:
        self.config.session_seconds = seconds

    def api_usage(self, org: str | None = None) -> int:
        return self._state.usage[self.org(org).id]

    # --- time, faults and counters --------------------------------------------------------------

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._state.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        """The emulator's time (SystemModstamp of changes, session and code expiry, getDeleted)."""
        self._state.clock = clock

    def advance(self, delta: timedelta) -> None:
        """Move the emulator's clock forward without sleeping."""
        current = self._state.clock
        self._state.clock = lambda: current() + delta

    @property
    def faults(self) -> Faults:
        return self._state.faults

    @property
    def stats(self) -> Stats:
        return self._state.stats
