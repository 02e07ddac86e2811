"""Issue 16, item 5: the OpenAPI document lists every status and body a route can produce."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator

from tests.support.api import ApiWorld, api_world

BASE = "/integrations/acme/exchange/mailboxes"
ANN = "ann@acme.example"


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
    yield world
    world.close()


def _document(world: ApiWorld) -> dict[str, Any]:
    document: dict[str, Any] = world.call("GET", "/openapi.json", as_=None).json
    return document


def test_every_status_a_route_answers_is_documented(world: ApiWorld) -> None:
    paths = _document(world)["paths"]
    authenticate = paths["/integrations/{project}/{name}/oauth2/authenticate"]["get"]["responses"]
    callback = paths["/external/{provider}/oauth2/callback"]["get"]["responses"]
    created = paths["/integrations/{project}/{name}/mailboxes"]["post"]["responses"]
    synced = paths["/integrations/{project}/{name}/mailboxes/{address}/sync"]["post"]["responses"]
    assert {"200", "302", "409"} <= set(authenticate)
    assert "Location" in authenticate["302"]["headers"] and "content" not in authenticate["302"]
    assert {"302", "400"} <= set(callback) and "200" not in callback
    assert {"201", "400", "409", "413", "415", "422"} <= set(created)
    assert {"202", "409"} <= set(synced)
    for item in paths.values():
        for operation in item.values():
            if "204" in operation["responses"]:
                assert "content" not in operation["responses"]["204"]


def test_a_response_holding_a_filter_validates_against_its_own_schema(world: ApiWorld) -> None:
    document = _document(world)
    filters = {
        "OR": [{"category": "Customer"}, {"AND": [{"from": "northwind.example"}, {"has": "attachment"}]}]
    }
    answer = world.call("POST", BASE, {"address": ANN, "filters": filters})
    assert answer.status == 201
    assert answer.json["filters"] == filters
    schema = document["paths"]["/integrations/{project}/{name}/mailboxes"]["post"]["responses"]["201"]
    body_schema = {**schema["content"]["application/json"]["schema"], "components": document["components"]}
    OAS31Validator(body_schema).validate(answer.json)


def test_loose_scalars_are_refused(world: ApiWorld) -> None:
    # A 0 is no boolean and 0.5 no time, whatever pydantic's lax mode would make of them.
    assert world.call("POST", BASE, {"address": ANN, "enabled": 0}).field_names() == ["body.enabled"]
    assert world.call("POST", BASE, {"address": ANN, "sync_attachments": "yes"}).status == 422
    since = world.call("GET", "/buckets/acme-mail/comments", query={"since": "0.5"}, as_="view")
    assert (since.status, since.field_names()) == (422, ["query.since"])
    assert (
        world.call("GET", "/buckets/acme-mail/comments", query={"since": "2024-03-01T00:00:00Z"}).status
        == 200
    )
