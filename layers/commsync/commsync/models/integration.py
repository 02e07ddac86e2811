"""An integration: one connection to one server or tenant (docs/architecture.md#vocabulary)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, model_validator

from commsync.errors import DisableReason, FailureClass
from commsync.models.common import DomainModel, Slug, UtcDatetime
from commsync.models.ews import EwsOptions
from commsync.models.graph import GraphOptions
from commsync.models.salesforce import SalesforceOptions


class SourceKind(StrEnum):
    EML = "eml"
    EWS = "ews"
    GRAPH = "graph"
    SALESFORCE = "salesforce"


class Disabled(DomainModel):
    """Why something stopped syncing; cleared by re-enabling."""

    reason: DisableReason
    at: UtcDatetime
    failure_class: FailureClass | None = None
    error: str | None = Field(default=None, max_length=2000)

    @property
    def unreadable(self) -> bool:
        """Set on read for a stored row that no longer validates (adapters, issue 16): never
        stored, and a full replacement does not carry it over."""
        return self.reason is DisableReason.SYNC_ERROR and (self.error or "").startswith(UNREADABLE_SETTINGS)


# The start of the sync error of a stored row that cannot be read (adapters/stored_*.py).
UNREADABLE_SETTINGS = "its stored settings cannot be read"


_Options = TypeVar("_Options", bound=DomainModel)
# Each kind's options model; a kind without one takes free-form options (eml).
_OPTION_MODELS: dict[SourceKind, type[DomainModel]] = {
    SourceKind.EWS: EwsOptions,
    SourceKind.GRAPH: GraphOptions,
    SourceKind.SALESFORCE: SalesforceOptions,
}


class IntegrationSettings(DomainModel):
    """What the user configures for an integration."""

    project: Slug
    name: Slug
    kind: SourceKind
    # eml: the root directory of the export; ews/graph/salesforce: the server's URL.
    endpoint: str = Field(min_length=1, max_length=2048)
    bucket: Slug
    # Name of the secret (Secrets Manager id suffix, or key of the local secrets file).
    # The secret's value never sits in this model.
    secret: str | None = Field(default=None, max_length=256, pattern=r"^[A-Za-z0-9/_+=.@-]+$")
    options: dict[str, str | int | bool] = Field(default_factory=dict)
    # What a deleted email or record does to its comment (issue 19, services/deletions.py): keep it
    # (Communications Mining's behaviour), mark it (`string:Deleted At`), or delete it.
    deletions: Literal["keep", "mark", "delete"] = "keep"

    @property
    def key(self) -> str:
        return f"{self.project}/{self.name}"

    @model_validator(mode="after")
    def _endpoint_scheme(self) -> IntegrationSettings:
        # docs/architecture.md#sources: HTTPS only for every server source.
        # The emulators on loopback speak plain HTTP; the option admits only loopback addresses.
        insecure_ok = bool(self.options.get("allow_insecure_loopback")) and self.endpoint.startswith(
            ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")
        )
        if self.kind is not SourceKind.EML and not self.endpoint.startswith("https://") and not insecure_ok:
            raise ValueError(f"endpoint: {self.kind} integrations need an https:// URL")
        model = _OPTION_MODELS.get(self.kind)
        if model is not None:
            self.typed_options(model)
        return self

    def ews_options(self) -> EwsOptions:
        return self.typed_options(EwsOptions)

    def typed_options(self, model: type[_Options]) -> _Options:
        """The options as the kind's own model, with errors that name `options.<field>`."""
        try:
            return model.model_validate(self.options)
        except ValidationError as exc:
            problems = "; ".join(
                f"options.{'.'.join(str(p) for p in e['loc']) or '(all)'}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(problems) from None


class Integration(IntegrationSettings):
    disabled: Disabled | None = None

    @property
    def enabled(self) -> bool:
        return self.disabled is None
