"""The tenants, app registrations and users the emulator knows, changeable while it runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from emulators.identity.config import AppConfig, IdentityConfig, TenantConfig, UserConfig, derived_id

GRAPH = "https://graph.microsoft.com"
OUTLOOK = "https://outlook.office365.com"
# Entra resolves these two authorities to a tenant only once it knows the user (or app).
MULTI_TENANT = frozenset({"common", "organizations"})


@dataclass(frozen=True)
class Tenant:
    name: str
    config: TenantConfig

    @property
    def id(self) -> str:
        return self.config.id

    def aliases(self) -> set[str]:
        """Every path segment that names this tenant: name, GUID, initial domain, verified domains."""
        names = {self.name, self.id, f"{self.name}.onmicrosoft.com", *self.config.domains}
        return {n.lower() for n in names}

    def app(self, client_id: str) -> AppConfig | None:
        return next((a for a in self.config.apps if a.client_id == client_id), None)

    def user(self, upn: str) -> UserConfig | None:
        return next((u for u in self.config.users if u.upn.lower() == upn.lower()), None)

    def resources(self) -> set[str]:
        """Resource principals present in the tenant: Graph, Exchange Online and any app grants."""
        known = {GRAPH, OUTLOOK}
        for app in self.config.apps:
            known |= set(app.roles) | set(app.delegated or {})
        return known


class Directory:
    """Thread-safe: the server's handler threads read while a test adds apps or expires secrets."""

    def __init__(self, config: IdentityConfig) -> None:
        self._lock = threading.RLock()
        self._tenants = dict(config.tenants)

    def tenant(self, segment: str) -> Tenant | None:
        wanted = segment.lower()
        with self._lock:
            for name, config in self._tenants.items():
                tenant = Tenant(name, config)
                if wanted in tenant.aliases():
                    return tenant
        return None

    def tenant_of_app(self, client_id: str) -> Tenant | None:
        with self._lock:
            return next(
                (
                    Tenant(n, c)
                    for n, c in self._tenants.items()
                    if any(a.client_id == client_id for a in c.apps)
                ),
                None,
            )

    def tenant_of_user(self, upn: str) -> Tenant | None:
        with self._lock:
            tenants = [Tenant(name, config) for name, config in self._tenants.items()]
        return next((t for t in tenants if t.user(upn) is not None), None)

    def _ensure_tenant(self, name: str) -> TenantConfig:
        existing = self.tenant(name)
        if existing is not None:
            return existing.config
        config = TenantConfig(id=derived_id("tenant", name))
        self._tenants[name] = config
        return config

    def add_app(self, tenant: str, app: AppConfig) -> None:
        with self._lock:
            config = self._ensure_tenant(tenant)
            config.apps = [a for a in config.apps if a.client_id != app.client_id] + [app]

    def add_user(self, tenant: str, user: UserConfig) -> None:
        with self._lock:
            config = self._ensure_tenant(tenant)
            config.users = [u for u in config.users if u.upn.lower() != user.upn.lower()] + [user]

    def expire_secrets(self, tenant: str, client_id: str, at: datetime) -> None:
        with self._lock:
            found = self.tenant(tenant)
            app = found.app(client_id) if found else None
            if app is None:
                raise KeyError(f"no app {client_id!r} in tenant {tenant!r}")
            for secret in app.secrets:
                secret.expires = at
