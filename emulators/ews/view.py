"""IndexedPageItemView / IndexedPageFolderView (MS-OXWSSRCH 2.2.4.x): the page a Find* answers.

MaxEntriesReturned is a positive int, Offset a non-negative int (a negative one is
ErrorInvalidIndexedPagingParameters, never a Python slice from the end), BasePoint Beginning or
End; anything not of those types fails schema validation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TypeVar

from emulators.ews.soap import EwsError, SoapFault

V = TypeVar("V")
UNBOUNDED = 1000  # what a Find* without a view returns at most


@dataclass(frozen=True)
class PageView:
    limit: int = UNBOUNDED
    offset: int = 0
    from_end: bool = False

    def slice(self, found: list[V]) -> tuple[int, list[V]]:
        """(index of the page's first entry, the page)."""
        total = len(found)
        start = max(total - self.offset - self.limit, 0) if self.from_end else self.offset
        end = total - self.offset if self.from_end else start + self.limit
        return start, found[start : max(start, end)]


def _int(view: ET.Element, name: str, default: int) -> int:
    raw = view.get(name)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise SoapFault(
            "ErrorSchemaValidation", f"The request failed schema validation: {name} '{raw}' is not an int."
        ) from None


def page_view(view: ET.Element | None) -> PageView:
    if view is None:
        return PageView()
    limit, offset = _int(view, "MaxEntriesReturned", UNBOUNDED), _int(view, "Offset", 0)
    base = view.get("BasePoint", "Beginning")
    if base not in ("Beginning", "End"):
        raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: BasePoint '{base}'.")
    if limit < 1 or offset < 0:
        raise EwsError("ErrorInvalidIndexedPagingParameters")
    return PageView(limit, offset, base == "End")
