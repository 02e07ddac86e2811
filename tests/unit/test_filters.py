"""The filter definition (commsync.filters) over cleaned emails, and its Graph $filter pushdown."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from commsync.cleaning.build import Origin, clean
from commsync.filters import facts_of, matches
from commsync.models.filters import SyncFilter
from commsync.sources.graph.query import odata_filter

RULE: TypeAdapter[SyncFilter] = TypeAdapter(SyncFilter)
NOW = datetime(2024, 4, 1, tzinfo=UTC)


def _email(sender: str, sent: datetime, keywords: str | None = None, pdf: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "Ann Lee <ann@contoso.example>", "Pallets for Tuesday"
    msg["Date"], msg["Message-ID"] = format_datetime(sent), f"<{sent.timestamp():.0f}@fabrikam.example>"
    if keywords is not None:
        msg["Keywords"] = keywords
    msg.set_content("Hi Ann,\n\nthe pallets leave on Tuesday.\n\nCarol\n")
    if pdf:
        msg.add_attachment(
            b"%PDF-1.4 manifest", maintype="application", subtype="pdf", filename="manifest.pdf"
        )
    return msg.as_bytes()


def _facts(raw: bytes, received: datetime | None = None) -> Any:
    origin = Origin(
        integration="acme/outlook",
        kind="graph",
        bucket="acme-mail",
        mailbox="ann@contoso.example",
        folder="Inbox",
        received_at=received,
    )
    return facts_of(clean(raw, origin, NOW), received)


CAROL = _email(
    "Carol Diaz <Carol@Fabrikam.example>",
    datetime(2024, 3, 5, 23, 59, tzinfo=UTC),
    "Customer, Urgent",
    pdf=True,
)
DAN = _email("Dan Wu <dan@sub.northwind.example>", datetime(2024, 3, 6, 0, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("rule", "carol", "dan"),
    [
        ({"category": "customer"}, True, False),  # categories compare case-insensitively
        ({"category": "Urgent"}, True, False),
        ({"category": "Custom"}, False, False),  # whole categories, not substrings
        ({"after": "2024/03/06"}, False, True),  # on or after 00:00 UTC of that day
        ({"before": "2024/03/06"}, True, False),  # strictly before 00:00 UTC of that day
        ({"from": "carol@fabrikam.example"}, True, False),  # addresses compare case-insensitively
        ({"from": "fabrikam.example"}, True, False),  # a domain
        ({"from": "@sub.northwind.example"}, False, True),
        ({"from": "northwind.example"}, False, False),  # the sender's own domain, not a parent
        ({"has": "attachment"}, True, False),
        ({"AND": [{"category": "Customer"}, {"has": "attachment"}]}, True, False),
        ({"OR": [{"category": "Partner"}, {"after": "2024/03/06"}]}, False, True),
        (
            {
                "AND": [
                    {"OR": [{"from": "dan@sub.northwind.example"}, {"category": "Urgent"}]},
                    {"before": "2024/03/07"},
                ]
            },
            True,
            True,
        ),
    ],
)
def test_each_key_and_nesting_select_what_the_definition_says(
    rule: dict[str, Any], carol: bool, dan: bool
) -> None:
    parsed = RULE.validate_python(rule)
    assert matches(parsed, _facts(CAROL)) is carol
    assert matches(parsed, _facts(DAN)) is dan


def test_the_servers_received_time_wins_over_the_sent_time() -> None:
    # GIVEN an email sent late on the 5th that the server received on the 6th
    facts = _facts(CAROL, received=datetime(2024, 3, 6, 0, 1, tzinfo=UTC))
    assert matches(RULE.validate_python({"after": "2024/03/06"}), facts)


def test_an_rfc2047_encoded_category_is_decoded() -> None:
    raw = _email(
        "Carol <carol@fabrikam.example>", datetime(2024, 3, 1, tzinfo=UTC), "=?utf-8?q?Kunde_M=C3=BCnchen?="
    )
    assert matches(RULE.validate_python({"category": "kunde münchen"}), _facts(raw))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"category": "O'Brien"}, "categories/any(c:c eq 'O''Brien')"),
        ({"after": "2024/03/06"}, "receivedDateTime ge 2024-03-06T00:00:00Z"),
        ({"before": "2024/03/06"}, "receivedDateTime lt 2024-03-06T00:00:00Z"),
        ({"from": "carol@fabrikam.example"}, "from/emailAddress/address eq 'carol@fabrikam.example'"),
        ({"from": "fabrikam.example"}, None),  # a domain: Graph cannot match a suffix reliably
        ({"has": "attachment"}, None),  # hasAttachments is not the comment's attachment list
        # AND keeps the parts Graph can evaluate (a superset); OR needs every branch
        ({"AND": [{"category": "A"}, {"has": "attachment"}]}, "categories/any(c:c eq 'A')"),
        (
            {"AND": [{"category": "A"}, {"after": "2024/03/01"}]},
            "(categories/any(c:c eq 'A')) and (receivedDateTime ge 2024-03-01T00:00:00Z)",
        ),
        ({"OR": [{"category": "A"}, {"has": "attachment"}]}, None),
        (
            {"OR": [{"category": "A"}, {"category": "B"}]},
            "(categories/any(c:c eq 'A')) or (categories/any(c:c eq 'B'))",
        ),
    ],
)
def test_graph_pushdown_names_only_what_graph_evaluates_the_same_way(
    rule: dict[str, Any], expected: str | None
) -> None:
    assert odata_filter(RULE.validate_python(rule)) == expected


def test_an_on_demand_folder_is_found_by_path_or_by_its_own_unique_name() -> None:
    from commsync.ports import FolderRef
    from commsync.services.ondemand import find_folder

    folders = [
        FolderRef(str(n), p)
        for n, p in enumerate(["Inbox", "Inbox/Projects", "Archive/Projects", "Sent Items"])
    ]
    assert find_folder(folders, "inbox/projects") == folders[1]
    assert find_folder(folders, "sent items") == folders[3]
    assert find_folder(folders, "Projects") is None  # two folders have that name: ambiguous
    assert find_folder(folders, "Outbox") is None
