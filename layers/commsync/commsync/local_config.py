"""The local-mode config file (TOML), documented in the README with a complete example."""

from __future__ import annotations

import difflib
import tomllib
import typing
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from commsync.errors import ConfigError
from commsync.models import Integration, Mailbox, SourceKind
from commsync.models.access import ApiToken
from commsync.models.address import address_problem
from commsync.models.common import DomainModel
from commsync.models.integration import IntegrationSettings
from commsync.models.mailbox import MailboxSettings


class LocalMailbox(MailboxSettings):
    enabled: bool = True

    def to_mailbox(self, integration: str) -> Mailbox:
        return Mailbox(integration=integration, **self.model_dump(exclude={"enabled"}))


class LocalIntegration(IntegrationSettings):
    enabled: bool = True
    mailboxes: list[LocalMailbox] = Field(default_factory=list)

    @model_validator(mode="after")
    def _addresses_fit_kind(self) -> LocalIntegration:
        # The same check as the API's (api/mailboxes.py): one rule at every entry point.
        for index, mailbox in enumerate(self.mailboxes):
            problem = address_problem(self.kind, mailbox.address)
            if problem is not None:
                raise ValueError(f"mailboxes.{index}.address: {problem}")
        return self

    def to_integration(self) -> Integration:
        return Integration(**self.model_dump(exclude={"enabled", "mailboxes"}))


class ApiConfig(DomainModel):
    """`commsync serve` (issue 7): where it listens and who may call it."""

    port: int = Field(default=8787, ge=0, le=65535)
    # The address to bind; `0.0.0.0` serves other machines too (put TLS in front, issue 23).
    host: str = Field(default="127.0.0.1", min_length=1)
    # The URL OAuth providers send the browser back to, when not http://127.0.0.1:<port>.
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    # Pages the OAuth callback may redirect to; empty: the console (<base_url>/console).
    oauth_return_pages: list[str] = Field(default_factory=list)
    # Bearer tokens as their SHA-256 (`commsync token create` prints the entry to paste).
    tokens: list[ApiToken] = Field(default_factory=list)


class LocalConfig(DomainModel):
    store: Path = Path(".commsync")
    # Default: <store>/secrets.toml, where secrets set through the API are written too.
    secrets_file: Path | None = None
    ai_unit_quota: int = Field(default=0, ge=0)
    page_size: int = Field(default=100, ge=1, le=512)
    # docs/architecture.md#failure-classes: a repeating integration or mailbox failure disables it after
    # this many consecutive
    # polls spanning at least this many minutes (transient failures never do).
    disable_after_failures: int = Field(default=3, ge=1)
    disable_after_minutes: float = Field(default=30.0, ge=0)
    # Each poll stops taking pages and queues its continuation after this long, as a Lambda does.
    poll_time_budget_seconds: float = Field(default=900.0, ge=1)
    integrations: list[LocalIntegration] = Field(default_factory=list)
    api: ApiConfig = Field(default_factory=ApiConfig)


def describe(exc: ValidationError) -> str:
    """One line per problem, each naming the field by its path in the file; a misspelled key
    gets the closest known key suggested (issue 23)."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden" and error["loc"]:
            message = f"unknown key{did_you_mean(str(error['loc'][-1]), known_keys(error['loc'][:-1]))}"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def did_you_mean(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return (
        f"; did you mean {close[0]!r}?"
        if close
        else (f" (known: {', '.join(sorted(known))})" if known else "")
    )


def known_keys(location: tuple[int | str, ...]) -> list[str]:
    """The keys the model at `location` (a pydantic error's path) accepts."""
    model: type[BaseModel] | None = LocalConfig
    for part in location:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model else []


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found:
            return found
    return None


def load_config(path: Path) -> LocalConfig:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        config = LocalConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"config file {path}: {describe(exc)}") from exc
    return _resolved(config, path.parent)


def _resolved(config: LocalConfig, base: Path) -> LocalConfig:
    """Relative paths in the file are relative to the file, not to the working directory."""

    def absolute(p: Path) -> Path:
        return p if p.is_absolute() else (base / p).resolve()

    def resolved(i: LocalIntegration) -> LocalIntegration:
        if i.kind is SourceKind.EML:
            return i.model_copy(update={"endpoint": str(absolute(Path(i.endpoint)))})
        bundle = i.options.get("ca_bundle")
        if isinstance(bundle, str):
            return i.model_copy(update={"options": {**i.options, "ca_bundle": str(absolute(Path(bundle)))}})
        return i

    integrations = [resolved(i) for i in config.integrations]
    store = absolute(config.store)
    return config.model_copy(
        update={
            "store": store,
            "secrets_file": absolute(config.secrets_file) if config.secrets_file else store / "secrets.toml",
            "integrations": integrations,
        }
    )
