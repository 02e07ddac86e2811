"""A request as the emulator's operations see it (top-level or inside $batch), and its reply."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from emulators.graph.errors import GraphError

_MAX_PAGE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)", re.IGNORECASE)
_IMMUTABLE = re.compile(r'IdType\s*=\s*"?ImmutableId"?', re.IGNORECASE)


@dataclass(frozen=True)
class Caller:
    """Who the bearer token names: an app (app-only `roles`) or a user (delegated `scp`)."""

    app_id: str
    permissions: frozenset[str]
    user: str | None = None  # the signed-in user's UPN for delegated tokens

    @property
    def app_only(self) -> bool:
        return self.user is None


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # after /v1.0, percent-decoded
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    caller: Caller
    base_url: str  # https://host:port/v1.0, for links

    def prefer(self) -> str:
        return self.headers.get("prefer", "")

    @property
    def immutable_ids(self) -> bool:
        return bool(_IMMUTABLE.search(self.prefer()))

    @property
    def max_page_size(self) -> int | None:
        match = _MAX_PAGE.search(self.prefer())
        return int(match.group(1)) if match else None


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, value: Any, headers: list[tuple[str, str]] | None = None) -> Reply:
        return cls(200, json.dumps(value).encode(), headers=headers or [])

    @classmethod
    def error(cls, error: GraphError) -> Reply:
        return cls(error.status, error.body(), "application/json", error.headers())

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)
