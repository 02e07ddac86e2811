"""The output record (docs/architecture.md#the-comment). Serialise with `to_json()` so aliases apply."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from commsync.models.common import DomainModel, UtcDatetime

FOLDER = "string:Folder"
MAILBOX = "string:Mailbox"
SENDER_DOMAIN = "string:Sender Domain"
ATTACHMENTS = "number:Attachments"
# The distinct domains of To, Cc and Bcc, sorted, joined by ", " (user properties are scalars).
RECIPIENT_DOMAINS = "string:Recipient Domains"


class Text(DomainModel):
    text: str


class Message(DomainModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    from_: str | None = Field(default=None, alias="from")
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    sent_at: UtcDatetime | None = None
    subject: Text = Field(default_factory=lambda: Text(text=""))
    body: Text = Field(default_factory=lambda: Text(text=""))
    signature: Text | None = None
    language: str | None = None


class AttachmentRef(DomainModel):
    name: str
    size: int = Field(ge=0)
    content_type: str
    content_hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    # Opaque to readers; the API turns it into the bytes. None when attachment sync is off.
    attachment_reference: str | None = None


class CommentSource(DomainModel):
    integration: str
    kind: str
    mailbox: str
    folder: str


class Comment(DomainModel):
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True)

    id: str = Field(pattern=r"^[0-9a-f]+$")
    thread_id: str | None = None
    timestamp: UtcDatetime
    messages: list[Message] = Field(min_length=1)
    user_properties: dict[str, str | int | float] = Field(default_factory=dict)
    attachments: list[AttachmentRef] = Field(default_factory=list)
    source: CommentSource
    warnings: list[str] = Field(default_factory=list)
    created_at: UtcDatetime
    updated_at: UtcDatetime

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
