"""Issue 18: no reply lost, no sender misattributed (replies under quotes, display-name addresses)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsync.cleaning.address_list import parse_address_list
from commsync.cleaning.build import DISPLAY_NAME_MISMATCH, Origin, clean
from commsync.cleaning.html_text import html_to_text
from commsync.cleaning.quotes import split_quotes
from commsync.cleaning.separate import separate

ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _raw(headers: dict[str, str], body: str = "Hello\r\n") -> bytes:
    lines = [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8")


def test_given_a_bottom_posted_reply_when_separating_then_the_answer_is_the_body() -> None:
    body = (
        "On Mon, 4 Mar 2024 at 10:02, Bob <bob@example.org> wrote:\n"
        "> Can you send the report?\n\nYes — attached, see page 3.\n"
    )

    split = split_quotes(body.split("\n"))

    assert separate(body).text == "Yes — attached, see page 3."
    assert [line for line in split.quoted if line.strip()] == [
        "On Mon, 4 Mar 2024 at 10:02, Bob <bob@example.org> wrote:",
        "> Can you send the report?",
    ]


def test_given_an_interleaved_reply_then_every_answer_is_kept_in_order() -> None:
    body = (
        "Hi Bob,\n\nLe mar. 5 mars 2024 à 09:12, Bob <bob@example.org> a écrit :\n"
        "> First, the price?\n> It was 40.\n\n40 is fine.\n\n> Second, the date?\n\nFriday.\n"
        "> Third?\nNo third.\n\nCheers,\nAnn\n"
    )

    result = separate(body)

    assert result.text == "Hi Bob,\n\n40 is fine.\n\nFriday.\nNo third."
    assert result.signature == "Cheers,\nAnn"


def test_given_a_quote_line_wrapped_without_a_marker_then_it_stays_in_the_history() -> None:
    body = (
        "Sure thing.\n\nOn Tue, Bob <bob@example.org> wrote:\n"
        "> We need the signed copies of the delivery notes for March, all of\n"
        "them please,\n> by Friday.\n"
    )

    assert separate(body).text == "Sure thing."


def test_given_the_last_quote_line_wrapped_without_a_marker_then_it_stays_in_the_history() -> None:
    body = (
        "Thanks!\n\nOn Mon, Bob <bob@example.org> wrote:\n"
        "> The pallets go out on Monday unless the customs papers are late again,\n"
        "in which case Tuesday.\n"
    )

    assert separate(body).text == "Thanks!"


def test_given_a_short_quote_and_a_lower_case_answer_under_it_then_the_answer_is_kept() -> None:
    assert separate("> Can we ship Monday?\nyes, booked.\n").text == "yes, booked."


def test_given_unquoted_history_after_an_attribution_then_nothing_after_it_is_kept() -> None:
    body = "Thanks!\n\nOn Mon, 4 Mar 2024, Bob <bob@example.org> wrote:\nCan you send the report?\n"

    assert separate(body).text == "Thanks!"


@pytest.mark.parametrize(
    "sender",
    [
        '"ceo@acme.example" <attacker@evil.example>',
        "ceo@acme.example <attacker@evil.example>",
        "=?utf-8?q?ceo=40acme.example?= <attacker@evil.example>",
        '"CEO (ceo@acme.example)" <attacker@evil.example>',
    ],
)
def test_given_a_display_name_that_is_another_address_then_the_sender_is_the_addr_spec_and_flagged(
    sender: str,
) -> None:
    cleaned = clean(
        _raw({"From": sender, "To": "ann@acme.example", "Message-ID": "<1@evil.example>"}), ORIGIN, NOW
    )
    comment = cleaned.comment

    assert comment.messages[0].from_ is not None and comment.messages[0].from_.endswith(
        "<attacker@evil.example>"
    )
    assert comment.user_properties["string:Sender Domain"] == "evil.example"
    assert comment.user_properties[DISPLAY_NAME_MISMATCH] == "ceo@acme.example"
    assert any("ceo@acme.example" in warning for warning in comment.warnings)
    assert "ceo@acme.example" not in cleaned.addresses


def test_given_a_display_name_that_is_the_senders_own_address_then_nothing_is_flagged() -> None:
    raw = _raw({"From": '"ceo@acme.example" <CEO@acme.example>', "Message-ID": "<1@acme.example>"})

    comment = clean(raw, ORIGIN, NOW).comment

    assert DISPLAY_NAME_MISMATCH not in comment.user_properties
    assert comment.messages[0].from_ == "ceo@acme.example"


@pytest.mark.parametrize(
    ("value", "people"),
    [
        ('"Doe, John" <jd@x.example>, b@c.example', [("Doe, John", "jd@x.example"), ("", "b@c.example")]),
        (
            "Doe, John <jd@x.example>, Roe, Jane <jr@x.example>",
            [("Doe, John", "jd@x.example"), ("Roe, Jane", "jr@x.example")],
        ),
        ('"Ann <ann@y.example>" <real@z.example>', [("Ann <ann@y.example>", "real@z.example")]),
        ("a@b.example (Ann B), Group: c@d.example;", [("Ann B", "a@b.example"), ("", "c@d.example")]),
        ("undisclosed-recipients:;", []),
    ],
)
def test_given_names_with_commas_or_addresses_then_each_person_is_read_once(
    value: str, people: list[tuple[str, str]]
) -> None:
    assert parse_address_list([value]) == people


def test_given_a_cc_name_with_a_comma_then_the_comment_lists_one_person() -> None:
    raw = _raw({"From": "bob@contoso.example", "Cc": "Doe, John <jd@x.example>", "Message-ID": "<2@x>"})

    assert clean(raw, ORIGIN, NOW).comment.messages[0].cc == ['"Doe, John" <jd@x.example>']


_LINE = st.one_of(
    st.sampled_from(
        [
            "",
            "> quoted question?",
            ">> older quote",
            "On Mon, 4 Mar 2024 at 10:02, Bob <bob@example.org> wrote:",
            "Am Mo., 4. März 2024 um 10:02 Uhr schrieb Bob <bob@example.org>:",
            "From: Bob <bob@example.org>",
            "Sent: Monday",
            "-----Original Message-----",
            "Thanks,",
            "Ann",
            "- a bullet",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=80),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=25))
def test_given_any_text_when_splitting_quotes_then_every_filled_line_is_new_or_quoted_once(
    lines: list[str],
) -> None:
    split = split_quotes(lines)

    def filled(some: list[str]) -> Counter[str]:
        return Counter(line for line in some if line.strip())

    assert filled(split.new) + filled(split.quoted) == filled(lines)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_given_any_header_value_when_reading_addresses_then_it_never_raises(value: str) -> None:
    people = parse_address_list([value])

    assert all(address.strip() for _, address in people)


def test_given_an_html_bottom_post_under_a_cited_blockquote_then_the_answer_is_the_body() -> None:
    html = (
        '<div class="moz-cite-prefix">On 11/03/2024 12:00, Tom Baker wrote:<br></div>'
        '<blockquote type="cite">Shall we meet at 3?<blockquote type="cite">Earlier?</blockquote>'
        "And lunch?</blockquote><div>Yes, 3 works.</div><div><br></div>"
        '<blockquote type="cite">Room?</blockquote><div>The small one.</div><p>Ann</p>'
    )

    text = html_to_text(html)
    result = separate(text)

    assert "> Shall we meet at 3?\n> > Earlier?\n> And lunch?" in text
    assert (result.text, result.signature) == ("Yes, 3 works.\n\nThe small one.", "Ann")


def test_given_a_gmail_html_reply_then_the_quote_is_history_and_the_signature_kept() -> None:
    html = (
        '<div dir="ltr">Sounds good.<div><br></div>-- <br>'
        '<div class="gmail_signature">Marco Bianchi</div></div>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 11, 2024 at 12:00 PM'
        " Tom &lt;tom@x.example&gt; wrote:<br></div>"
        '<blockquote class="gmail_quote">Shall we meet at 3?</blockquote></div>'
    )

    assert separate(html_to_text(html)) == separate("Sounds good.\n\n-- \nMarco Bianchi")


def test_given_a_newsletter_blockquote_then_it_stays_plain_text() -> None:
    text = html_to_text(
        "<p>Our customers say:</p><blockquote>Best service ever.</blockquote><p>Join them.</p>"
    )

    assert text == "Our customers say:\n\nBest service ever.\n\nJoin them."
