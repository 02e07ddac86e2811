"""API callers: bearer tokens and the two permissions (docs/architecture.md#failure-classes; issue 7)."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import Field

from commsync.models.common import DomainModel, Slug, UtcDatetime


class Permission(StrEnum):
    VIEW = "view"  # read integrations, status and comments; be notified
    MODIFY = "modify"  # configure, start and stop, sync, delete; includes view


def token_sha256(token: str) -> str:
    """Tokens are stored and compared as their SHA-256: a leaked table or config file grants nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(DomainModel):
    name: Slug
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    permissions: list[Permission] = Field(min_length=1)
    created_at: UtcDatetime | None = None

    def grants(self) -> frozenset[Permission]:
        return expand(self.permissions)


def expand(permissions: list[Permission] | frozenset[Permission]) -> frozenset[Permission]:
    """`modify` includes `view`: whoever may change an integration may read it back."""
    held = frozenset(permissions)
    return held | {Permission.VIEW} if Permission.MODIFY in held else held
