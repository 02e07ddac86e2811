"""IdentityEmulator: the Python API tests use to run, reconfigure and inspect the emulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from emulators.identity import scopes
from emulators.identity.browser import trusting_session
from emulators.identity.claims import SECRET, Minting
from emulators.identity.config import AppConfig, IdentityConfig, SecretConfig, UserConfig
from emulators.identity.directory import Directory, Tenant
from emulators.identity.faults import Faults
from emulators.identity.http_handler import handler_for
from emulators.identity.keys import SigningKey
from emulators.identity.state import IdentityState
from emulators.identity.verifier import BearerVerifier
from emulators.server import EmulatorServer, running
from emulators.tls import TlsFiles


class IdentityEmulator:
    def __init__(
        self, config: IdentityConfig | None = None, *, signing_key: SigningKey | None = None
    ) -> None:
        self.config = config if config is not None else IdentityConfig()
        key = signing_key if signing_key is not None else SigningKey.generate()
        self._state = IdentityState(self.config, Directory(self.config), key)
        self.url: str | None = None  # set by server(): https://127.0.0.1:PORT

    @classmethod
    def from_file(cls, path: Path) -> IdentityEmulator:
        return cls(IdentityConfig.from_file(path))

    def server(self, port: int = 0, *, tls: TlsFiles) -> EmulatorServer:
        """An HTTPS server (msal accepts https authorities only); run it with `emulators.server.running`."""
        server = EmulatorServer(port, handler_for(self._state), tls)
        self.url = server.url
        return server

    @contextmanager
    def serving(self, *, tls: TlsFiles, port: int = 0) -> Iterator[IdentityEmulator]:
        """Run the server on a background thread for a block: `with idp.serving(tls=files): ...`."""
        with running(self.server(port, tls=tls)):
            yield self

    def authority(self, tenant: str) -> str:
        """What msal takes as `authority=`: the server's URL and a tenant name, GUID or `common`."""
        return f"{self._require_url()}/{tenant}"

    def msal_options(self, tenant: str, ca_file: Path) -> dict[str, Any]:
        """What points an unmodified msal app here: `msal.PublicClientApplication(id, **options)`.

        `instance_discovery=False`: msal would otherwise ask login.microsoftonline.com whether
        this host is a known authority. `http_client`: msal's own `verify=` loses to
        REQUESTS_CA_BUNDLE (see browser.trusting_session).
        """
        return {
            "authority": self.authority(tenant),
            "instance_discovery": False,
            "http_client": trusting_session(ca_file),
        }

    def tenant_id(self, tenant: str) -> str:
        return self._tenant(tenant).id

    # --- the directory, changed while running -------------------------------------------------

    def add_app(
        self,
        tenant: str,
        client_id: str,
        *,
        secret: str | None = None,
        secret_expires: datetime | None = None,
        certificate_pem: str | None = None,
        redirect_uris: Iterable[str] = (),
        roles: dict[str, list[str]] | None = None,
        delegated: dict[str, list[str]] | None = None,
        display_name: str = "",
    ) -> AppConfig:
        """Register an app; with neither secret nor certificate it is a public client."""
        app = AppConfig(
            client_id=client_id,
            display_name=display_name,
            secrets=[SecretConfig(value=SecretStr(secret), expires=secret_expires)]
            if secret is not None
            else [],
            certificates=[certificate_pem] if certificate_pem else [],
            redirect_uris=list(redirect_uris),
            roles=roles or {},
            delegated=delegated,
        )
        self._state.directory.add_app(tenant, app)
        return app

    def add_user(self, tenant: str, upn: str, password: str, *, display_name: str = "") -> UserConfig:
        user = UserConfig(upn=upn, password=SecretStr(password), display_name=display_name)
        self._state.directory.add_user(tenant, user)
        return user

    def expire_secret(self, tenant: str, client_id: str) -> None:
        """Every secret of the app expires now: the next secret grant gets AADSTS7000222."""
        self._state.directory.expire_secrets(
            tenant, client_id, datetime.fromtimestamp(self._state.now() - 1, UTC)
        )

    def revoke_refresh_tokens(self, tenant: str, upn: str | None = None) -> int:
        """Revoke the refresh tokens of a tenant or one user: the next refresh gets invalid_grant."""
        return self._state.grants.revoke(self._tenant(tenant).name, upn)

    # --- time and counters ---------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """Token endpoint faults (faults.py): `fail_next(kind, count, seconds)`, `always(kind)`."""
        return self._state.faults

    @property
    def token_lifetime_seconds(self) -> int:
        return self.config.token_lifetime_seconds

    @token_lifetime_seconds.setter
    def token_lifetime_seconds(self, seconds: int) -> None:
        self.config.token_lifetime_seconds = seconds

    @property
    def clock(self) -> Callable[[], float]:
        return self._state.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        """Move the emulator's time (code and secret expiry) without sleeping; `time.time` is the default."""
        self._state.clock = clock

    @property
    def issued(self) -> Counter[str]:
        """Successful token responses per grant type: client_credentials, authorization_code, ..."""
        return self._state.issued

    # --- tokens without HTTP ---------------------------------------------------------------------

    def verifier(self, leeway_seconds: float = 0.0) -> BearerVerifier:
        """A BearerVerifier holding this emulator's key: no JWKS fetch, same checks."""
        return BearerVerifier(
            self._require_url(), None, jwks=self._state.key.jwks(), leeway_seconds=leeway_seconds
        )

    def app_token(self, tenant: str, client_id: str, resource: str) -> str:
        """An app-only access token as the token endpoint would mint it, for tests that inject one."""
        minting = self._minting(tenant, client_id)
        return self._state.key.sign(minting.app_access_token(resource.rstrip("/")))

    def user_token(self, tenant: str, client_id: str, upn: str, scope: str) -> str:
        """A delegated access token for `scope` (e.g. `https://outlook.office365.com/EWS.AccessAsUser.All`)."""
        minting = self._minting(tenant, client_id)
        user = minting.tenant.user(upn)
        if user is None:
            raise KeyError(f"no user {upn!r} in tenant {tenant!r}")
        wanted = scopes.delegated(scope, minting.app, minting.tenant)
        return self._state.key.sign(minting.user_access_token(wanted.resource, wanted.permissions, user))

    def _minting(self, tenant: str, client_id: str) -> Minting:
        found = self._tenant(tenant)
        app = found.app(client_id)
        if app is None:
            raise KeyError(f"no app {client_id!r} in tenant {tenant!r}")
        lifetime = self.config.token_lifetime_seconds
        return Minting(self._require_url(), found, app, SECRET, int(self._state.now()), lifetime)

    def _tenant(self, tenant: str) -> Tenant:
        found = self._state.directory.tenant(tenant)
        if found is None:
            raise KeyError(f"no tenant {tenant!r}")
        return found

    def _require_url(self) -> str:
        if self.url is None:
            raise RuntimeError("call server() first: tokens and authorities name the server's URL")
        return self.url
