"""Issue 10's "done when": the same mailbox synced through EWS and through Microsoft Graph yields
the same comments (ids, text, folders), both emulators serving one data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN, graph_world, write_corpus
from tests.support.ews import KEY as EWS_KEY
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, ews_world

pytestmark = pytest.mark.integration


def _comparable(comment: dict[str, Any]) -> dict[str, Any]:
    # What differs by design: which integration and kind found it, and when it was written.
    return {k: v for k, v in comment.items() if k not in ("source", "created_at", "updated_at")}


def test_the_same_mailbox_through_ews_and_graph_gives_the_same_comments(tmp_path: Path) -> None:
    # GIVEN one mailbox tree (nested folders, attachments, categories, inline images, an attached
    # email) served by the EWS emulator and by the Graph emulator
    data = tmp_path / "data"
    written = write_corpus(data, count=30)
    tls = self_signed(tmp_path / "tls")
    ews = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})

    # WHEN it is synced through both
    (tmp_path / "ews").mkdir()
    (tmp_path / "graph").mkdir()
    with ews_world(tmp_path / "ews", ews, [ANN]) as ews_side:
        ews_outcome = ews_side.sync()[f"{EWS_KEY}#{ANN}"]
        by_ews = ews_side.comments()
    with graph_world(tmp_path / "graph", data, tls) as graph_side:
        graph_outcome = graph_side.sync()
        by_graph = graph_side.comments()

    # THEN every email is one comment on each side, with the same id, text, folder and attachments
    assert ews_outcome.status is PollStatus.DONE, ews_outcome.error
    assert graph_outcome.status is PollStatus.DONE, graph_outcome.error
    assert len(by_ews) == len(written) == len(by_graph)
    assert by_ews.keys() == by_graph.keys()
    for comment_id, ews_comment in by_ews.items():
        assert _comparable(by_graph[comment_id]) == _comparable(ews_comment), comment_id
    folders = {c["user_properties"]["string:Folder"] for c in by_graph.values()}
    assert folders == {"Inbox", "Inbox/Projects", "Archive", "Sent Items"}
    assert {c["source"]["kind"] for c in by_graph.values()} == {"graph"}
