"""A mailbox inside an integration, its filters, and its runtime state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase

from pydantic import Field, StrictBool, field_validator

from commsync.models.address import ANY, MAX_LENGTH
from commsync.models.common import DomainModel, UtcDatetime, WholeSeconds
from commsync.models.filters import BoundedFilter
from commsync.models.integration import Disabled


class FolderFilter(DomainModel):
    """Folder paths like "Inbox/Projects"; glob patterns allowed. Deny wins over allow."""

    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)

    def admits(self, path: str) -> bool:
        folded = path.casefold()
        if any(fnmatchcase(folded, p.casefold()) for p in self.deny):
            return False
        return not self.allow or any(fnmatchcase(folded, p.casefold()) for p in self.allow)


class AddressFilter(DomainModel):
    """Addresses or domains; an email passes when any participant is allowed and none denied."""

    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)

    @field_validator("allow", "deny")
    @classmethod
    def _fold(cls, values: list[str]) -> list[str]:
        return [v.strip().casefold() for v in values if v.strip()]

    def admits(self, values: set[str]) -> bool:
        if values & set(self.deny):
            return False
        return not self.allow or bool(values & set(self.allow))


class MailboxSettings(DomainModel):
    """What the user configures for a mailbox. Runtime facts live in MailboxState."""

    # An SMTP address for mail sources, an object name for Salesforce; which of them the kind
    # needs is checked where the kind is known (models/address.py: address_problem).
    address: str = Field(min_length=1, max_length=MAX_LENGTH, pattern=ANY)
    start_time: UtcDatetime | None = None
    folders: FolderFilter = Field(default_factory=FolderFilter)
    participants: AddressFilter = Field(default_factory=AddressFilter)
    domains: AddressFilter = Field(default_factory=AddressFilter)
    sync_attachments: StrictBool = True
    poll_interval_seconds: WholeSeconds = Field(default=300, ge=1, le=7 * 24 * 3600)
    # Only emails these select become comments (issue 10: the keys of models/filters.py); the
    # others still move the checkpoint, so widening a filter later needs an on-demand sync.
    filters: BoundedFilter | None = None

    @field_validator("address", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class Mailbox(MailboxSettings):
    integration: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$")

    @property
    def ref(self) -> MailboxRef:
        return MailboxRef(integration=self.integration, address=self.address)


class MailboxRef(DomainModel):
    integration: str
    address: str

    @property
    def key(self) -> str:
        return f"{self.integration}#{self.address}"

    def __str__(self) -> str:
        return f"{self.integration} {self.address}"


class SyncCounts(DomainModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    filtered: int = 0
    warnings: int = 0

    def add(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(**{k: getattr(self, k) + getattr(other, k) for k in SyncCounts.model_fields})


FAILED_POLL_HOURS = timedelta(hours=48)
# The console shows a mailbox's last polls (issue 23): a few are enough to see a pattern, and a
# bounded list keeps the state document small (it is rewritten by every poll).
RECENT_POLLS = 10
POLL_ERROR_CHARS = 300


class PollRecord(DomainModel):
    """One finished poll as the console's history shows it."""

    at: UtcDatetime
    status: str
    created: int = 0
    updated: int = 0
    filtered: int = 0
    duration_seconds: float = Field(default=0.0, ge=0)
    error: str | None = Field(default=None, max_length=POLL_ERROR_CHARS)


def hour_key(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H")


class MailboxState(DomainModel):
    next_poll_at: UtcDatetime | None = None
    last_sync_at: UtcDatetime | None = None
    last_success_at: UtcDatetime | None = None
    last_error: str | None = None
    counts: SyncCounts = Field(default_factory=SyncCounts)
    disabled: Disabled | None = None
    # Consecutive failed polls and when that run began: docs/architecture.md#failure-classes disables only
    # what keeps failing.
    failures: int = Field(default=0, ge=0)
    failing_since: UtcDatetime | None = None
    # Failed polls per hour (key: the hour's start, "YYYY-MM-DDTHH"), the last FAILED_POLL_HOURS
    # only: the console charts errors per hour, which `failures` forgets at the next success.
    failed_polls: dict[str, int] = Field(default_factory=dict)
    # The last RECENT_POLLS polls, newest first.
    recent_polls: list[PollRecord] = Field(default_factory=list)
    # Bumped by every conditional save: a writer that read an older revision re-reads and
    # applies its change again instead of overwriting another writer's (services/mailbox_state.py).
    revision: int = Field(default=0, ge=0)

    def with_failed_poll(self, at: datetime) -> MailboxState:
        hour = hour_key(at)
        kept = {k: v for k, v in self.failed_polls.items() if k > hour_key(at - FAILED_POLL_HOURS)}
        kept[hour] = kept.get(hour, 0) + 1
        return self.model_copy(update={"failed_polls": kept})

    def with_poll(self, record: PollRecord) -> MailboxState:
        return self.model_copy(update={"recent_polls": [record, *self.recent_polls][:RECENT_POLLS]})

    @property
    def enabled(self) -> bool:
        return self.disabled is None

    def is_due(self, now: datetime) -> bool:
        return self.enabled and (self.next_poll_at is None or self.next_poll_at <= now)
