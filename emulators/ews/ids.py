"""Opaque EWS ids: ItemId, FolderId, AttachmentId and their ChangeKeys.

Like classic EWS ids (MS-OXWSCORE 2.2.4.x: base64 of a binary entry id), these name the mailbox
and, for items, the folder: a move therefore yields a new ItemId, as on Exchange. Clients must
treat them as opaque; the emulator decodes them to find the mailbox for Delegate access.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from emulators.ews.soap import EwsError

_MAGIC = b"\x45\x57"  # distinguishes our ids from other base64 strings
_ITEM, _FOLDER, _ATTACHMENT = b"I", b"F", b"A"


@dataclass(frozen=True)
class DecodedId:
    kind: str  # "item", "folder" or "attachment"
    mailbox: str
    folder: int  # folder uid (items, folders)
    item: int  # item uid (items, attachments)
    index: int  # attachment index within its item


def _encode(kind: bytes, mailbox: str, folder: int, item: int, index: int) -> str:
    address = mailbox.encode()
    raw = _MAGIC + kind + struct.pack(">B", len(address)) + address + struct.pack(">IQH", folder, item, index)
    return base64.b64encode(raw).decode()


def item_id(mailbox: str, folder: int, item: int) -> str:
    return _encode(_ITEM, mailbox, folder, item, 0)


def folder_id(mailbox: str, folder: int) -> str:
    return _encode(_FOLDER, mailbox, folder, 0, 0)


def attachment_id(mailbox: str, item: int, index: int) -> str:
    return _encode(_ATTACHMENT, mailbox, 0, item, index)


def change_key(uid: int, version: int) -> str:
    """A version stamp; it changes whenever the object changes (MS-OXWSCORE ItemIdType ChangeKey)."""
    return base64.b64encode(b"CQAAABYA" + struct.pack(">QI", uid, version)).decode()


def decode(value: str | None, expected: str) -> DecodedId:
    """Decode an id of the expected kind, or raise ErrorInvalidIdMalformed as Exchange does."""
    try:
        raw = base64.b64decode(value or "", validate=True)
        if raw[:2] != _MAGIC:
            raise ValueError("foreign id")
        size = raw[3]
        mailbox = raw[4 : 4 + size].decode()
        folder, item, index = struct.unpack(">IQH", raw[4 + size :])
        kind = {_ITEM: "item", _FOLDER: "folder", _ATTACHMENT: "attachment"}[raw[2:3]]
    except (binascii.Error, ValueError, IndexError, KeyError, struct.error, UnicodeDecodeError) as exc:
        raise EwsError("ErrorInvalidIdMalformed") from exc
    if kind != expected:
        raise EwsError("ErrorInvalidIdMalformed")
    return DecodedId(kind, mailbox, folder, item, index)
