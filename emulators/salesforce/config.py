"""The `--data` file: orgs with their users, objects and records; connected apps; limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from emulators.salesforce.schema import KNOWN_TYPES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserConfig(_Strict):
    username: str = Field(min_length=3)
    password: SecretStr
    id: str | None = None  # 005...; derived from the username when absent


class FieldConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    type: str = "string"
    label: str = ""
    reference_to: list[str] = Field(default_factory=list)  # type "reference": the parent object(s)
    html: bool = False  # a rich text area (type textarea): describe says htmlFormatted

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_TYPES:
            raise ValueError(f"unknown field type {value!r}; one of {', '.join(sorted(KNOWN_TYPES))}")
        return value


class ObjectConfig(_Strict):
    # Standard objects (Case, EmailMessage, Account, Contact) need no label or fields.
    label: str | None = None
    key_prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{3}$")
    fields: list[FieldConfig] = Field(default_factory=list)
    records: list[dict[str, Any]] = Field(default_factory=list)


class OrgConfig(_Strict):
    name: str = Field(min_length=1)
    id: str | None = None  # 00D...; derived from the name when absent
    users: list[UserConfig] = Field(default_factory=list)
    objects: dict[str, ObjectConfig] = Field(default_factory=dict)


class ConnectedAppConfig(_Strict):
    consumer_key: str = Field(min_length=1)
    consumer_secret: SecretStr
    callback_urls: list[str] = Field(default_factory=list)
    scopes: list[str] = Field(default_factory=lambda: ["api", "refresh_token", "offline_access"])
    # "Refresh token rotation": each refresh answers a new refresh token and revokes the old one.
    rotate_refresh_tokens: bool = False
    # The client credentials flow's run-as user (a username of one of the orgs); None: flow disabled.
    client_credentials_user: str | None = None


class SalesforceConfig(_Strict):
    orgs: list[OrgConfig] = Field(default_factory=list)
    connected_apps: list[ConnectedAppConfig] = Field(default_factory=list)
    api_version: str = Field(default="60.0", pattern=r"^\d{2}\.0$")
    # Session timeout (Setup > Session Settings; two hours by default).
    session_seconds: int = Field(default=7200, ge=1)
    authorization_code_seconds: int = Field(default=900, ge=1)
    # The org's rolling 24-hour API request allocation (Sforce-Limit-Info: api-usage=N/M).
    api_requests_per_day: int = Field(default=100_000, ge=1)
    # Sforce-Query-Options batchSize is honoured between these bounds (200..2000 on Salesforce).
    min_batch_size: int = Field(default=200, ge=1)
    max_batch_size: int = Field(default=2000, ge=1)
    # A query locator unused this long answers INVALID_QUERY_LOCATOR.
    cursor_idle_seconds: int = Field(default=900, ge=1)

    @classmethod
    def from_file(cls, path: Path) -> SalesforceConfig:
        return cls.model_validate_json(path.read_bytes())
