"""What Graph says about a message's place in its conversation, besides `/$value`.

- `internetMessageHeaders` is the transport headers (PR_TRANSPORT_MESSAGE_HEADERS) as
  `[{"name", "value"}]`: returned only when `$select` names it (message resource), and never for a
  copy that did not come through delivery: on a message in Sent Items (or Drafts, Outbox) the
  property is not set at all (microsoft-graph-docs issues 2716 and 3066: "internet headers just
  do not exist on the copy in Sent Items"). The emulator knows "sent" only by folder, so a sent
  copy moved elsewhere would still show headers here.
- `conversationIndex` (Edm.Binary, base64 in JSON) is PidTagConversationIndex (MS-OXOMSG
  2.2.1.3), which Exchange writes into the MIME as Thread-Index: the email's own Thread-Index,
  else a conversation root of 22 bytes (0x01, 5 bytes of FILETIME, a 16-byte GUID).
- `conversationId` is opaque; here it is derived from the index's GUID (PidTagConversationId).
- `$expand=singleValueExtendedProperties($filter=id eq 'String 0x1042' or id eq 'String 0x1039')`:
  PidTagInReplyToId and PidTagInternetReferences (MS-OXOMSG 2.2.1.3x), which every copy has, the
  sent one included.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from typing import Any

from emulators.ews.mailbox import Folder, Item
from emulators.graph.errors import bad_request

_NOT_DELIVERED = frozenset({"sentitems", "drafts", "outbox"})
_EXPAND = re.compile(r"^singleValueExtendedProperties\(\$filter=(?P<filter>.+)\)$", re.IGNORECASE)
_PROPERTY_ID = re.compile(r"\bid\s+eq\s+'([^']*)'", re.IGNORECASE)
# MAPI string properties the emulator keeps, by their Graph id (type and tag), and their header.
_EXTENDED = {"string 0x1042": "In-Reply-To", "string 0x1039": "References"}
_FILETIME_EPOCH_OFFSET = 11_644_473_600  # seconds between 1601-01-01 and 1970-01-01
INDEX_ROOT_BYTES = 22


def delivered(item: Item) -> bool:
    folder: Folder | None = item.folder
    while folder is not None:
        if folder.distinguished in _NOT_DELIVERED:
            return False
        folder = folder.parent
    return True


def internet_message_headers(item: Item) -> list[dict[str, str]] | None:
    if not delivered(item):
        return None
    # Values come unfolded, one entry per occurrence, in the order of the header block.
    return [
        {"name": name, "value": " ".join(str(value).split())} for name, value in item.source.headers().items()
    ]


def conversation_index(item: Item) -> bytes:
    own = _thread_index(item.source.header("Thread-Index") or "")
    if own is not None and len(own) >= INDEX_ROOT_BYTES:
        return own
    seed = item.source.header("Message-ID") or f"uid:{item.uid}"
    filetime = int((item.received.timestamp() + _FILETIME_EPOCH_OFFSET) * 10_000_000)
    # MS-OXOMSG 2.2.1.3: reserved 0x01, then the high 5 bytes of the FILETIME, then the GUID.
    return b"\x01" + struct.pack(">Q", filetime)[:5] + hashlib.md5(seed.encode()).digest()  # noqa: S324


def conversation_id(item: Item) -> str:
    guid = conversation_index(item)[6:INDEX_ROOT_BYTES]
    return base64.urlsafe_b64encode(b"\x00\x10CONV" + guid).decode()


def extended_properties(item: Item, expand: str | None) -> list[dict[str, str]] | None:
    """The properties `$expand` asks for that the message has (Graph lists only those that exist)."""
    if not expand:
        return None
    match = _EXPAND.match(expand.strip())
    if match is None:
        raise bad_request(f"Parsing OData Select and Expand failed: could not expand '{expand[:80]}'.")
    found: list[dict[str, str]] = []
    for property_id in _PROPERTY_ID.findall(match.group("filter")):
        header = _EXTENDED.get(" ".join(property_id.split()).lower())
        value = item.source.header(header) if header else None
        if value:
            found.append({"id": property_id, "value": " ".join(value.split())})
    return found


def expanded(body: dict[str, Any], item: Item, expand: str | None) -> dict[str, Any]:
    properties = extended_properties(item, expand)
    return body if properties is None else {**body, "singleValueExtendedProperties": properties}


def _thread_index(value: str) -> bytes | None:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", value)
    if not cleaned:
        return None
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return None
