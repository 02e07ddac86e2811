"""Pydantic models of the domain (docs/architecture.md#vocabulary and #the-comment)."""

from commsync.models.checkpoint import Checkpoint
from commsync.models.comment import (
    AttachmentRef,
    Comment,
    CommentSource,
    Message,
    Text,
)
from commsync.models.integration import Disabled, Integration, SourceKind
from commsync.models.job import PollJob
from commsync.models.mailbox import AddressFilter, FolderFilter, Mailbox, MailboxRef, MailboxState, SyncCounts
from commsync.models.notification import Notification
from commsync.models.usage import Usage

__all__ = [
    "AddressFilter",
    "AttachmentRef",
    "Checkpoint",
    "Comment",
    "CommentSource",
    "Disabled",
    "FolderFilter",
    "Integration",
    "Mailbox",
    "MailboxRef",
    "MailboxState",
    "Message",
    "Notification",
    "PollJob",
    "SourceKind",
    "SyncCounts",
    "Text",
    "Usage",
]
