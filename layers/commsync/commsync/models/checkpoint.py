"""Per mailbox and folder: the server's own sync token (docs/architecture.md#vocabulary)."""

from __future__ import annotations

from pydantic import Field

from commsync.models.common import DomainModel, UtcDatetime


class Checkpoint(DomainModel):
    integration: str
    mailbox: str
    folder_id: str = Field(min_length=1)
    folder_path: str
    # Opaque to everything but the source that issued it (EWS SyncState can be KBs).
    token: str
    updated_at: UtcDatetime
    # Bumped by every write and compared by the next (StateStore.put_checkpoint): of two pollers
    # that read the same checkpoint, only the first moves it. Kept beside the document, not in it.
    revision: int = Field(default=0, ge=0, exclude=True)
