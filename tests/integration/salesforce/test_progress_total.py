"""Issue 23: a first sync's first page carries the `SELECT COUNT()` the source makes anyway for
the Bulk API 2.0 decision, as the progress total; an incremental poll counts nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from emulators.salesforce import SalesforceEmulator
from tests.integration.salesforce.support import T0, open_source

pytestmark = pytest.mark.integration


def _cases(emu: SalesforceEmulator, count: int) -> None:
    for n in range(count):
        emu.put("Case", {"Subject": f"Pallet {n} damaged", "Status": "New"}, at=T0 + timedelta(seconds=n))


@pytest.mark.parametrize("threshold", [10, 1_000])  # read in bulk, and through REST after the COUNT()
def test_a_first_sync_reports_the_count_as_its_total_and_an_incremental_poll_none(
    emu: SalesforceEmulator, secrets: FileSecrets, threshold: int
) -> None:
    # GIVEN 25 cases
    _cases(emu, 25)
    source = open_source(emu, secrets, "Case", bulk_above_records=threshold)
    (folder,) = source.folders(None).folders

    # WHEN the first sync runs
    pages = list(source.changes(folder, None, 10))

    # THEN its first page carries the count, and no other page does
    assert [page.total for page in pages] == [25] + [None] * (len(pages) - 1)
    assert sum(len(page.changes) for page in pages) == 25

    # WHEN a case changes and the next poll runs from the stored token
    emu.put("Case", {"Subject": "Pallet 99 damaged", "Status": "New"}, at=T0 + timedelta(days=1))
    emu.stats.reset()
    again = list(
        open_source(emu, secrets, "Case", bulk_above_records=threshold).changes(folder, pages[-1].token, 10)
    )

    # THEN no page has a total, and only the one REST query of the changes ran (no COUNT())
    assert all(page.total is None for page in again)
    assert sum(len(page.changes) for page in again) == 1
    assert emu.stats["op:query"] == 1
