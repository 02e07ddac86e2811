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
