"""A large email keeps its thread (issue 10 gaps): the stand-in built from Graph properties carries
In-Reply-To, References and Thread-Index, so a reply has the same thread_id whether it was read
whole through `/$value` or as properties plus streamed attachments."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import requests

from commsync.services.poll import PollStatus
from commsync.sources.graph import large
from emulators.graph import GraphEmulator
from emulators.server import running
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import (
    ANN,
    CLIENT_ID,
    GRAPH,
    TENANT,
    graph_world,
    identity_with_app,
)
from tests.integration.test_graph_thread_corpus import write_thread

pytestmark = pytest.mark.integration
SCAN_BYTES = 150_000


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return self_signed(tmp_path / "tls")


def _hex(message_id: str) -> str:
    return message_id.encode().hex()


def test_graph_returns_transport_headers_only_when_selected_and_never_for_the_sent_copy(
    tmp_path: Path, tls: TlsFiles
) -> None:
    # GIVEN a conversation whose reply by Ann lies in Sent Items and whose answer lies in the Inbox
    write_thread(tmp_path / "data", scan_bytes=0)
    idp = identity_with_app()
    with running(idp.server(0, tls=tls)):
        emulator = GraphEmulator.from_directory(tmp_path / "data", idp.verifier())
        token = idp.app_token(TENANT, CLIENT_ID, GRAPH)
        with running(emulator.server(0, tls=tls)) as server:
            sent = emulator.store.messages(ANN, "Sent Items")[0]
            answer = next(
                m
                for m in emulator.store.messages(ANN, "Inbox")
                if m.internet_message_id == "<po-4471.3@mail.example>"
            )

            def get(message_id: str, **params: str) -> dict[str, object]:
                response = requests.get(
                    f"{server.url}/v1.0/users/{ANN}/messages/{message_id}",
                    params=params,
                    headers={"Authorization": f"Bearer {token}", "Prefer": 'IdType="ImmutableId"'},
                    verify=str(tls.cert),
                    timeout=10,
                )
                assert response.status_code == 200, response.text
                body: dict[str, object] = response.json()
                return body

            # WHEN the messages are read with and without $select, and with the MAPI properties expanded
            plain = get(answer.id)
            selected = get(
                answer.id, **{"$select": "internetMessageHeaders,conversationIndex,conversationId"}
            )
            sent_selected = get(sent.id, **{"$select": "internetMessageHeaders"})
            expand = "singleValueExtendedProperties($filter=id eq 'String 0x1042' or id eq 'String 0x1039')"
            sent_expanded = get(sent.id, **{"$select": "subject", "$expand": expand})

    # THEN the headers come as name/value pairs only when selected, and not at all for the sent copy
    assert "internetMessageHeaders" not in plain
    headers = {h["name"]: h["value"] for h in selected["internetMessageHeaders"]}  # type: ignore[attr-defined]
    assert headers["In-Reply-To"] == "<po-4471.2@mail.example>"
    assert headers["References"] == "<po-4471.1@mail.fabrikam.example> <po-4471.2@mail.example>"
    assert base64.b64decode(str(selected["conversationIndex"])) == base64.b64decode(headers["Thread-Index"])
    assert selected["conversationId"] and selected["conversationId"] == plain["conversationId"]
    assert "internetMessageHeaders" not in sent_selected
    # AND the sent copy still has In-Reply-To and References as extended properties
    assert sent_expanded["singleValueExtendedProperties"] == [
        {"id": "String 0x1042", "value": "<po-4471.1@mail.fabrikam.example>"},
        {"id": "String 0x1039", "value": "<po-4471.1@mail.fabrikam.example>"},
    ]


def test_a_reply_has_the_same_thread_id_read_whole_or_as_a_large_email(
    tmp_path: Path, tls: TlsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a conversation of five emails, four of them replies with a 150 KB scan each
    expected_roots = write_thread(tmp_path / "data", scan_bytes=SCAN_BYTES)

    # WHEN it is synced once with every email read whole through /$value
    with graph_world(tmp_path / "whole", tmp_path / "data", tls) as world:
        assert world.sync().status is PollStatus.DONE
        whole = world.comments()
        whole_mime_reads = world.emulator.stats["op:message.$value"]

    # AND once with the replies over the large-email threshold (our own constant, lowered)
    monkeypatch.setattr(large, "LARGE_EMAIL_BYTES", SCAN_BYTES // 2)
    with graph_world(tmp_path / "large", tmp_path / "data", tls) as world:
        outcome = world.sync()
        assert outcome.status is PollStatus.DONE, outcome.error
        as_large = world.comments()
        large_mime_reads = world.emulator.stats["op:message.$value"]

    # THEN the replies were read as properties, not as MIME
    assert (whole_mime_reads, large_mime_reads) == (5, 1)
    streamed = [c for c in as_large.values() if any("streamed" in w for w in c["warnings"])]
    assert len(streamed) == 4
    # AND every email has the thread id its own headers give, both ways: the Sent Items copy
    # (no transport headers) through its MAPI properties, the Outlook replies through their
    # Thread-Index: the received one's transport header, the sent one's conversationIndex
    assert whole.keys() == as_large.keys() == {_hex(mid) for mid in expected_roots}
    for message_id, root in expected_roots.items():
        assert whole[_hex(message_id)]["thread_id"] == _hex(root), message_id
        assert as_large[_hex(message_id)]["thread_id"] == _hex(root), message_id
