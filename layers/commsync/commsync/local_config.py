"""The local-mode config file (TOML), documented in the README with a complete example."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError

from commsync.errors import ConfigError
from commsync.models import AddressFilter, FolderFilter, Integration, Mailbox, SourceKind
from commsync.models.common import DomainModel, Slug, UtcDatetime


class LocalMailbox(DomainModel):
    address: str
    enabled: bool = True
    start_time: UtcDatetime | None = None
    folders: FolderFilter = Field(default_factory=FolderFilter)
    participants: AddressFilter = Field(default_factory=AddressFilter)
    domains: AddressFilter = Field(default_factory=AddressFilter)
    sync_attachments: bool = True
    poll_interval_seconds: int = 300

    def to_mailbox(self, integration: str) -> Mailbox:
        return Mailbox(integration=integration, **self.model_dump(exclude={"enabled"}))


class LocalIntegration(DomainModel):
    project: Slug
    name: Slug
    kind: SourceKind
    endpoint: str
    bucket: Slug
    secret: str | None = None
    enabled: bool = True
    options: dict[str, str | int | bool] = Field(default_factory=dict)
    mailboxes: list[LocalMailbox] = Field(default_factory=list)

    def to_integration(self) -> Integration:
        return Integration(**self.model_dump(exclude={"enabled", "mailboxes"}))


class LocalConfig(DomainModel):
    store: Path = Path(".commsync")
    secrets_file: Path | None = None
    ai_unit_quota: int = Field(default=0, ge=0)
    page_size: int = Field(default=100, ge=1, le=512)
    integrations: list[LocalIntegration] = Field(default_factory=list)


def describe(exc: ValidationError) -> str:
    """One line per problem, each naming the field by its path in the file."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{where}: {error['msg']}")
    return "; ".join(lines)


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
        for integration in config.integrations:
            # Build the domain models now so their errors name the config's fields too.
            integration.to_integration()
            for mailbox in integration.mailboxes:
                mailbox.to_mailbox(f"{integration.project}/{integration.name}")
    except ValidationError as exc:
        raise ConfigError(f"config file {path}: {describe(exc)}") from exc
    return _resolved(config, path.parent)


def _resolved(config: LocalConfig, base: Path) -> LocalConfig:
    """Relative paths in the file are relative to the file, not to the working directory."""

    def absolute(p: Path) -> Path:
        return p if p.is_absolute() else (base / p).resolve()

    integrations = [
        i.model_copy(update={"endpoint": str(absolute(Path(i.endpoint)))}) if i.kind is SourceKind.EML else i
        for i in config.integrations
    ]
    return config.model_copy(
        update={
            "store": absolute(config.store),
            "secrets_file": absolute(config.secrets_file) if config.secrets_file else None,
            "integrations": integrations,
        }
    )
