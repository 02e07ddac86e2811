"""Carbon's filter format (issue 19): the three examples Carbon's Outlook connector documents for
`integrations/outlook/sync`, verbatim, are accepted wherever a filter is (on-demand sync, mailbox
filters), select what their short-form twins select, and are answered in the form they came in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from commsync.cleaning.build import Origin, clean
from commsync.filters import facts_of, matches
from commsync.models import PollJob
from commsync.models.filters import SyncFilter
from tests.support.api import ApiWorld, api_world

RULE: TypeAdapter[SyncFilter] = TypeAdapter(SyncFilter)
ANN = "ann@acme.example"
BASE = "/integrations/acme/exchange/mailboxes"

# Carbon's three documented examples, character for character (SDK docs of sync_outlook).
CARBON_BASIC = """{
    "filters": {
            "key": "category",
            "value": "Test"
        }
}"""
CARBON_FOLDER = """{
    "folder": "Folder Name",
    "filters": {
            "key": "category",
            "value": "Test"
        }
}"""
CARBON_AND_OR = """{
    "filters": {
        "AND": [
            {
                "key": "after",
                "value": "2024/01/07"
            },
            {
                "OR": [
                    {
                        "key": "category",
                        "value": "Personal"
                    },
                    {
                        "key": "category",
                        "value": "Test"
                    },
                ]
            }
        ]
    }
}"""
SHORT_TWINS = {
    CARBON_BASIC: {"category": "Test"},
    CARBON_FOLDER: {"category": "Test"},
    CARBON_AND_OR: {
        "AND": [{"after": "2024/01/07"}, {"OR": [{"category": "Personal"}, {"category": "Test"}]}]
    },
}


def as_sent(document: str) -> dict[str, Any]:
    """What an HTTP client sends for a documented example. The third example is printed with a
    comma before `]`, which JSON forbids, so a client cannot send it as printed; that one
    character is the only change."""
    parsed: dict[str, Any] = json.loads(re.sub(r",(\s*[\]}])", r"\1", document))
    return parsed


def _email(sent: datetime, categories: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Carol <carol@fabrikam.example>", ANN, "Pallets"
    msg["Date"], msg["Message-ID"] = (
        format_datetime(sent),
        f"<{sent.timestamp():.0f}.{categories}@fabrikam.example>",
    )
    if categories is not None:
        msg["Keywords"] = categories
    msg.set_content("Hi Ann,\n\nthe pallets leave on Tuesday.\n")
    return msg.as_bytes()


CORPUS = [
    _email(datetime(2024, 1, day, 9, tzinfo=UTC), cats)
    for day in (6, 7, 8)
    for cats in (None, "Test", "Personal", "Work", "Personal, Test")
]


def _facts(raw: bytes) -> Any:
    origin = Origin(integration="acme/exchange", kind="ews", bucket="b", mailbox=ANN, folder="Inbox")
    return facts_of(clean(raw, origin, datetime(2024, 2, 1, tzinfo=UTC)), None)


@pytest.mark.parametrize("document", [CARBON_BASIC, CARBON_FOLDER, CARBON_AND_OR])
def test_carbons_examples_select_what_their_short_twins_select(document: str) -> None:
    # GIVEN one of Carbon's examples and the same filter in the short form
    carbon = RULE.validate_python(as_sent(document)["filters"])
    short = RULE.validate_python(SHORT_TWINS[document])

    # WHEN both are evaluated over a corpus of categories and dates
    selected = [matches(carbon, _facts(raw)) for raw in CORPUS]

    # THEN they agree email for email, and the filter selects some and leaves some
    assert selected == [matches(short, _facts(raw)) for raw in CORPUS]
    assert any(selected) and not all(selected)


@pytest.mark.parametrize("document", [CARBON_BASIC, CARBON_AND_OR])
def test_a_filter_is_written_back_in_the_form_it_came_in(document: str) -> None:
    carbon = as_sent(document)["filters"]
    short = SHORT_TWINS[document]
    mixed = {"OR": [{"key": "from", "value": "carol@fabrikam.example"}, {"has": "attachment"}]}
    for raw in (carbon, short, mixed):
        parsed = RULE.validate_python(raw)
        assert RULE.dump_python(parsed, mode="json") == raw
        assert RULE.validate_json(RULE.dump_json(parsed)) == parsed  # stored and read back


@pytest.mark.parametrize(
    ("term", "says"),
    [
        ({"key": "label", "value": "Test"}, "key must be one of category, after, before, from, has"),
        ({"key": "category"}, '{"key": ..., "value": ...}'),
        ({"key": "category", "value": "Test", "category": "Test"}, '{"key": ..., "value": ...}'),
        ({"key": "after", "value": "2024-01-07"}, "YYYY/MM/DD"),
        ({"key": "has", "value": "link"}, "attachment"),
        ({"key": "category", "value": 7}, "value must be a string"),
    ],
)
def test_a_bad_key_value_term_is_refused_saying_why(term: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        RULE.validate_python(term)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    body = {
        "project": "acme",
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
        "bucket": "acme-mail",
    }
    assert world.call("POST", "/integrations", body).status == 201
    assert world.call("POST", BASE, {"address": ANN}).status == 201
    yield world
    world.close()


def test_carbons_examples_are_accepted_by_the_on_demand_sync_and_answered_in_kind(world: ApiWorld) -> None:
    # WHEN each documented example is posted to the on-demand sync
    answers = [
        world.call("POST", f"{BASE}/{ANN}/sync", as_sent(doc))
        for doc in (CARBON_BASIC, CARBON_FOLDER, CARBON_AND_OR)
    ]

    # THEN each is queued (202, not 422) and the answer and the queued job carry it as sent
    assert [a.status for a in answers] == [202, 202, 202], [a.text for a in answers]
    assert answers[1].json["folder"] == "Folder Name"
    queued: list[PollJob] = []
    while (job := world.runtime.queue.receive()) is not None:
        queued.append(job)
    for doc, answer, job in zip((CARBON_BASIC, CARBON_FOLDER, CARBON_AND_OR), answers, queued, strict=True):
        assert answer.json["filters"] == as_sent(doc)["filters"]
        assert job.model_dump(mode="json", by_alias=True)["filters"] == as_sent(doc)["filters"]


def test_the_third_example_as_printed_is_a_clear_400_not_a_crash(world: ApiWorld) -> None:
    answer = world.call("POST", f"{BASE}/{ANN}/sync", raw_body=CARBON_AND_OR)
    assert answer.status in (400, 422) and answer.json["error"]
    assert world.runtime.queue.receive() is None


def test_mailbox_filters_accept_carbons_form_and_read_back_as_written(world: ApiWorld) -> None:
    carbon = as_sent(CARBON_AND_OR)["filters"]
    updated = world.call("PUT", f"{BASE}/{ANN}", {"address": ANN, "filters": carbon})
    read = world.call("GET", f"{BASE}/{ANN}", as_="view")
    assert updated.status == 200, updated.text
    assert read.json["filters"] == carbon


def test_the_openapi_document_names_the_key_value_form(world: ApiWorld) -> None:
    document = world.call("GET", "/openapi.json", as_="view").json
    schemas = document["components"]["schemas"]
    group = json.dumps(schemas["FilterGroup"])  # what a group may hold, in requests and answers alike
    assert "#/components/schemas/FilterTermKeyValue" in group and "#/components/schemas/FilterTerm" in group
    pairs = {branch["properties"]["key"]["const"] for branch in schemas["FilterTermKeyValue"]["oneOf"]}
    assert pairs == {"category", "after", "before", "from", "has"}


def test_a_bad_value_is_refused_naming_the_value_the_caller_wrote(world: ApiWorld) -> None:
    bad = {
        "filters": {"AND": [{"key": "category", "value": "Test"}, {"key": "after", "value": "2024-01-07"}]}
    }
    answer = world.call("POST", f"{BASE}/{ANN}/sync", bad)
    assert answer.status == 422, answer.text
    assert answer.field_names() == ["body.filters.AND.1.value"]
    assert "YYYY/MM/DD" in answer.text
    assert world.runtime.queue.receive() is None
