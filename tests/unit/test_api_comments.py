"""A bucket's comments through the API: the change feed, one comment, attachments, resync, delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from commsync.api.links import LOCAL_PREFIX, LocalLinks
from commsync.models.job import JobReason
from tests.support.api import ApiWorld, api_world
from tests.support.local import BUCKET, KEY, LocalWorld, local_world
from tests.support.mail import email_bytes, write_eml

ANN, BOB = "ann.lee@northwind.example", "bob@contoso.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Synced:
    local: LocalWorld
    api: ApiWorld


@pytest.fixture
def synced(tmp_path: Path) -> Iterator[Synced]:
    """Seven real emails synced from an export (one with a PDF), with the API over the same store."""
    local = local_world(tmp_path, [ANN, BOB])
    for n in range(5):
        write_eml(local.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    write_eml(local.mail, ANN, "Inbox", "5.eml", email_bytes(5, attachment=("invoice-1005.pdf", PDF)))
    write_eml(local.mail, BOB, "Inbox", "6.eml", email_bytes(6))
    local.sync()
    api = api_world(tmp_path, runtime=local.runtime)
    yield Synced(local, api)
    local.runtime.close()


def _feed(api: ApiWorld, **query: str) -> dict[str, Any]:
    response = api.call("GET", f"/buckets/{BUCKET}/comments", as_="view", query=query)
    assert response.status == 200, response.text
    page: dict[str, Any] = response.json
    return page


def test_the_feed_pages_through_every_comment_once_and_then_waits_for_changes(synced: Synced) -> None:
    # GIVEN seven synced comments
    # WHEN the feed is read three at a time, following the cursor
    seen: list[str] = []
    page = _feed(synced.api, limit="3")
    pages = 1
    while True:
        seen += [c["id"] for c in page["changes"]]
        if not page["more"]:
            break
        page = _feed(synced.api, limit="3", cursor=str(page["cursor"]))
        pages += 1
    after_end = _feed(synced.api, cursor=str(page["cursor"]))

    # THEN each comment came exactly once, and the last cursor has nothing new after it
    assert sorted(seen) == sorted(synced.local.comments()) and len(seen) == 7
    assert pages == 3
    assert after_end["changes"] == [] and after_end["more"] is False


def test_a_moved_comment_comes_back_in_the_feed(synced: Synced) -> None:
    # GIVEN a reader at the end of the feed
    cursor = str(_feed(synced.api, limit="1000")["cursor"])
    # WHEN an email moves to another folder and is synced again (a metadata change)
    source = synced.local.mail / ANN / "Inbox" / "2.eml"
    target = synced.local.mail / ANN / "Archive" / "2.eml"
    target.parent.mkdir(parents=True)
    source.rename(target)
    synced.local.sync()
    # THEN the feed after that cursor holds that one comment, in its new folder
    changes = _feed(synced.api, cursor=cursor)["changes"]
    assert [(c["folder"], c["mailbox"]) for c in changes] == [("Archive", ANN)]


def test_since_selects_by_time_and_a_bad_cursor_or_time_names_the_field(synced: Synced) -> None:
    everything = _feed(synced.api, since="2000-01-01T00:00:00Z")
    future = _feed(synced.api, since="2999-01-01T00:00:00Z")
    bad_cursor = synced.api.call(
        "GET", f"/buckets/{BUCKET}/comments", as_="view", query={"cursor": "not-ours"}
    )
    bad_limit = synced.api.call("GET", f"/buckets/{BUCKET}/comments", as_="view", query={"limit": "5000"})

    assert len(everything["changes"]) == 7 and future["changes"] == []
    assert bad_cursor.status == 422 and bad_cursor.field_names() == ["query.cursor"]
    assert bad_limit.status == 422 and bad_limit.field_names() == ["query.limit"]


def test_one_comment_is_returned_as_stored(synced: Synced) -> None:
    comment_id = next(iter(synced.local.comments()))

    found = synced.api.call("GET", f"/buckets/{BUCKET}/comments/{comment_id}", as_="view")
    missing = synced.api.call("GET", f"/buckets/{BUCKET}/comments/0123abcd", as_="view")
    not_hex = synced.api.call("GET", f"/buckets/{BUCKET}/comments/order-1", as_="view")

    assert found.status == 200 and found.json["id"] == comment_id
    assert found.json["source"]["integration"] == KEY
    assert missing.status == 404 and not_hex.status == 422


def test_an_attachment_reference_becomes_a_short_lived_signed_url(synced: Synced) -> None:
    # GIVEN the comment with the PDF
    comment = next(c for c in map(_json, synced.local.comments().values()) if c["attachments"])
    reference = comment["attachments"][0]["attachment_reference"]

    # WHEN its link is asked for
    response = synced.api.call("GET", f"/buckets/{BUCKET}/attachments/{reference}", as_="view")
    missing = synced.api.call("GET", f"/buckets/{BUCKET}/attachments/{'0' * 64}", as_="view")

    # THEN it is a signed URL of `commsync serve` that verifies for these bytes only
    assert response.status == 200 and missing.status == 404
    url = urlsplit(response.json["url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    key = unquote(url.path.removeprefix(LOCAL_PREFIX))
    checker = LocalLinks(synced.local.store, "http://127.0.0.1:8787")
    assert url.path.startswith(LOCAL_PREFIX)
    path = checker.path(key)
    assert path is not None and path.read_bytes() == PDF
    # a different process's key cannot verify it: the signature is bound to the serving process
    assert not checker.verify(key, query["expires"], query["signature"])


def test_resync_queues_one_manual_job_per_mailbox_with_its_ids(synced: Synced) -> None:
    ids = sorted(synced.local.comments())
    by_mailbox = {_json(raw)["source"]["mailbox"]: cid for cid, raw in synced.local.comments().items()}

    response = synced.api.call(
        "POST", f"/buckets/{BUCKET}/comments/resync", {"ids": [*ids[:3], by_mailbox[BOB], "abcdef"]}
    )

    assert response.status == 202
    assert response.json["not_found"] == ["abcdef"]
    jobs = []
    while (job := synced.local.runtime.queue.receive()) is not None:
        jobs.append(job)
    assert all(j.reason is JobReason.MANUAL for j in jobs)
    assert {j.mailbox.address: len(j.resync_ids) for j in jobs}[BOB] == 1
    assert sorted(i for j in jobs for i in j.resync_ids) == sorted({*ids[:3], by_mailbox[BOB]})


def test_delete_removes_the_blobs_and_the_index_row_and_reports_unknown_ids(synced: Synced) -> None:
    # GIVEN the comment with an attachment, and a plain one
    comments = {cid: _json(raw) for cid, raw in synced.local.comments().items()}
    with_pdf = next(cid for cid, c in comments.items() if c["attachments"])
    plain = next(cid for cid, c in comments.items() if not c["attachments"])
    reference = comments[with_pdf]["attachments"][0]["attachment_reference"]
    store = synced.local.store

    # WHEN both are deleted, the attachment purged too, plus an id that does not exist
    response = synced.api.call(
        "POST",
        f"/buckets/{BUCKET}/comments/delete",
        {"ids": [with_pdf, plain, "abc123"], "purge_attachments": True},
    )

    # THEN JSON, raw MIME, attachment and index row are gone; the others remain
    assert response.status == 200
    assert response.json == {"deleted": [with_pdf, plain], "not_found": ["abc123"]}
    for cid in (with_pdf, plain):
        assert not (store / "comments" / BUCKET / f"{cid}.json").exists()
        assert not (store / "raw" / BUCKET / f"{cid}.eml").exists()
        assert synced.local.runtime.engine.state.get_comment_entry(BUCKET, cid) is None
    assert not (store / "attachments" / BUCKET / reference).exists()
    assert len(synced.local.comments()) == 5
    assert synced.api.call("GET", f"/buckets/{BUCKET}/comments/{plain}", as_="view").status == 404


def test_a_purged_attachment_another_comment_uses_is_kept_until_the_last_one_goes(synced: Synced) -> None:
    # GIVEN a second email carrying the same PDF (one stored copy, two comments using it)
    write_eml(synced.local.mail, BOB, "Inbox", "7.eml", email_bytes(7, attachment=("copy.pdf", PDF)))
    synced.local.sync()
    users = [cid for cid, raw in synced.local.comments().items() if _json(raw)["attachments"]]
    reference = _json(synced.local.comments()[users[0]])["attachments"][0]["attachment_reference"]
    stored = synced.local.store / "attachments" / BUCKET / reference
    assert len(users) == 2 and stored.exists()

    # WHEN the first is deleted with purge_attachments, THEN the bytes stay for the other
    body = {"ids": [users[0]], "purge_attachments": True}
    assert synced.api.call("POST", f"/buckets/{BUCKET}/comments/delete", body).status == 200
    assert stored.exists()

    # WHEN the last one goes too, THEN so do the bytes
    body = {"ids": [users[1]], "purge_attachments": True}
    assert synced.api.call("POST", f"/buckets/{BUCKET}/comments/delete", body).status == 200
    assert not stored.exists()


def test_delete_and_resync_take_at_most_100_ids_of_hex(synced: Synced) -> None:
    too_many = synced.api.call("POST", f"/buckets/{BUCKET}/comments/delete", {"ids": ["ab"] * 101})
    not_hex = synced.api.call("POST", f"/buckets/{BUCKET}/comments/resync", {"ids": ["<order-1@x>"]})

    assert too_many.status == 422 and too_many.field_names() == ["body.ids"]
    assert not_hex.status == 422 and not_hex.field_names() == ["body.ids.0"]


def _json(raw: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw)
    return loaded


def test_the_local_feed_is_an_index_query_not_a_scan(synced: Synced) -> None:
    # GIVEN the statement the SQLite store runs for a feed page (traced, with its values bound)
    state = synced.local.runtime.state
    statements: list[str] = []
    state._db.set_trace_callback(statements.append)
    state.comment_changes(BUCKET, "", 10)
    state._db.set_trace_callback(None)
    query = next(s for s in statements if "comment_index" in s)
    # WHEN SQLite explains it THEN it walks the feed index
    plan = state._db.execute("EXPLAIN QUERY PLAN " + query).fetchall()
    assert any("USING INDEX comment_changes" in str(row) for row in plan), plan
