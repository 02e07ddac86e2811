"""A large Graph email is read as properties plus streamed attachments, never whole (issue 10, as
issue 4 does for EWS): same comment as the MIME path, attachment bytes stored whole."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from commsync.services.poll import PollStatus
from commsync.sources.graph import large
from emulators.graph import references
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN, BUCKET, graph_world
from tests.support.attached_mail import LINK, carrier_email, mime_path_attachments
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration


def test_a_large_email_streams_its_attachment_and_reads_like_a_small_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an email with a 2 MB scan, over a threshold lowered to 1 MB for the test (our own
    # constant, not a library's), and a small email beside it
    monkeypatch.setattr(large, "LARGE_EMAIL_BYTES", 1_000_000)
    scan = b"%PDF-1.7\n" + os.urandom(2_000_000)
    data = tmp_path / "data"
    write_eml(data, ANN, "Inbox", "big.eml", email_bytes(7, attachment=("scan.pdf", scan)))
    write_eml(data, ANN, "Inbox", "small.eml", email_bytes(8))
    with graph_world(tmp_path, data, self_signed(tmp_path / "tls")) as world:
        # WHEN it syncs
        outcome = world.sync()

        # THEN the big email's attachment was stored whole from its own stream, and listed
        assert outcome.status is PollStatus.DONE, outcome.error
        comments = {c["messages"][0]["subject"]["text"]: c for c in world.comments().values()}
        big = comments["Order 1007 status"]
        digest = hashlib.sha256(scan).hexdigest()
        assert [(a["name"], a["size"], a["attachment_reference"]) for a in big["attachments"]] == [
            ("scan.pdf", len(scan), digest)
        ]
        assert (world.store / "attachments" / BUCKET / digest).read_bytes() == scan
        assert big["id"] == b"<order-7@northwind.example>".hex()
        assert big["messages"][0]["from"] == comments["Order 1008 status"]["messages"][0]["from"]
        assert "order 1007 ships tomorrow" in big["messages"][0]["body"]["text"]
        assert any("streamed" in w for w in big["warnings"])


def test_attached_emails_and_links_on_the_large_path_are_listed_as_the_mime_path_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a large email with a scan and an attached email, and a link to a SharePoint file
    monkeypatch.setattr(large, "LARGE_EMAIL_BYTES", 1_000_000)
    raw = carrier_email()
    data = tmp_path / "data"
    write_eml(data, ANN, "Inbox", "fwd.eml", raw)
    with graph_world(tmp_path, data, self_signed(tmp_path / "tls")) as world:
        graph = world.emulator.store.mailbox(ANN)
        assert graph is not None
        (item,) = list(graph.box.items.values())
        references.add(graph, item, references.Reference("Manifest 4411.xlsx", LINK))

        # WHEN it syncs
        outcome = world.sync()

        # THEN the comment id and the file and email attachments are the MIME path's, in its order
        assert outcome.status is PollStatus.DONE, outcome.error
        (comment,) = world.comments().values()
        comment_id, expected = mime_path_attachments(raw, "graph")
        assert comment["id"] == comment_id
        assert comment["attachments"][:2] == expected
        # ... and the link is listed with its URL as its content and a warning naming it
        link = comment["attachments"][2]
        assert (link["name"], link["content_type"]) == ("Manifest 4411.xlsx", "text/uri-list")
        stored = world.store / "attachments" / BUCKET / link["attachment_reference"]
        assert stored.read_bytes() == f"{LINK}\r\n".encode()
        assert any(LINK in w and "not copied" in w for w in comment["warnings"])
        assert comment["user_properties"]["number:Attachments"] == 3


def test_a_small_emails_link_is_listed_beside_its_mime_attachments(tmp_path: Path) -> None:
    # GIVEN a small email with a PDF (in its MIME) and a link to a SharePoint file (not in it)
    data = tmp_path / "data"
    raw = email_bytes(9, attachment=("note.pdf", b"%PDF-1.4 note"))
    write_eml(data, ANN, "Inbox", "small.eml", raw)
    with graph_world(tmp_path, data, self_signed(tmp_path / "tls")) as world:
        graph = world.emulator.store.mailbox(ANN)
        assert graph is not None
        (item,) = list(graph.box.items.values())
        references.add(graph, item, references.Reference("Manifest 4411.xlsx", LINK))

        # WHEN it syncs (whole, as MIME)
        assert world.sync().status is PollStatus.DONE

        # THEN the PDF is the MIME path's and the link follows it, with its warning only
        (comment,) = world.comments().values()
        _, expected = mime_path_attachments(raw, "graph")
        assert comment["attachments"][:1] == expected
        assert [(a["name"], a["content_type"]) for a in comment["attachments"][1:]] == [
            ("Manifest 4411.xlsx", "text/uri-list")
        ]
        assert any(LINK in w for w in comment["warnings"])
        assert not any("streamed" in w for w in comment["warnings"])
        assert comment["user_properties"]["number:Attachments"] == 2
