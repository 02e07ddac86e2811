"""The v2.0 `scope` parameter: one resource per request, permissions named after it.

"Scopes and permissions" (Microsoft identity platform): a scope is `<resource>/<permission>`;
a bare permission ("Mail.Read") means Microsoft Graph; `<resource>/.default` means "what the app
was granted"; `openid profile email offline_access` are OpenID Connect scopes that ask for an
id_token, user claims and a refresh token rather than for a resource. Client credentials
accept only `<resource>/.default`.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulators.identity import errors
from emulators.identity.config import AppConfig
from emulators.identity.directory import GRAPH, OUTLOOK, Tenant

OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
DEFAULT = ".default"
# What `.default` grants a user when the app declares no delegated permissions: the usual
# consent of an Exchange or Graph mail client.
_DEFAULT_DELEGATED = {GRAPH: ["User.Read"], OUTLOOK: ["EWS.AccessAsUser.All"]}


def _split(scope: str) -> tuple[str, str]:
    """`https://outlook.office365.com/EWS.AccessAsUser.All` -> (resource, permission)."""
    if "://" in scope or scope.startswith("api://"):
        resource, _, permission = scope.rstrip("/").rpartition("/")
        return resource.rstrip("/"), permission
    return GRAPH, scope


@dataclass(frozen=True)
class DelegatedScopes:
    resource: str
    permissions: tuple[str, ...]  # the access token's `scp`, short names
    oidc: frozenset[str]
    requested: tuple[str, ...]

    @property
    def wants_id_token(self) -> bool:
        return "openid" in self.oidc

    @property
    def wants_refresh_token(self) -> bool:
        return "offline_access" in self.oidc

    def granted(self) -> str:
        """The response's `scope`: what was asked for, `.default` spelled out (msal caches by it)."""
        out: list[str] = []
        for scope in self.requested:
            if scope.endswith(DEFAULT):
                out += [f"{self.resource}/{p}" for p in self.permissions]
            else:
                out.append(scope)
        return " ".join(dict.fromkeys(out))


def app_only(raw: str | None, tenant: Tenant) -> str:
    """The resource of a client-credentials request, or the error Entra gives."""
    if not raw:
        raise errors.missing_parameter("scope")
    scopes = raw.split()
    if len(scopes) != 1 or not scopes[0].endswith(DEFAULT):
        raise errors.invalid_scope(
            raw,
            "Client credential flows need a scope of the resource identifier suffixed with /.default.",
            1002012,
        )
    resource = scopes[0][: -len(DEFAULT)].rstrip("/")
    if resource not in tenant.resources():
        raise errors.unknown_resource(resource, tenant.id)
    return resource


def delegated(raw: str | None, app: AppConfig, tenant: Tenant) -> DelegatedScopes:
    """The resource and permissions of a user's request, checked against the tenant's consent."""
    requested = tuple(dict.fromkeys((raw or "").split()))
    oidc = frozenset(s for s in requested if s.lower() in OIDC_SCOPES)
    pairs = [_split(s) for s in requested if s not in oidc]
    resources = {r for r, _ in pairs} or {GRAPH}
    if len(resources) > 1:
        raise errors.invalid_scope(raw or "", "Scopes for more than one resource were requested.", 28000)
    resource = resources.pop()
    if resource not in tenant.resources():
        raise errors.unknown_resource(resource, tenant.id)
    consented = app.delegated.get(resource, []) if app.delegated is not None else None
    permissions: list[str] = []
    for _, permission in pairs:
        if permission == DEFAULT:
            permissions += consented if consented is not None else _DEFAULT_DELEGATED.get(resource, [])
        else:
            permissions.append(permission)
    if consented is not None:
        missing = {p.lower() for p in permissions} - {c.lower() for c in consented}
        if missing:
            raise errors.consent_required(app.client_id, " ".join(sorted(missing)))
    return DelegatedScopes(resource, tuple(dict.fromkeys(permissions)), oidc, requested)
