"""Opaque Graph ids for messages, folders and attachments.

Without `Prefer: IdType="ImmutableId"` a message id names its folder, so it changes when the
message moves, as Graph's default (REST) ids do; with it, the id is minted once per message and
survives moves inside the mailbox ("Obtain immutable identifiers for Outlook resources").
Clients must treat both as opaque; the emulator decodes them to find the item.
"""

from __future__ import annotations

import base64
import binascii
import struct
import uuid
from dataclasses import dataclass

_MAGIC = b"\x47\x52"
REST, IMMUTABLE, FOLDER, ATTACHMENT = b"R", b"M", b"F", b"A"
_DIRECTORY = uuid.UUID("6f2c1b1e-7a57-4c0c-9d7e-2b6c1a6e0a21")


def object_id(address: str) -> str:
    """A user's directory object id: a GUID derived from the address, the same on every start."""
    return str(uuid.uuid5(_DIRECTORY, address.lower()))


@dataclass(frozen=True)
class DecodedId:
    kind: bytes
    mailbox: str
    first: int  # REST: folder uid; IMMUTABLE: immutable number; FOLDER: folder uid; ATTACHMENT: immutable
    second: int  # REST: item uid; ATTACHMENT: attachment index


def encode(kind: bytes, mailbox: str, first: int, second: int = 0) -> str:
    address = mailbox.encode()
    raw = _MAGIC + kind + struct.pack(">B", len(address)) + address + struct.pack(">QI", first, second)
    return base64.urlsafe_b64encode(raw).decode()


def decode(value: str) -> DecodedId | None:
    """The id's parts, or None for anything this emulator did not mint."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
        if raw[:2] != _MAGIC:
            return None
        size = raw[3]
        address = raw[4 : 4 + size].decode()
        first, second = struct.unpack(">QI", raw[4 + size :])
    except (binascii.Error, ValueError, IndexError, struct.error, UnicodeDecodeError):
        return None
    return DecodedId(raw[2:3], address, first, second)
