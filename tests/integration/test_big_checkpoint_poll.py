"""The poller keeps a checkpoint token too big for the state in the blob store, reads it back on
the next poll, and deletes the blob each new one replaces (services/checkpoint_tokens.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsync.services import checkpoint_tokens
from emulators.ews import EwsEmulator
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"


def test_tokens_over_the_inline_limit_round_trip_through_blobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a limit so low that every EWS token (folder tree, SyncState) goes to the blob store,
    # as a large archive's folder tree does at the real limit
    monkeypatch.setattr(checkpoint_tokens, "INLINE_LIMIT", 40)
    data = tmp_path / "data"
    for n, folder in enumerate(["Inbox", "Inbox", "Archive/2023", "Sent Items"]):
        write_eml(data, ANN, folder, f"{n}.eml", email_bytes(n))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        # WHEN it syncs, an email and a folder arrive, and it syncs twice more
        first = world.sync()
        emulator.store.add(ANN, "Inbox", email_bytes(99))
        emulator.store.add_folder(ANN, "Archive/2024")
        second = world.sync()
        third = world.sync()

        # THEN each sync went on from the last: nothing read twice, the new email once
        created = [o[next(iter(o))].counts.created for o in (first, second, third)]
        assert created == [4, 1, 0]
        assert len(world.comments()) == created[0] + created[1]
        # AND the folder tree's checkpoint names a blob, and each checkpoint (one directory per
        # folder) has exactly one blob left: the ones replaced along the way were deleted
        engine = world.runtime.engine
        ref = engine.state.list_mailboxes("acme/exchange")[0][0].ref
        tree = engine.state.get_checkpoint(ref, "#folders")
        assert tree is not None and tree.token.startswith(checkpoint_tokens.BLOB_PREFIX)
        per_folder = [list(d.iterdir()) for d in (world.store / "checkpoints").iterdir()]
        assert len(per_folder) >= 5  # the tree and the folders with mail, Archive/2024 included
        assert all(len(blobs) == 1 for blobs in per_folder)
