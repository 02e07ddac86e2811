"""FindItem (MS-OXWSSRCH 3.1.4.2): a folder's items, restricted, sorted and paged.

Traversal Shallow only (Deep is for search folders; SoftDeleted and Associated hold nothing here).
Paging by IndexedPageItemView (MaxEntriesReturned, Offset >= 0, BasePoint Beginning or End);
Restriction and SortOrder as restriction.py evaluates them. Like SyncFolderItems it returns no
MimeContent, Body or Attachments: clients fetch those with GetItem.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import item_xml
from emulators.ews.context import Context
from emulators.ews.request import M, children, shape
from emulators.ews.restriction import compile_restriction, sort
from emulators.ews.soap import EwsError, SoapFault, boolean, error, success
from emulators.ews.view import page_view

NAME = "FindItem"
IDS = f"{M}ParentFolderIds"
TRAILER = ""


def handle(context: Context, body: ET.Element) -> list[str]:
    item_shape = shape(body.find(f"{M}ItemShape"))
    fields = item_xml.wanted(item_shape, excluded=item_xml.NOT_IN_SYNC)
    traversal = body.get("Traversal", "Shallow")
    if traversal not in ("Shallow", "Deep", "SoftDeleted", "Associated"):
        raise SoapFault(
            "ErrorSchemaValidation", f"The request failed schema validation: Traversal {traversal}."
        )
    view = page_view(body.find(f"{M}IndexedPageItemView"))
    restriction = body.find(f"{M}Restriction")
    predicate = compile_restriction(restriction[0]) if restriction is not None and len(restriction) else None
    messages = []
    for parent_element in children(body, IDS):
        try:
            if traversal == "Deep":
                raise EwsError("ErrorInvalidOperation", "Deep traversal queries are only for search folders.")
            mailbox, folder = context.folder(parent_element)
            with mailbox.lock:
                found = [] if traversal != "Shallow" else list(folder.items.values())
                found = [item for item in found if predicate is None or predicate(item)]
                found = sort(found, body.find(f"{M}SortOrder"))
                start, page = view.slice(found)
                rendered = "".join(
                    item_xml.render(item, mailbox.address, item_shape, fields) for item in page
                )
        except EwsError as failure:
            messages.append(error(NAME, failure, TRAILER))
            continue
        last = start + len(page) >= len(found)
        messages.append(
            success(
                NAME,
                f'<m:RootFolder IndexedPagingOffset="{start + len(page)}" TotalItemsInView="{len(found)}" '
                f'IncludesLastItemInRange="{boolean(last)}"><t:Items>{rendered}</t:Items></m:RootFolder>',
            )
        )
    return messages
