"""One failure taxonomy for every source (docs/architecture.md#failure-classes).

Each error names its class once, here, so the poller decides retry / disable / skip
from the type alone and never from message text.
"""

from __future__ import annotations

from enum import StrEnum


class FailureClass(StrEnum):
    TRANSIENT = "transient"
    INTEGRATION = "integration"
    MAILBOX = "mailbox"
    ITEM = "item"


class DisableReason(StrEnum):
    USER = "user"
    QUOTA = "quota"
    SYNC_ERROR = "sync_error"


class CommsyncError(Exception):
    """Base of every error the domain raises on purpose."""

    failure_class: FailureClass = FailureClass.TRANSIENT


class TransientError(CommsyncError):
    """The server is busy or unreachable for now: retry later, never disable at once."""

    failure_class = FailureClass.TRANSIENT

    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class IntegrationError(CommsyncError):
    """Credentials, endpoint or quota are wrong for the whole integration."""

    failure_class = FailureClass.INTEGRATION


class MailboxError(CommsyncError):
    """One mailbox cannot be read (missing, access denied); its siblings go on."""

    failure_class = FailureClass.MAILBOX


class ItemError(CommsyncError):
    """One email cannot be stored as it is; it becomes a comment with a warning."""

    failure_class = FailureClass.ITEM


class ConfigError(CommsyncError):
    """The user's configuration is invalid; raised before any work starts."""

    failure_class = FailureClass.INTEGRATION
