"""The eml source: folders from directories, pages, and a watermark that sees moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsync.errors import IntegrationError, MailboxError
from commsync.models import Integration, Mailbox, SourceKind
from commsync.ports import FolderRef
from commsync.sources.eml import EmlSource
from commsync.sources.eml.watermark import Watermark
from tests.support.mail import email_bytes, write_eml

ANN = "ann@northwind.example"


def _source(root: Path, address: str = ANN, settle_seconds: int = 0) -> EmlSource:
    integration = Integration(
        project="a",
        name="b",
        kind=SourceKind.EML,
        endpoint=str(root),
        bucket="c",
        options={"settle_seconds": settle_seconds},
    )
    return EmlSource.for_mailbox(integration, Mailbox(integration="a/b", address=address))


def test_subdirectories_are_folders_with_their_paths(tmp_path: Path) -> None:
    write_eml(tmp_path, ANN, "Inbox/Projects/2024", "a.eml", email_bytes(1))
    (tmp_path / ANN / "Sent Items").mkdir()

    paths = [f.path for f in _source(tmp_path).folders().folders]

    assert paths == ["Inbox", "Inbox/Projects", "Inbox/Projects/2024", "Sent Items"]


def test_the_mailbox_directory_is_found_whatever_its_case(tmp_path: Path) -> None:
    write_eml(tmp_path, "Ann@Northwind.example", "Inbox", "a.eml", email_bytes(1))
    assert [f.path for f in _source(tmp_path).folders().folders] == ["Inbox"]


def test_missing_mailbox_and_missing_export_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(MailboxError, match=r"ghost@x\.example"):
        _source(tmp_path, "ghost@x.example")
    with pytest.raises(IntegrationError, match="does not exist"):
        _source(tmp_path / "nowhere")


def test_pages_resume_from_their_token_without_repeats(tmp_path: Path) -> None:
    for n in range(5):
        write_eml(tmp_path, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    source, inbox = _source(tmp_path), FolderRef("Inbox", "Inbox")

    pages = list(source.changes(inbox, None, page_size=2))
    resumed = list(source.changes(inbox, pages[0].token, page_size=2))

    assert [len(p.changes) for p in pages] == [2, 2, 1] and [p.last for p in pages] == [False, False, True]
    seen = [c.item_key for p in resumed for c in p.changes]
    assert seen == [c.item_key for p in pages[1:] for c in p.changes]
    (last,) = source.changes(inbox, pages[-1].token, page_size=2)
    assert last.changes == []


def test_files_with_the_same_ctime_are_each_taken_once() -> None:
    mark = Watermark().advance(5, "a.eml")
    assert not mark.admits(5, "a.eml") and mark.admits(5, "b.eml") and mark.admits(6, "a.eml")
    assert Watermark.decode(mark.advance(5, "b.eml").encode()) == Watermark(5, frozenset({"a.eml", "b.eml"}))
    assert Watermark.decode("garbage") == Watermark()


def test_a_file_still_being_written_waits_for_the_next_poll(tmp_path: Path) -> None:
    write_eml(tmp_path, ANN, "Inbox", "fresh.eml", email_bytes(1))
    source = _source(tmp_path, settle_seconds=3600)

    (page,) = source.changes(FolderRef("Inbox", "Inbox"), None, page_size=10)

    assert page.changes == []
    assert (tmp_path / ANN / "Inbox" / "fresh.eml").exists()
