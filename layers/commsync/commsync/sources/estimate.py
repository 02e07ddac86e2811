"""A folder's item count on its first page (ports.ChangePage.total, issue 23): progress only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from commsync.ports import ChangePage


def first_with_total(pages: Iterator[ChangePage], total: int | None) -> Iterator[ChangePage]:
    """The pages as they come, the first one carrying `total` when there is one."""
    for page in pages:
        if total is not None:
            page, total = replace(page, total=total), None
        yield page
