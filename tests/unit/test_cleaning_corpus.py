"""A MIME corpus written for this project (tests/fixtures/eml/corpus/README.md lists the case of
each file): each one parses, and says what it should."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.cleaning.build import Origin, clean
from commsync.models.comment import Comment

CORPUS = Path(__file__).parent.parent / "fixtures" / "eml" / "corpus"
ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _comment(name: str) -> Comment:
    return clean((CORPUS / name).read_bytes(), ORIGIN, NOW).comment


def _names(comment: Comment) -> list[str]:
    return [attachment.name for attachment in comment.attachments]


def test_given_every_corpus_file_when_cleaned_then_it_becomes_a_valid_comment() -> None:
    files = sorted(CORPUS.glob("*.eml"))

    comments = [clean(path.read_bytes(), ORIGIN, NOW).comment for path in files]

    assert len(files) >= 25
    for path, comment in zip(files, comments, strict=True):
        assert Comment.model_validate_json(comment.to_json()) == comment, path.name
        assert comment.user_properties["number:Attachments"] == len(comment.attachments), path.name


@pytest.mark.parametrize(
    ("name", "attached"),
    [
        ("own_groupwise_forward.eml", "Lagerinventering vecka 11.eml"),
        ("own_forward_as_rfc822.eml", "crane booking for Friday.eml"),
    ],
)
def test_given_an_attached_email_then_it_is_listed_and_its_text_stays_out_of_the_body(
    name: str, attached: str
) -> None:
    comment = _comment(name)

    assert _names(comment) == [attached]
    assert comment.attachments[0].content_type == "message/rfc822"
    assert comment.messages[0].body.text == ""
    assert any("no text body" in w for w in comment.warnings)


def test_given_a_digest_then_each_message_is_an_attachment_and_the_intro_is_the_body() -> None:
    comment = _comment("own_list_digest.eml")

    assert _names(comment) == [
        "[Kiln-users] Glaze cracking at cone 6.eml",
        "attached email.eml",  # the digest's second message has no Subject
        "[Kiln-users] Shelf wash recipe.eml",
    ]
    assert comment.messages[0].body.text.startswith("Send Kiln-users mailing list submissions to")
    assert "Add some silica" not in comment.messages[0].body.text


@pytest.mark.parametrize(
    "name", ["own_pgp_signed.eml", "own_signed_signature_unlisted.eml", "own_smime_signed.eml"]
)
def test_given_a_signed_email_then_the_signed_text_is_the_body_and_the_signature_is_not_listed(
    name: str,
) -> None:
    comment = _comment(name)

    assert comment.messages[0].body.text
    assert not [a for a in comment.attachments if a.name in {"signature.asc", "smime.p7s"}]


def test_given_opaque_smime_then_it_is_listed_with_a_warning() -> None:
    comment = _comment("own_smime_encrypted.eml")

    assert _names(comment) == ["smime.p7m"]
    assert any("S/MIME encrypted" in w for w in comment.warnings)


def test_given_winmail_dat_then_it_is_listed_and_the_warning_names_the_files_inside() -> None:
    comment = _comment("own_tnef_winmail.eml")

    assert _names(comment) == ["winmail.dat"]
    (warning,) = [w for w in comment.warnings if "TNEF" in w]
    assert "Lieferschein.pdf" in warning and "Preisliste März.xlsx" in warning


def test_given_a_calendar_only_email_then_the_body_is_a_summary_and_the_ics_is_kept() -> None:
    comment = _comment("own_calendar_only.eml")

    assert comment.messages[0].body.text == (
        "Invitation: Kick-off Halle 3; 2024-03-12 15:00 UTC to 2024-03-12 16:00 UTC; at Werk München, Raum 2"
    )
    assert _names(comment) == ["invite.ics"]


def test_given_an_inline_image_and_a_stub_plain_part_then_html_is_the_body_and_only_the_pdf_is_listed() -> (
    None
):
    comment = _comment("own_inline_image.eml")
    body = comment.messages[0].body.text

    assert _names(comment) == ["price-list.pdf"]
    assert "View this email" not in body
    assert "Same-day dispatch until 16:00" in body
    assert "full announcement <https://fabrikam.example/leipzig>" in body


def test_given_a_faithful_flowed_plain_alternative_then_it_is_the_body_unwrapped() -> None:
    message = _comment("own_html_faithful_plain.eml").messages[0]

    assert message.body.text == (
        "Hi Ravi, the 12 pallets for Alpenwerk leave on Tuesday morning. Please book the ramp from 7 to 9."
    )
    assert message.signature is not None and message.signature.text == "Ann"
    assert message.language == "en"


@pytest.mark.parametrize(
    ("name", "body", "warned"),
    [
        ("own_iso2022jp_body.eml", "明日の打ち合わせは十時からです。", False),
        ("own_ks_c_5601_label.eml", "내일 회의는 오전 열 시입니다.", False),
        ("own_rfc2231_charset_param.eml", "Moving the backup to 02:00 works for us.", False),
        ("own_cp1252_no_charset.eml", "Der Preis beträgt 12 € \u2013 „netto“.", True),
        ("own_broken_base64.eml", "Hello Ann, the scan is ready.", True),
    ],
)
def test_given_a_charset_or_encoding_case_then_the_text_decodes(name: str, body: str, warned: bool) -> None:
    comment = _comment(name)

    assert comment.messages[0].body.text == body
    assert (
        bool(comment.warnings and not all("Message-ID" in w or "Date" in w for w in comment.warnings))
        is warned
    )


def test_given_a_utf7_label_and_no_other_header_then_the_text_decodes_without_a_charset_warning() -> None:
    comment = _comment("own_utf7_label.eml")

    assert comment.messages[0].body.text == 'Price: 12 € net, R&D budget "Q2".'
    assert not [w for w in comment.warnings if "utf-7" in w]
    assert any("no sender" in w for w in comment.warnings)


def test_given_encoded_words_well_and_badly_formed_then_names_and_subject_decode() -> None:
    comment = _comment("own_malformed_encoded_words.eml")
    message = comment.messages[0]

    assert message.from_ == "Renée Müller <renee@example.com>"
    assert message.to == ["Élodie <elodie@example.fr>", "Björn <bjorn@example.se>"]
    assert message.subject.text == "Übersicht für März📦"
    assert any("bogus-charset" in w for w in comment.warnings)
    assert comment.user_properties["string:Recipient Domains"] == "example.fr, example.se"


def test_given_a_broken_encoded_subject_then_its_text_survives_with_a_warning() -> None:
    comment = _comment("own_bad_encoded_subject.eml")

    assert comment.messages[0].subject.text == "Pallets"
    assert any("'none' is unknown" in w for w in comment.warnings)


@pytest.mark.parametrize(
    ("name", "names"),
    [
        ("own_rfc2231_filename.eml", ["Hallenplan_Halle 3_Übersicht.pdf", "План.pdf"]),
        ("own_8bit_filename_flowed.eml", ["façade.txt"]),
        ("own_rfc2231_name_wrong_charset.eml", ["Grüße aus Köln Š2.mp3"]),
        ("own_image_no_message_id.eml", ["harbour-map.gif"]),
    ],
)
def test_given_encoded_file_names_then_they_decode(name: str, names: list[str]) -> None:
    assert _names(_comment(name)) == names


def test_given_an_outlook_reply_with_only_a_thread_index_then_the_thread_comes_from_its_first_22_bytes() -> (
    None
):
    comment = _comment("own_outlook_thread_index.eml")

    root = bytes.fromhex(comment.thread_id or "").decode()
    assert root == "<01da6f37673b91696aee0279474c89abcaa03fb6ce03@thread-index>"


def test_given_a_multipart_without_boundary_then_its_raw_text_is_the_body() -> None:
    comment = _comment("own_multipart_no_boundary.eml")

    assert comment.messages[0].body.text == "Please confirm order 88107 ships this week."
    assert any("NoBoundaryInMultipartDefect" in w for w in comment.warnings)


def test_given_a_nested_multipart_reusing_the_outer_boundary_then_text_and_attachment_are_recovered() -> None:
    comment = _comment("own_broken_start_boundary.eml")

    assert comment.messages[0].body.text == "Hej Sofie, her er billederne fra standen."  # once, not twice
    assert _names(comment) == ["stand.jpg"]  # the part the parser had read as epilogue
    assert any("reuses its parent's boundary" in w for w in comment.warnings)


def test_given_a_delivery_report_then_the_notice_is_the_body_and_the_bounced_email_is_listed() -> None:
    comment = _comment("own_delivery_status.eml")
    body = comment.messages[0].body.text

    assert body.startswith("This is the mail system at host mx1.example.org.")
    assert "Mailbox full" in body and "Reporting-MTA" not in body
    assert _names(comment) == ["Invoice 2024-031.eml"]


def test_given_a_flowed_apple_mail_part_then_its_soft_breaks_are_joined() -> None:
    comment = _comment("own_8bit_filename_flowed.eml")

    assert comment.messages[0].body.text == "Here are the plans for the front of the building, as promised."
    assert any("read as cp1252" in w for w in comment.warnings)


def test_given_no_message_id_then_the_id_is_derived_and_the_warning_says_so() -> None:
    comment = _comment("own_image_no_message_id.eml")

    assert bytes.fromhex(comment.id).decode().endswith("@no-message-id.commsync>")
    assert any("no Message-ID" in w for w in comment.warnings)


# Issue 18: the broken or misleading mail that real senders produce, one fixture per class.


def test_given_an_outlook_2003_folded_boundary_then_the_text_and_the_image_are_recovered() -> None:
    comment = _comment("own_outlook2003_folded_boundary.eml")

    assert comment.messages[0].body.text == "Hallo Ann,\n\nanbei der Lageplan."
    assert _names(comment) == ["lageplan.png"]


def test_given_a_wrong_closing_boundary_and_an_epilogue_then_neither_reaches_the_comment() -> None:
    comment = _comment("own_wrong_closing_boundary.eml")
    stored = clean((CORPUS / "own_uuencoded_attachment.eml").read_bytes(), ORIGIN, NOW).attachments
    scanned = clean((CORPUS / "own_wrong_closing_boundary.eml").read_bytes(), ORIGIN, NOW).attachments

    assert comment.messages[0].body.text == "Scanned document attached."
    assert [a.data for _, a in scanned] == [a.data for _, a in stored]  # the same PNG, byte for byte


def test_given_a_uuencoded_file_in_the_text_then_it_is_an_attachment() -> None:
    comment = _comment("own_uuencoded_attachment.eml")

    assert _names(comment) == ["chart.png"] and comment.attachments[0].content_type == "image/png"
    assert "begin 644" not in comment.messages[0].body.text
    assert comment.messages[0].body.text.startswith("Tonight's chart is attached.")


def test_given_one_bad_byte_in_a_russian_part_then_the_text_reads_and_the_subject_is_as_policy_default() -> (
    None
):
    message = _comment("own_utf8_one_bad_byte.eml").messages[0]

    assert message.body.text.startswith("Добрый день, Анна!") and message.body.text.count("\ufffd") == 1
    assert message.language == "ru"
    assert message.subject.text == "Frösche report"


def test_given_a_display_name_that_is_an_address_then_the_sender_is_the_real_one() -> None:
    comment = _comment("own_display_name_address.eml")

    assert comment.user_properties["string:Sender Domain"] == "evil.example"
    assert comment.user_properties["string:Display Name Mismatch"] == "ceo@acme.example"
    assert comment.messages[0].cc == [
        '"Doe, John" <john.doe@acme.example>',
        '"Roe, Jane (jane@acme.example)" <jane.roe@acme.example>',
    ]


def test_given_a_headerless_paragraph_or_an_outlook_msg_then_each_is_one_comment_of_its_own() -> None:
    paragraph = _comment("own_headerless_paragraph.eml")
    outlook = _comment("own_outlook_msg_as_mime.eml")

    assert paragraph.messages[0].body.text.startswith("Please call the front desk")
    assert outlook.messages[0].body.text == "" and _names(outlook) == ["message.msg"]
    assert paragraph.id != outlook.id
