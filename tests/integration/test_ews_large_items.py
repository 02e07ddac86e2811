"""A large email's attachments are streamed to storage, never held whole (issue 4; issue 8 scenario 5)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from tests.support.attached_mail import carrier_email, mime_path_attachments
from tests.support.ews import BUCKET, KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"


def test_an_email_over_the_threshold_has_its_attachment_streamed_whole_and_listed(tmp_path: Path) -> None:
    # GIVEN an email with a 3 MB scan, and a streaming threshold of 1 MB
    scan = b"%PDF-1.7\n" + os.urandom(3_000_000)
    data = tmp_path / "data"
    write_eml(data, ANN, "Inbox", "big.eml", email_bytes(7, attachment=("scan.pdf", scan)))
    write_eml(data, ANN, "Inbox", "small.eml", email_bytes(8))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN], options={"stream_items_over_bytes": 1_000_000}) as world:
        # WHEN it syncs
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the big email was fetched without its MIME and its attachment came by GetAttachment
        assert outcome.status is PollStatus.DONE, outcome.error
        assert emulator.stats["op:GetAttachment"] == 1
        comments = {c["messages"][0]["subject"]["text"]: c for c in world.comments().values()}
        big = comments["Order 1007 status"]
        digest = hashlib.sha256(scan).hexdigest()
        assert big["attachments"] == [
            {
                "name": "scan.pdf",
                "size": len(scan),
                "content_type": "application/pdf",
                "content_hash": f"sha256:{digest}",
                "attachment_reference": digest,
            }
        ]
        assert (world.store / "attachments" / BUCKET / digest).read_bytes() == scan
        assert big["user_properties"]["number:Attachments"] == 1
        assert any("streamed" in w for w in big["warnings"])
        # ... and its comment reads like the small one's: same sender, text and id scheme
        assert big["messages"][0]["from"] == comments["Order 1008 status"]["messages"][0]["from"]
        assert "order 1007 ships tomorrow" in big["messages"][0]["body"]["text"]
        assert big["id"] == b"<order-7@northwind.example>".hex()

        # WHEN the big email moves to another folder
        emulator.store.add_folder(ANN, "Archive")
        item = next(
            i for i in emulator.store.items(ANN, "Inbox") if i.message_id == "<order-7@northwind.example>"
        )
        emulator.store.move(ANN, item.id, "Archive")
        emulator.stats.reset()
        world.sync()

        # THEN only its folder changes: the attachment is not downloaded again
        assert emulator.stats["op:GetAttachment"] == 0
        moved = next(c for c in world.comments().values() if c["id"] == big["id"])
        assert moved["user_properties"]["string:Folder"] == "Archive"
        assert moved["attachments"] == big["attachments"]


def test_an_attachment_carried_by_several_emails_is_uploaded_once(tmp_path: Path) -> None:
    # GIVEN the same 3 MB scan on three large emails, and a small PDF on two small ones
    scan, note = b"%PDF-1.7\n" + os.urandom(3_000_000), b"%PDF-1.7\n" + os.urandom(20_000)
    data = tmp_path / "data"
    for n in (1, 2, 3):
        write_eml(data, ANN, "Inbox", f"big{n}.eml", email_bytes(n, attachment=("scan.pdf", scan)))
    for n in (4, 5):
        write_eml(data, ANN, "Inbox", f"small{n}.eml", email_bytes(n, attachment=("note.pdf", note)))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN], options={"stream_items_over_bytes": 1_000_000}) as world:
        blobs = world.runtime.engine.blobs
        uploads: list[str] = []
        put, put_file = blobs.put, blobs.put_file

        def counted_put(key: str, data: bytes, content_type: str) -> None:
            uploads.append(key)
            put(key, data, content_type)

        def counted_put_file(key: str, path: Path, content_type: str) -> None:
            uploads.append(key)
            put_file(key, path, content_type)

        blobs.put, blobs.put_file = counted_put, counted_put_file  # type: ignore[method-assign]

        # WHEN they sync
        assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE

        # THEN each distinct attachment was written once, and all five comments reference theirs
        written = [k for k in uploads if k.startswith(f"attachments/{BUCKET}/")]
        assert sorted(written) == sorted(
            f"attachments/{BUCKET}/{hashlib.sha256(b).hexdigest()}" for b in (scan, note)
        )
        references = [c["attachments"][0]["attachment_reference"] for c in world.comments().values()]
        assert sorted(references) == sorted(
            [hashlib.sha256(scan).hexdigest()] * 3 + [hashlib.sha256(note).hexdigest()] * 2
        )


def test_an_attached_email_on_the_large_path_is_listed_as_the_mime_path_lists_it(tmp_path: Path) -> None:
    # GIVEN an email over the threshold that carries a scan and an attached email (issue 19)
    raw = carrier_email()
    data = tmp_path / "data"
    write_eml(data, ANN, "Inbox", "fwd.eml", raw)
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN], options={"stream_items_over_bytes": 1_000_000}) as world:
        # WHEN it syncs on the large path (GetItem without MIME, GetAttachment per attachment)
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the comment has the id and the attachments the MIME path gives for the same bytes
        assert outcome.status is PollStatus.DONE, outcome.error
        assert emulator.stats["op:GetAttachment"] == 2
        (comment,) = world.comments().values()
        comment_id, expected = mime_path_attachments(raw, "ews")
        assert comment["id"] == comment_id
        assert [a["name"] for a in expected] == ["scan.pdf", "Lieferschein 4411 — Übergabe am Dienstag.eml"]
        assert comment["attachments"] == expected  # in the message's order, the scan first
        assert comment["user_properties"]["number:Attachments"] == 2
        # ... and the stored attached email is that email, readable on its own
        stored = world.store / "attachments" / BUCKET / expected[1]["attachment_reference"]
        assert b"<dispatch-4411@fabrikam.example>" in stored.read_bytes()
