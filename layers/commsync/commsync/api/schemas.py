"""Request and response bodies of the management API (the OpenAPI document is generated from them)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StrictBool, StringConstraints, model_validator

from commsync.models import Disabled, PollJob, SourceKind, SyncCounts
from commsync.models.address import ANY
from commsync.models.common import DomainModel, WholeSeconds
from commsync.models.filters import BoundedFilter
from commsync.models.integration import IntegrationSettings
from commsync.models.mailbox import MailboxSettings, PollRecord
from commsync.models.subscription import SubscriptionProtocol

SLUG = r"^[a-z0-9][a-z0-9_-]{0,62}$"
# A time in a query: RFC 3339 text only; pydantic alone would also take "0.5" as a Unix time.
_RFC3339 = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def rfc3339_text(value: object) -> object:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 time, e.g. 2024-03-01T09:30:00Z")
    return value


ADDRESS = ANY
COMMENT_ID = r"^[0-9a-f]{1,4000}$"
SecretKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
CommentId = Annotated[str, StringConstraints(pattern=COMMENT_ID)]


class Health(DomainModel):
    status: Literal["ok", "degraded"]
    version: str
    # Why it is degraded (`commsync serve`: the sync loop is not running, or its ticks fail).
    reason: str | None = None


class IntegrationIn(IntegrationSettings):
    # Write-only: stored through the secrets port under `secret` (default "<project>/<name>"),
    # merged into what is there; never returned.
    secret_values: dict[SecretKey, SecretStr] | None = Field(default=None, max_length=20)
    # None on update: leave the user's start/stop switch as it is. Strict: 0 or "no" is no switch.
    enabled: StrictBool | None = None


class SecretInfo(DomainModel):
    name: str
    set: bool
    keys: list[str] | None = None  # the key names only, never a value


class IntegrationOut(DomainModel):
    key: str
    project: str
    name: str
    kind: SourceKind
    endpoint: str
    bucket: str
    options: dict[str, str | int | bool]
    secret: SecretInfo | None
    enabled: bool
    disabled: Disabled | None
    # Local mode: the config file that defines it (edits through the API are refused), else None.
    managed_by: str | None = None


class MailboxIn(MailboxSettings):
    enabled: StrictBool | None = None


class MailboxStatus(DomainModel):
    enabled: bool
    disabled: Disabled | None
    last_sync_at: datetime | None
    last_success_at: datetime | None
    lag_seconds: int | None
    next_poll_at: datetime | None
    last_error: str | None
    counts: SyncCounts
    # Newest first, at most RECENT_POLLS (issue 23: the console's per-mailbox history).
    recent_polls: list[PollRecord] = Field(default_factory=list)


class MailboxOut(MailboxSettings):
    # What is stored, as it is: a row an older version accepted (an address now refused) must
    # still be listed, shown disabled with why, never fail the listing (issue 16).
    address: str
    integration: str
    status: MailboxStatus


class MailboxStatusOut(MailboxStatus):
    address: str


class IntegrationStatusOut(DomainModel):
    key: str
    kind: SourceKind
    enabled: bool
    disabled: Disabled | None
    mailboxes: list[MailboxStatusOut]


class SyncRequest(DomainModel):
    folder: str | None = Field(default=None, min_length=1, max_length=1024)
    filters: BoundedFilter | None = None


class CommentIds(DomainModel):
    ids: list[CommentId] = Field(min_length=1, max_length=100)


class ResyncQueued(DomainModel):
    jobs: list[PollJob]
    not_found: list[str]
    # Their mailbox was removed since: nothing can fetch them again.
    orphaned: list[str]


class DeleteComments(CommentIds):
    # Attachments are content-addressed and may be shared with other comments of the bucket:
    # they are deleted only when asked, and then other comments' references to them break.
    purge_attachments: StrictBool = False


class MailboxKey(DomainModel):
    integration: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}/[a-z0-9][a-z0-9_-]{0,62}$")
    address: str = Field(pattern=ADDRESS)


class ScheduleUpdate(DomainModel):
    poll_interval_seconds: WholeSeconds = Field(ge=1, le=7 * 24 * 3600)
    mailboxes: list[MailboxKey] = Field(min_length=1, max_length=100)
    # Which sources the update applies to; listed mailboxes of other kinds are skipped.
    kinds: list[SourceKind] | Literal["ALL"] = "ALL"


class SubscriptionIn(DomainModel):
    protocol: SubscriptionProtocol
    endpoint: str = Field(min_length=3, max_length=2048)

    @model_validator(mode="after")
    def _endpoint_fits_protocol(self) -> SubscriptionIn:
        expected = {
            SubscriptionProtocol.EMAIL: ("@", "an e-mail address"),
            SubscriptionProtocol.EMAIL_JSON: ("@", "an e-mail address"),
            SubscriptionProtocol.HTTPS: ("https://", "an https:// URL"),
            SubscriptionProtocol.SQS: ("arn:", "an SQS queue ARN"),
        }[self.protocol]
        marker, what = expected
        if (marker not in self.endpoint) if marker == "@" else not self.endpoint.startswith(marker):
            raise ValueError(f"endpoint: a {self.protocol.value} subscription needs {what}")
        return self


class Page(DomainModel):
    cursor: str
    more: bool


class CommentChange(DomainModel):
    id: str
    updated_at: datetime
    created_at: datetime
    integration: str
    mailbox: str
    folder: str


class CommentChanges(Page):
    changes: list[CommentChange]
