"""Issue 16, items 1 and 2: hostile filters and addresses never reach the store, and a stored
row that cannot be read fails only its own mailbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commsync.errors import ConfigError
from commsync.local_config import load_config
from commsync.models import MailboxRef
from commsync.models.filters import MAX_DEPTH, MAX_NODES
from tests.support.api import ApiWorld, api_world

ANN = "ann@acme.example"
BASE = "/integrations/acme/exchange/mailboxes"
CRM = "/integrations/acme/crm/mailboxes"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    for name, kind, endpoint, options in (
        ("exchange", "ews", "https://mail.acme.example/EWS/Exchange.asmx", {}),
        ("crm", "salesforce", "https://acme.my.salesforce.com", {"client_id": "app-1"}),
    ):
        body = {"project": "acme", "name": name, "kind": kind, "endpoint": endpoint, "bucket": "acme-mail"}
        answer = world.call("POST", "/integrations", {**body, "options": options})
        assert answer.status == 201, answer.text
    yield world
    world.close()


def nested(levels: int) -> dict[str, Any]:
    """A filter `levels` groups deep around one term."""
    node: dict[str, Any] = {"category": "Customer"}
    for _ in range(levels):
        node = {"AND": [node]}
    return node


def _stored(world: ApiWorld) -> list[str]:
    return [m.address for m, _ in world.engine.state.list_mailboxes("acme/exchange")]


@pytest.mark.parametrize("levels", [MAX_DEPTH - 1, MAX_DEPTH, 41, 101, 400])
def test_a_filter_nested_too_deep_is_refused_by_every_route_and_never_stored(
    world: ApiWorld, levels: int
) -> None:
    # GIVEN a filter nested `levels` groups deep (a term is one level, each group one more)
    filters = nested(levels)
    # WHEN a mailbox is created with it, and an existing mailbox is replaced with it
    created = world.call("POST", BASE, {"address": ANN, "filters": filters})
    allowed = levels + 1 <= MAX_DEPTH
    if not allowed:
        assert world.call("POST", BASE, {"address": ANN}).status == 201
    replaced = world.call("PUT", f"{BASE}/{ANN}", {"address": ANN, "filters": filters})
    synced = world.call("POST", f"{BASE}/{ANN}/sync", {"filters": filters})
    # THEN within the bound it is kept; past it every route answers 422 naming the field, nothing
    # of it is stored, and the listing still answers
    if allowed:
        assert (created.status, replaced.status, synced.status) == (201, 200, 202)
        return
    for answer in (created, replaced, synced):
        assert answer.status == 422, answer.text
        assert any(f.startswith("body.filters") or f == "body" for f in answer.field_names()), answer.text
    mailbox, _ = world.engine.state.get_mailbox(MailboxRef(integration="acme/exchange", address=ANN))
    assert mailbox.filters is None
    assert world.call("GET", "/status", as_="view").status == 200
    assert world.call("GET", "/metrics", as_="view").status == 200
    assert world.call("GET", BASE, as_="view").status == 200


def test_a_body_nested_a_hundred_thousand_levels_is_a_422_not_a_crash(world: ApiWorld) -> None:
    levels = 100_000
    raw = '{"address": "ann@acme.example", "filters": ' + '{"AND": [' * levels + "{}" + "]}" * levels + "}"
    answer = world.call("POST", BASE, raw_body=raw)
    assert answer.status == 422
    assert answer.field_names() == ["body"]
    assert _stored(world) == []


def test_a_filter_with_too_many_terms_is_refused(world: ApiWorld) -> None:
    wide = {"OR": [{"AND": [{"category": f"c{i}"} for i in range(50)]} for _ in range(MAX_NODES // 50 + 1)]}
    answer = world.call("POST", BASE, {"address": ANN, "filters": wide})
    assert answer.status == 422
    assert "body.filters" in answer.field_names()
    assert _stored(world) == []


def test_a_row_stored_by_an_older_version_fails_only_its_own_mailbox(world: ApiWorld) -> None:
    # GIVEN a good mailbox, and one whose stored settings no longer validate (written before
    # the depth bound existed: 101 levels, past pydantic's own recursion limit)
    assert world.call("POST", BASE, {"address": ANN}).status == 201
    assert world.call("POST", BASE, {"address": "bob@acme.example"}).status == 201
    poisoned = {"integration": "acme/exchange", "address": "bob@acme.example", "filters": nested(101)}
    with world.engine.state._tx() as db:
        db.execute(
            "UPDATE mailboxes SET config = ? WHERE address = ?", (json.dumps(poisoned), "bob@acme.example")
        )
    # WHEN everyone reads
    listing = world.call("GET", BASE, as_="view")
    status = world.call("GET", "/status", as_="view")
    one = world.call("GET", f"{BASE}/bob@acme.example", as_="view")
    # THEN the listings answer; the bad mailbox shows disabled with why and how to fix it
    metrics = world.call("GET", "/metrics", as_="view")
    assert (listing.status, status.status, one.status, metrics.status) == (200, 200, 200, 200), status.text
    by_address = {m["address"]: m for m in listing.json}
    assert by_address[ANN]["status"]["enabled"] is True
    bad = by_address["bob@acme.example"]["status"]
    assert bad["enabled"] is False
    assert "cannot be read" in bad["disabled"]["error"]
    # AND switching it answers (its stored state is kept, revision included), still disabled
    stopped = world.call("POST", f"{BASE}/bob@acme.example/stop")
    assert stopped.status == 200 and stopped.json["status"]["enabled"] is False
    # AND replacing it with valid settings, or deleting it, recovers
    assert world.call("PUT", f"{BASE}/bob@acme.example", {"address": "bob@acme.example"}).status == 200
    assert world.call("DELETE", f"{BASE}/bob@acme.example").status == 204


@pytest.mark.parametrize(
    "address",
    [
        ".",
        "..",
        "a..b@acme.example",
        ".ann@acme.example",
        "ann@acme..example",
        "ann",
        "a/b@acme.example",
        "ann@acme.example\u202e",
        "ann\x00@acme.example",
        "ann @acme.example",
        "a#b@acme.example",
        "@acme.example",
    ],
)
def test_a_mail_source_refuses_what_is_not_an_email_address(world: ApiWorld, address: str) -> None:
    answer = world.call("POST", BASE, {"address": address})
    assert answer.status == 422, answer.text
    assert answer.field_names() == ["body.address"]
    assert _stored(world) == []


@pytest.mark.parametrize("address", ["a%b@acme.example", "what?@acme.example", "o'neil+tag@acme.example"])
def test_an_unusual_but_valid_address_can_be_created_read_and_deleted(world: ApiWorld, address: str) -> None:
    # The event carries the path decoded once, as API Gateway does; nothing decodes it again.
    assert world.call("POST", BASE, {"address": address}).status == 201
    assert world.call("GET", f"{BASE}/{address}", as_="view").json["address"] == address
    assert world.call("DELETE", f"{BASE}/{address}").status == 204
    assert _stored(world) == []


def test_salesforce_takes_an_object_api_name_and_mail_sources_do_not(world: ApiWorld) -> None:
    assert world.call("POST", CRM, {"address": "Support_Ticket__c"}).status == 201
    assert world.call("POST", CRM, {"address": ANN}).field_names() == ["body.address"]
    assert world.call("POST", BASE, {"address": "Case"}).field_names() == ["body.address"]


def test_a_dot_segment_never_resolves_to_the_parent_route(world: ApiWorld) -> None:
    # GIVEN an integration and its secret
    # WHEN a client sends the paths a normalising client or a hand-typed URL produce
    attempts = [
        world.call("DELETE", "/integrations/acme/exchange/"),
        world.call("DELETE", f"{BASE}/.."),
        world.call("DELETE", f"{BASE}/."),
        world.call("DELETE", f"{BASE}/"),
    ]
    # THEN none of them deletes the integration
    assert [a.status for a in attempts] == [404, 422, 422, 404]
    assert world.call("GET", "/integrations/acme/exchange", as_="view").status == 200


def test_the_config_file_applies_the_same_address_rules(tmp_path: Path) -> None:
    path = tmp_path / "commsync.toml"
    path.write_text(
        '[[integrations]]\nproject = "acme"\nname = "mail"\nkind = "eml"\nendpoint = "data"\n'
        'bucket = "b"\n\n[[integrations.mailboxes]]\naddress = ".."\n'
    )
    with pytest.raises(ConfigError, match=r"integrations\.0\.mailboxes\.0\.address"):
        load_config(path)
    path.write_text(path.read_text().replace('".."', '"Case"'))
    with pytest.raises(ConfigError, match="e-mail address"):
        load_config(path)


def test_a_mailbox_an_older_version_stored_as_dot_dot_is_listed_disabled(world: ApiWorld) -> None:
    assert world.call("POST", BASE, {"address": ANN}).status == 201
    legacy = {"integration": "acme/exchange", "address": ".."}
    with world.engine.state._tx() as db:
        db.execute(
            "INSERT INTO mailboxes VALUES (?, ?, ?, ?, 1, '')",
            ("acme/exchange", "..", json.dumps(legacy), '{"revision": 0}'),
        )
    listing = world.call("GET", BASE, as_="view")
    assert listing.status == 200, listing.text
    by_address = {m["address"]: m["status"] for m in listing.json}
    assert by_address[ANN]["enabled"] and not by_address[".."]["enabled"]
    assert world.call("GET", "/status", as_="view").status == 200
    assert world.call("GET", "/metrics", as_="view").status == 200
