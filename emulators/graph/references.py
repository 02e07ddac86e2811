"""referenceAttachment (Graph resources/referenceattachment): a link to a file in OneDrive or
SharePoint that the message carries instead of the file's bytes.

A `.eml` file has no place for one, so a test adds them beside the data directory:
`references.add(emulator.store.mailbox(address), item, Reference(name, url))`. They are listed
after the message's file and item attachments, `GET .../attachments/{id}` returns the resource
with its `sourceUrl`, and `$value` is refused: the bytes are not in the mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.ews.mailbox import Item
from emulators.ews.mime import utc_text
from emulators.graph import ids
from emulators.graph.errors import GraphError
from emulators.graph.store import GraphMailbox

ODATA_TYPE = "#microsoft.graph.referenceAttachment"


@dataclass(frozen=True)
class Reference:
    name: str
    source_url: str
    provider_type: str = "oneDriveBusiness"
    permission: str = "view"


def add(graph: GraphMailbox, item: Item, reference: Reference) -> None:
    graph.references.setdefault(graph.immutable(item), []).append(reference)


def of(graph: GraphMailbox, item: Item) -> list[Reference]:
    return list(graph.references.get(graph.immutable(item), []))


def resource(
    graph: GraphMailbox, item: Item, index: int, found: Reference, select: list[str] | None
) -> dict[str, Any]:
    full: dict[str, Any] = {
        "@odata.type": ODATA_TYPE,
        "id": ids.encode(ids.ATTACHMENT, graph.address, graph.immutable(item), index),
        "lastModifiedDateTime": utc_text(item.received),
        "name": found.name,
        "contentType": None,
        "size": len(found.source_url) + 200,  # the link's own size in the store, not the file's
        "isInline": False,
        "sourceUrl": found.source_url,
        "providerType": found.provider_type,
        "permission": found.permission,
        "isFolder": False,
    }
    if select is None:
        return full
    return {k: v for k, v in full.items() if k in ("@odata.type", "id", *select)}


def no_value() -> GraphError:
    return GraphError(400, "ErrorInvalidRequest", "A reference attachment has no content stream.")
