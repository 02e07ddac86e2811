"""Issue 4's "done when": a mailbox of a few thousand emails over nested folders syncs completely,
then incrementally, through exchangelib (local mode; the moto variant is tests/e2e/test_ews_flow.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
FOLDERS = [
    "Inbox",
    "Inbox/Customers",
    "Inbox/Customers/Key accounts",
    "Inbox/Customers/Key accounts/Alpenwerk",
    "Inbox/Suppliers",
    "Sent Items",
    "Archive/2023",
    "Archive/2024/Q1",
]


def test_three_thousand_emails_in_nested_folders_sync_completely_then_incrementally(tmp_path: Path) -> None:
    # GIVEN 3,000 emails spread over eight nested folders
    data = tmp_path / "data"
    for n in range(3000):
        write_eml(data, ANN, FOLDERS[n % len(FOLDERS)], f"{n}.eml", email_bytes(n))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN], page_size=512) as world:
        # WHEN it backfills
        first = world.sync()[f"{KEY}#{ANN}"]

        # THEN every email is one comment, in its folder
        assert first.status is PollStatus.DONE, first.error
        assert first.counts.created == 3000
        comments = world.comments()
        assert len(comments) == 3000
        deepest = {c["user_properties"]["string:Folder"] for c in comments.values()}
        assert deepest == set(FOLDERS)

        # WHEN five arrive across folders and one folder is renamed
        for n in range(3000, 3005):
            emulator.store.add(ANN, FOLDERS[n % len(FOLDERS)], email_bytes(n))
        emulator.store.rename_folder(ANN, "Inbox/Suppliers", "Vendors")
        emulator.stats.reset()
        second = world.sync()[f"{KEY}#{ANN}"]

        # THEN the five are new, and the renamed folder's comments carry its new path (issue 19):
        # that folder alone is read again, its comments re-pathed, nothing else fetched twice
        assert second.counts.created == 5
        comments = world.comments()
        assert len(comments) == 3005
        paths = {c["user_properties"]["string:Folder"] for c in comments.values()}
        assert "Inbox/Vendors" in paths and "Inbox/Suppliers" not in paths
        renamed = sum(c["user_properties"]["string:Folder"] == "Inbox/Vendors" for c in comments.values())
        assert emulator.stats["op:GetItem"] <= 5 + renamed // 100 + 1  # 100 items per GetItem
