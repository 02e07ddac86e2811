"""Issue 10's "done when": the same mailbox synced through EWS and through Microsoft Graph yields
the same comments (ids, text, folders), both emulators serving one data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commsync.services.poll import PollStatus
from commsync.sources.graph import large
from emulators.ews import EwsEmulator
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN, graph_world, write_corpus
from tests.integration.test_graph_thread_corpus import THREAD_INDEX_ONLY, write_thread
from tests.support.ews import KEY as EWS_KEY
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, ews_world

pytestmark = pytest.mark.integration
Comments = dict[str, dict[str, Any]]


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


def _sync_large_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Comments, Comments, dict[str, str]]:
    """A conversation whose replies carry 150 KB scans, over both sources' large-email thresholds
    (EWS's option; Graph's own constant, lowered), synced through both: (by EWS, by Graph, roots)."""
    data = tmp_path / "data"
    roots = write_thread(data, scan_bytes=150_000)
    monkeypatch.setattr(large, "LARGE_EMAIL_BYTES", 100_000)
    ews = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    (tmp_path / "ews").mkdir()
    (tmp_path / "graph").mkdir()
    with ews_world(tmp_path / "ews", ews, [ANN], options={"stream_items_over_bytes": 100_000}) as ews_side:
        assert ews_side.sync()[f"{EWS_KEY}#{ANN}"].status is PollStatus.DONE
        by_ews = ews_side.comments()
    with graph_world(tmp_path / "graph", data, self_signed(tmp_path / "tls")) as graph_side:
        assert graph_side.sync().status is PollStatus.DONE
        by_graph = graph_side.comments()
    return by_ews, by_graph, roots


def test_a_conversation_of_large_emails_threads_the_same_through_ews_and_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a conversation of large emails whose replies name their root in References
    # WHEN it is synced through EWS and through Graph
    by_ews, by_graph, roots = _sync_large_thread(tmp_path, monkeypatch)

    # THEN each email is the same comment both ways, thread id included, and the replies'
    # thread is their root's (the Sent Items copy has no transport headers in Graph)
    assert by_ews.keys() == by_graph.keys() == {m.encode().hex() for m in roots}
    for message_id, root in roots.items():
        if message_id in THREAD_INDEX_ONLY:
            continue
        comment_id = message_id.encode().hex()
        assert any("streamed" in w for w in by_graph[comment_id]["warnings"]) == (message_id != root)
        assert _comparable(by_graph[comment_id]) == _comparable(by_ews[comment_id]), message_id
        assert by_graph[comment_id]["thread_id"] == root.encode().hex()


def test_a_large_email_threaded_only_by_thread_index_threads_the_same_through_ews_and_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN large replies that Outlook threaded by Thread-Index alone (no References, no In-Reply-To)
    # WHEN it is synced through EWS and through Graph
    by_ews, by_graph, roots = _sync_large_thread(tmp_path, monkeypatch)

    # THEN both give each the thread its Thread-Index names, as its MIME does
    for message_id in THREAD_INDEX_ONLY:
        comment_id = message_id.encode().hex()
        assert by_graph[comment_id]["thread_id"] == roots[message_id].encode().hex()
        assert by_ews[comment_id]["thread_id"] == by_graph[comment_id]["thread_id"]
