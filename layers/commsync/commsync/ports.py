"""The small interfaces between the services and the outside world (docs/architecture.md#flow).

Each port has an AWS implementation (adapters/aws) and a local one (adapters/local);
services only ever see these Protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import SecretStr

from commsync.models import (
    Checkpoint,
    Integration,
    Mailbox,
    MailboxRef,
    MailboxState,
    Notification,
    PollJob,
    Usage,
)
from commsync.models.access import ApiToken
from commsync.models.integration import Disabled
from commsync.models.oauth import OAuthState
from commsync.models.subscription import Subscription


@dataclass(frozen=True)
class CommentEntry:
    """The comment index row: enough to decide create / metadata update / no-op without S3."""

    bucket: str
    comment_id: str
    text_hash: str
    integration: str
    mailbox: str
    folder: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MailboxSnapshot:
    mailbox: Mailbox
    state: MailboxState
    # By folder id (and poll.FOLDER_TREE for the folder tree's own token).
    checkpoints: Mapping[str, Checkpoint]


@dataclass(frozen=True)
class ScheduleEntry:
    ref: MailboxRef
    interval_seconds: int
    # A one-off poll asked for (a new mailbox, a shorter interval), None when there is none.
    poll_at: datetime | None = None


class StateStore(Protocol):
    """Integrations, mailboxes, checkpoints, the comment index and usage."""

    def put_integration(self, integration: Integration) -> None: ...
    def get_integration(self, key: str) -> Integration | None: ...
    def list_integrations(self) -> list[Integration]: ...
    def set_integration_disabled(self, key: str, disabled: Disabled | None) -> None: ...

    def put_mailbox(self, mailbox: Mailbox) -> None: ...
    def get_mailbox(self, ref: MailboxRef) -> tuple[Mailbox, MailboxState] | None: ...
    def list_mailboxes(self, integration: str) -> list[tuple[Mailbox, MailboxState]]: ...
    def load_mailbox(self, ref: MailboxRef) -> MailboxSnapshot | None:
        """The mailbox, its state and every checkpoint of it, in one read (on DynamoDB one Query
        of the mailbox's item collection): what a poll needs before it talks to the server."""
        ...

    def schedule_listing(self) -> Iterator[ScheduleEntry]:
        """Every enabled mailbox with its interval, page by page (a query on a sparse index,
        never a scan): the dispatcher computes from it which fall due (commsync.schedule)."""
        ...

    def schedule_poll(self, ref: MailboxRef, at: datetime) -> None:
        """Poll this mailbox once, as soon as `at` has come, besides its regular slots."""
        ...

    def clear_poll_at(self, ref: MailboxRef, at: datetime | None) -> None:
        """The one-off poll `at` was sent: forget it, unless someone set another meanwhile."""
        ...

    def save_mailbox_state(
        self, ref: MailboxRef, state: MailboxState, expected_revision: int | None = None
    ) -> bool:
        """Write the state with its revision bumped. With `expected_revision`, only if the stored
        revision still is that one (False, nothing written, otherwise); without, unconditionally
        (operators' and tests' overwrites). Its `next_poll_at` is derived, never stored."""
        ...

    def get_checkpoint(self, ref: MailboxRef, folder_id: str) -> Checkpoint | None: ...
    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        """Compare-and-set: write it, its revision bumped, only if the stored one's revision still
        is `checkpoint.revision` (0: there is none yet). False, nothing written, when another
        poller moved it meanwhile (docs/architecture.md#flow: mutual exclusion without a write per poll)."""
        ...

    def get_comment_entry(self, bucket: str, comment_id: str) -> CommentEntry | None: ...
    def create_comment_entry(self, entry: CommentEntry, project: str, period: str) -> bool:
        """Insert if absent and charge one AI unit in the same transaction; False if it existed."""
        ...

    def update_comment_entry(self, entry: CommentEntry, charge: tuple[str, str] | None) -> None: ...

    def get_usage(self, project: str, period: str) -> Usage: ...

    # The management API (issue 7).
    def delete_integration(self, key: str) -> bool:
        """Removes the integration's own row; its mailboxes are deleted one by one first."""
        ...

    def delete_mailbox(self, ref: MailboxRef) -> bool:
        """Removes the mailbox, its runtime state and its checkpoints; comments stay."""
        ...

    def delete_comment_entry(self, bucket: str, comment_id: str) -> bool: ...
    def comment_changes(self, bucket: str, after: str, limit: int) -> list[tuple[str, CommentEntry]]:
        """(change key, entry) of the bucket's entries whose change key (models.comment_feed)
        sorts after `after`, in that order; a query on an index, never a scan."""
        ...

    def put_oauth_state(self, state: OAuthState) -> None: ...
    def take_oauth_state(self, state_sha256: str, now: datetime) -> OAuthState | None:
        """Deletes and returns the state if it exists and has not expired, in one conditional
        step: of two callbacks with the same state, exactly one gets it."""
        ...

    def put_api_token(self, token: ApiToken) -> None: ...
    def get_api_token(self, sha256: str) -> ApiToken | None: ...
    def list_api_tokens(self) -> list[ApiToken]: ...
    def delete_api_token(self, name: str) -> bool: ...

    def put_subscription(self, subscription: Subscription) -> None: ...
    def list_subscriptions(self, integration: str) -> list[Subscription]: ...
    def delete_subscription(self, integration: str, subscription_id: str) -> Subscription | None: ...


class BlobStore(Protocol):
    """Comments, raw MIME and attachments, under keys that are the same locally and on S3."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store a file's bytes without reading them into memory (big attachments)."""
        ...

    def get(self, key: str) -> bytes | None: ...
    def exists(self, key: str) -> bool: ...
    def keys(self, prefix: str) -> Iterator[str]: ...
    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is not an error."""
        ...


class WorkQueue(Protocol):
    def send(self, jobs: Sequence[PollJob]) -> None: ...


class Notifier(Protocol):
    def publish(self, notification: Notification) -> None: ...
    def subscribe(self, integration: str, protocol: str, endpoint: str) -> str | None:
        """Deliver this integration's notifications to the endpoint; returns the backend's id."""
        ...

    def unsubscribe(self, external_id: str | None) -> None: ...


class SecretStore(Protocol):
    def get(self, name: str) -> dict[str, SecretStr]: ...
    def put(self, name: str, values: Mapping[str, str]) -> None:
        """Merge these keys into the secret (creating it); keys not named keep their values."""
        ...

    def delete(self, name: str) -> None:
        """Remove the secret; a missing one is not an error."""
        ...

    def forget(self, name: str) -> None:
        """Drop any cached copy: the server refused it (issue 17), so the next get reads afresh."""
        ...


@dataclass(frozen=True)
class FolderRef:
    """A folder as the source knows it: a stable id and the human path ("Inbox/Projects")."""

    id: str
    path: str


@dataclass(frozen=True)
class FolderListing:
    """The folders to sync now, and the token that makes the next listing incremental
    (EWS SyncFolderHierarchy state); None when the source lists its folders afresh each time."""

    folders: list[FolderRef]
    token: str | None = None


@dataclass(frozen=True)
class StreamedAttachment:
    """An attachment too big to hold in memory, read chunk by chunk when it is stored (issue 4:
    attachments are streamed); the email's `mime` then holds its headers and text only."""

    name: str
    content_type: str
    chunks: Callable[[], Iterator[bytes]]
    # Said on the comment, e.g. that a linked file's bytes live elsewhere (issue 19).
    warning: str | None = None


@dataclass(frozen=True)
class Change:
    kind: Literal["upsert", "delete"]
    item_key: str
    mime: bytes | None = None
    received_at: datetime | None = None
    # User properties MIME cannot carry (a Salesforce record's id, URL and configured fields);
    # merged into the comment's, the standard ones (Folder, Mailbox, ...) winning.
    properties: Mapping[str, str | int | float] = field(default_factory=dict)
    streamed: tuple[StreamedAttachment, ...] = ()
    # The email's size on the server, when the source knows it.
    size: int | None = None


@dataclass(frozen=True)
class ChangePage:
    """One page of changes and the token that resumes after it (docs/architecture.md#sources)."""

    changes: list[Change] = field(default_factory=list)
    token: str = ""
    last: bool = True
    # The folder's item count, when the source learns it cheaply at the start of a backfill
    # (issue 23): an estimate for progress and its ETA only, never used for correctness.
    total: int | None = None


class Source(Protocol):
    """What each system (eml, ews, graph, salesforce) implements: folders, then pages of changes."""

    def folders(self, token: str | None) -> FolderListing: ...
    def changes(self, folder: FolderRef, token: str | None, page_size: int) -> Iterator[ChangePage]: ...
    def close(self) -> None: ...
