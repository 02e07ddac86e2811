"""The demo export: its layout, its determinism, and that each file is the realistic email it claims to be."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from commsync.cleaning import ParsedEmail, parse_email
from commsync.demo.export import DemoSummary, write_demo_mailboxes

ANN = "ann.lee@northwind.example"
RAVI = "ravi.patel@northwind.example"
SUPPORT = "support@northwind.example"
EXAMPLE_DOMAIN = re.compile(r"@([\w.-]+\.example|example\.(com|org|net))>?$")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    root = tmp_path_factory.mktemp("demo")
    return root, write_demo_mailboxes(root)


@pytest.fixture(scope="module")
def root(export: tuple[Path, DemoSummary]) -> Path:
    return export[0]


@pytest.fixture(scope="module")
def files(root: Path) -> dict[str, bytes]:
    return _read_tree(root)


@pytest.fixture(scope="module")
def parsed(files: dict[str, bytes]) -> dict[str, ParsedEmail]:
    return {name: parse_email(raw) for name, raw in files.items()}


def _read_tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*.eml"))}


def _mime(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _lines(email: ParsedEmail) -> list[str]:
    # The export is written with CRLF; compare lines, whatever their ends.
    return email.text.splitlines()


def test_given_an_empty_root_when_writing_the_demo_then_each_mailbox_has_its_folders(
    export: tuple[Path, DemoSummary],
) -> None:
    root, summary = export

    folders = {
        mailbox: {p.parent.relative_to(root / mailbox).as_posix() for p in (root / mailbox).rglob("*.eml")}
        for mailbox in summary.mailboxes
    }

    assert summary.mailboxes == [ANN, RAVI, SUPPORT]
    assert sorted(p.name for p in root.iterdir()) == summary.mailboxes
    assert folders == {
        ANN: {"Inbox", "Inbox/Projects", "Sent Items", "Archive"},
        RAVI: {"Inbox", "Inbox/Projects", "Sent Items"},
        SUPPORT: {"Inbox", "Sent Items", "Archive"},
    }


def test_given_the_demo_when_counting_files_then_the_summary_matches_the_disk(
    export: tuple[Path, DemoSummary], files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    _, summary = export

    by_content = {hashlib.sha256(raw).hexdigest() for raw in files.values()}
    by_identity = {parsed[name].message_id or hashlib.sha256(raw).hexdigest() for name, raw in files.items()}

    assert summary.files == len(files)
    assert 30 <= summary.files <= 40
    assert summary.distinct_messages == len(by_content) == len(by_identity)
    assert summary.distinct_messages < summary.files


def test_given_two_runs_when_comparing_the_trees_then_every_byte_is_the_same(tmp_path: Path) -> None:
    first = write_demo_mailboxes(tmp_path / "first")
    second = write_demo_mailboxes(tmp_path / "second")

    assert first == second
    assert _read_tree(tmp_path / "first") == _read_tree(tmp_path / "second")


def test_given_every_file_when_parsing_then_only_the_broken_date_warns(
    parsed: dict[str, ParsedEmail],
) -> None:
    warned = {name.rsplit("/", 1)[1] for name, email in parsed.items() if email.warnings}

    assert warned == {"harbor-pickup.eml"}
    for name, email in parsed.items():
        assert email.sender, name
        assert email.to, name
        assert email.subject, name
        assert email.text.strip(), name
        assert email.sent_at is None or email.sent_at.year == 2024, name


def test_given_every_file_when_reading_bytes_then_lines_end_in_crlf_only(files: dict[str, bytes]) -> None:
    for name, raw in files.items():
        assert b"\n" not in raw.replace(b"\r\n", b""), name
        assert b"\r" not in raw.replace(b"\r\n", b""), name


def test_given_every_address_when_checked_then_it_belongs_to_a_reserved_example_domain(
    parsed: dict[str, ParsedEmail],
) -> None:
    addresses = {a for email in parsed.values() for a in [email.sender or "", *email.to, *email.cc]}

    assert len(addresses) > 10
    assert all(EXAMPLE_DOMAIN.search(address) for address in addresses), addresses


def test_given_an_internal_email_when_found_in_two_mailboxes_then_both_copies_are_the_same_email(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    sent = f"{SUPPORT}/Sent Items/fabrikam-damaged-re3.eml"
    received = f"{ANN}/Inbox/fabrikam-damaged-re3.eml"

    assert files[sent] == files[received]
    assert parsed[sent].message_id is not None
    assert parsed[sent].message_id == parsed[received].message_id
    assert parsed[received].cc == [f"Ann Lee <{ANN}>"]


def test_given_the_same_message_id_in_several_files_then_their_bytes_are_identical(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    copies: dict[str, set[bytes]] = {}
    mailboxes: dict[str, set[str]] = {}
    for name, email in parsed.items():
        if email.message_id:
            copies.setdefault(email.message_id, set()).add(files[name])
            mailboxes.setdefault(email.message_id, set()).add(name.split("/", 1)[0])

    assert all(len(variants) == 1 for variants in copies.values())
    assert sum(len(boxes) > 1 for boxes in mailboxes.values()) >= 8


def test_given_the_replies_when_following_in_reply_to_then_every_parent_is_in_the_export(
    parsed: dict[str, ParsedEmail],
) -> None:
    known = {email.message_id for email in parsed.values()}
    replies = [email for email in parsed.values() if email.in_reply_to]

    assert len({email.message_id for email in replies}) >= 12
    for email in replies:
        assert email.in_reply_to in known
        assert email.references[-1] == email.in_reply_to
        assert set(email.references) <= known


def test_given_a_ticket_thread_when_reading_the_last_reply_then_it_has_new_text_signature_and_history(
    parsed: dict[str, ParsedEmail],
) -> None:
    lines = _lines(parsed[f"{SUPPORT}/Sent Items/fabrikam-damaged-re3.eml"])

    assert lines[0] == "Hi Olivia,"
    assert "I am closing ticket #4471 now." in lines
    assert lines[lines.index("I am closing ticket #4471 now.") + 2] == "-- "
    assert "On Thu, Mar 7, 2024 at 10:30 AM Olivia Brown <olivia.brown@fabrikam.example> wrote:" in lines
    assert "> > > Hello Northwind team," in lines


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            f"{ANN}/Sent Items/alpenwerk-phase2-re1.eml",
            [
                "________________________________",
                "From: Klaus Müller <k.mueller@alpenwerk.example>",
                "Sent: Tuesday, March 5, 2024 12:15 AM",
                "Cc: Ravi Patel <ravi.patel@northwind.example>",
            ],
        ),
        (
            f"{RAVI}/Inbox/Projects/alpenwerk-phase2-re2.eml",
            [
                "-----Ursprüngliche Nachricht-----",
                "Von: Ann Lee <ann.lee@northwind.example>",
                "Gesendet: Dienstag, 5. März 2024 17:30",
            ],
        ),
        (
            f"{ANN}/Inbox/lumiere-invoice-re1.eml",
            ["Le ven. 1 mars 2024 à 19:00, Ann Lee <ann.lee@northwind.example> a écrit :"],
        ),
        (
            f"{SUPPORT}/Inbox/sakura-lead-time-re2.eml",
            ["2024年3月5日(火) 11:40 Northwind Support <support@northwind.example>:", "> 田中様"],
        ),
    ],
)
def test_given_replies_from_different_clients_when_parsed_then_the_quote_headers_are_the_clients_own(
    parsed: dict[str, ParsedEmail], name: str, expected: list[str]
) -> None:
    lines = _lines(parsed[name])

    for line in expected:
        assert line in lines


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        (f"{SUPPORT}/Inbox/sakura-lead-time.eml", "注文番号 SO-5531 の納期について"),
        (
            f"{ANN}/Inbox/Projects/alpenwerk-phase2-re2.eml",
            "AW: RE: Projekt Lagerumstellung Phase 2: Zeitplan für Halle 3 und Ansprechpartner",
        ),
        (
            f"{ANN}/Sent Items/lumiere-invoice.eml",
            "Invoice INV-2024-0042: Lumière & Fils, February deliveries",
        ),
        (f"{ANN}/Inbox/alpenwerk-ramp-hours.eml", "Avis: Anlieferung nächste Woche"),
        (f"{ANN}/Sent Items/alpenwerk-ramp-hours-fw.eml", "FW: Avis: Anlieferung nächste Woche"),
    ],
)
def test_given_non_ascii_subjects_when_parsed_then_they_decode_exactly(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail], name: str, subject: str
) -> None:
    raw_subject = next(line for line in files[name].split(b"\r\n") if line.startswith(b"Subject:"))

    assert raw_subject.isascii() and b"=?" in raw_subject
    assert parsed[name].subject == subject


def test_given_non_ascii_display_names_when_parsed_then_they_decode(parsed: dict[str, ParsedEmail]) -> None:
    assert (
        parsed[f"{SUPPORT}/Inbox/sakura-lead-time.eml"].sender
        == "田中 健二 <k.tanaka@sakura-trading.example>"
    )
    assert (
        parsed[f"{ANN}/Archive/alpenwerk-floor-plan.eml"].sender
        == "Klaus Müller <k.mueller@alpenwerk.example>"
    )


def test_given_a_latin1_notice_when_parsed_then_its_8bit_body_decodes_by_its_charset(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    name = f"{ANN}/Inbox/alpenwerk-ramp-hours.eml"

    assert b'charset="iso-8859-1"' in files[name]
    assert b"Industriestra\xdfe 12" in files[name]
    assert "Alpenwerk GmbH · Wareneingang · Industriestraße 12 · 80331 München" in _lines(parsed[name])


def test_given_an_html_only_email_when_parsed_then_its_text_keeps_table_and_list(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    name = f"{ANN}/Inbox/fabrikam-scorecard.eml"
    text = parsed[name].text

    assert _mime(files[name]).get_content_type() == "text/html"
    assert "<" + "td>" not in text and "&lt;" not in text
    assert "Overall rating: 92 / 100" in text
    assert re.search(r"On-time delivery +95% +97\.2%", text)
    assert "Confirm orders within 24 hours." in text
    assert "supplier portal" in text


def test_given_an_outlook_email_when_walking_its_mime_tree_then_it_has_plain_html_and_a_pdf(
    files: dict[str, bytes],
) -> None:
    message = _mime(files[f"{ANN}/Sent Items/lumiere-invoice.eml"])

    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]


@pytest.mark.parametrize(
    ("name", "attachments"),
    [
        (f"{SUPPORT}/Inbox/fabrikam-damaged.eml", ["damaged_carton.png"]),
        (f"{ANN}/Sent Items/lumiere-invoice.eml", ["INV-2024-0042.pdf"]),
        (
            f"{ANN}/Inbox/Projects/alpenwerk-schedule.eml",
            ["alpenwerk_phase2_schedule.csv", "gantt_preview.png"],
        ),
        (f"{SUPPORT}/Sent Items/sakura-lead-time-re1.eml", ["見積書_SO-5531.pdf"]),
        (f"{ANN}/Archive/alpenwerk-floor-plan.eml", ["Hallenplan_Halle 3_Übersicht.pdf"]),
        (f"{ANN}/Inbox/scan-to-mail.eml", ["scan_20240305_101544.pdf"]),
    ],
)
def test_given_attachments_when_parsed_then_they_come_out_with_their_names(
    parsed: dict[str, ParsedEmail], name: str, attachments: list[str]
) -> None:
    assert [attachment.name for attachment in parsed[name].attachments] == attachments


def test_given_non_ascii_file_names_when_written_then_they_use_rfc2231(files: dict[str, bytes]) -> None:
    raw = files[f"{ANN}/Archive/alpenwerk-floor-plan.eml"]

    assert b"filename*=utf-8''Hallenplan_Halle%203_%C3%9Cbersicht.pdf" in raw


def test_given_the_pdf_attachments_when_read_then_their_xref_tables_point_at_their_objects(
    parsed: dict[str, ParsedEmail],
) -> None:
    pdfs = [
        a.data for email in parsed.values() for a in email.attachments if a.content_type == "application/pdf"
    ]

    assert len(pdfs) >= 5
    for pdf in pdfs:
        assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
        start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
        assert pdf[start:].startswith(b"xref\n")
        offsets = re.findall(rb"(\d{10}) 00000 n ", pdf[start:])
        for number, offset in enumerate(offsets, start=1):
            assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)


def test_given_the_png_attachments_when_decoded_then_each_is_one_valid_pixel(
    parsed: dict[str, ParsedEmail],
) -> None:
    pngs = [a.data for email in parsed.values() for a in email.attachments if a.content_type == "image/png"]

    assert len(pngs) >= 2
    for png in pngs:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        chunks, at = {}, 8
        while at < len(png):
            (length,) = struct.unpack(">I", png[at : at + 4])
            kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
            (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
            assert crc == zlib.crc32(kind + data)
            chunks[kind] = data
            at += 12 + length
        assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
        assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (1, 1)
        assert len(zlib.decompress(chunks[b"IDAT"])) == 4  # filter byte + one RGB pixel


def test_given_the_csv_attachment_when_read_then_it_is_a_table_with_a_header(
    parsed: dict[str, ParsedEmail],
) -> None:
    attachment = parsed[f"{RAVI}/Sent Items/alpenwerk-schedule.eml"].attachments[0]
    rows = attachment.data.decode("utf-8").splitlines()

    assert attachment.content_type == "text/csv"
    assert rows[0] == "task,crew,start,end,location,notes"
    assert all(row.count(",") == 5 for row in rows)
    assert "Klaus Müller" in rows[4]


def test_given_a_scanner_email_when_parsed_then_it_has_no_message_id_but_everything_else(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    name = f"{ANN}/Inbox/scan-to-mail.eml"

    assert b"\r\nMessage-ID:" not in files[name]
    assert parsed[name].message_id is None
    assert parsed[name].sent_at is not None
    assert parsed[name].warnings == []


def test_given_an_iso_8601_date_header_when_parsed_then_the_rest_survives_with_a_warning(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    name = f"{ANN}/Inbox/harbor-pickup.eml"
    email = parsed[name]

    assert b"\r\nDate: 2024-03-05T14:20:00+01:00\r\n" in files[name]
    assert email.sent_at is None
    assert len(email.warnings) == 1 and "Date" in email.warnings[0]
    assert email.subject == "Pickup confirmed: PU-77120 (Alpenwerk, Munich)"
    assert "Track this shipment: https://track.harborlogistics.example/PU-77120" in _lines(email)


def test_given_a_meeting_invitation_when_walked_then_it_carries_a_calendar_request(
    files: dict[str, bytes],
) -> None:
    message = _mime(files[f"{ANN}/Inbox/alpenwerk-kickoff.eml"])
    calendar = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    content = calendar.get_content()

    assert message.get_content_type() == "multipart/alternative"
    assert calendar.get_param("method") == "REQUEST"
    assert "BEGIN:VEVENT" in content and "DTSTART:20240312T150000Z" in content


def test_given_an_inline_forward_when_parsed_then_it_quotes_the_original_without_threading_on_it(
    parsed: dict[str, ParsedEmail],
) -> None:
    email = parsed[f"{RAVI}/Inbox/alpenwerk-ramp-hours-fw.eml"]
    lines = _lines(email)

    assert email.in_reply_to is None
    assert "From: Alpenwerk Wareneingang <wareneingang@alpenwerk.example>" in lines
    assert "Alpenwerk GmbH · Wareneingang · Industriestraße 12 · 80331 München" in lines


def test_given_a_forward_as_attachment_when_walked_then_the_original_travels_whole(
    files: dict[str, bytes], parsed: dict[str, ParsedEmail]
) -> None:
    original = parsed[f"{RAVI}/Inbox/contoso-late-delivery.eml"]
    message = _mime(files[f"{SUPPORT}/Inbox/contoso-late-delivery-fw.eml"])
    attached = next(part for part in message.walk() if part.get_content_type() == "message/rfc822")
    inner = attached.get_content()

    assert attached.get_filename() == "Late delivery, PO 7781-C.eml"
    assert inner["Message-ID"] == original.message_id
    assert inner["Subject"] == original.subject
