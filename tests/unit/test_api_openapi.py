"""The OpenAPI document is generated from the code, validates, and drives a fuzz pass: requests
drawn from its own schemas (valid and not) never make the API answer 5xx (issue 7)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import validate as validate_body
from openapi_spec_validator import validate

from tests.support.api import ApiWorld, api_world

Schema = dict[str, Any]
KNOWN = {
    "project": ["acme"],
    "name": ["exchange", "outlook", "missing"],
    "address": ["ann@acme.example", "nobody@acme.example"],
    "bucket": ["acme-mail"],
    "provider": ["microsoft", "salesforce"],
}


def _seed(world: ApiWorld) -> None:
    """Two integrations with a mailbox each, recreated when a fuzzed DELETE or stop removed them."""
    for name, kind, endpoint in (
        ("exchange", "ews", "https://mail.acme.example/EWS/Exchange.asmx"),
        ("outlook", "graph", "https://graph.microsoft.com/v1.0"),
    ):
        body = {
            "project": "acme",
            "name": name,
            "kind": kind,
            "endpoint": endpoint,
            "bucket": "acme-mail",
            "options": {"client_id": "app"} if kind == "graph" else {},
        }
        assert world.call("POST", "/integrations", body).status in (201, 409)
        mailbox = {"address": "ann@acme.example"}
        assert world.call("POST", f"/integrations/acme/{name}/mailboxes", mailbox).status in (201, 409)
        world.call("POST", f"/integrations/acme/{name}/enable")
        world.call("POST", f"/integrations/acme/{name}/mailboxes/ann@acme.example/enable")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    world = api_world(tmp_path_factory.mktemp("fuzz"))
    _seed(world)
    yield world
    world.close()


@pytest.fixture(scope="module")
def document(world: ApiWorld) -> Schema:
    response = world.call("GET", "/openapi.json", as_=None)
    assert response.status == 200
    loaded: Schema = response.json
    return loaded


def test_the_openapi_document_is_valid_and_describes_every_route(document: Schema, world: ApiWorld) -> None:
    # GIVEN the document the API serves (publicly) WHEN it is validated THEN it is OpenAPI 3.1
    validate(document)
    # AND it lists the routes, each protected one with the bearer scheme
    paths = document["paths"]
    assert {
        "/integrations",
        "/integrations/{project}/{name}/oauth2/authenticate",
        "/external/{provider}/oauth2/callback",
        "/buckets/{bucket}/comments",
        "/buckets/{bucket}/attachments/{reference}",
        "/schedules",
        "/status",
    } <= set(paths)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/integrations"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/external/{provider}/oauth2/callback"]["get"]
    # AND errors are documented in the body the API sends, not Powertools' own
    created = paths["/integrations"]["post"]["responses"]
    assert {"201", "401", "403", "422", "500"} <= set(created)
    error_schema = created["422"]["content"]["application/json"]["schema"]
    assert error_schema == {"$ref": "#/components/schemas/ApiError"}
    assert "HTTPValidationError" not in json.dumps(document)
    # AND secrets are marked write-only, as they are
    secret_values = document["components"]["schemas"]["IntegrationIn"]["properties"]["secret_values"]
    assert "writeOnly" in json.dumps(secret_values)


def test_swagger_ui_is_served_with_the_document_inline(world: ApiWorld) -> None:
    response = world.call("GET", "/docs", as_=None)
    assert response.status == 200 and "swagger" in response.text.lower()
    assert "commsync management API" in response.text


def _resolve(schema: Schema, document: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def _junk() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    )


def _from_schema(schema: Schema, document: Schema, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly follow the schema; the junk branch and the depth cut-off break it on purpose."""
    schema = _resolve(schema, document)
    if depth > 4:
        return _junk()
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_from_schema(s, document, depth + 1) for s in schema[key]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {name: _from_schema(sub, document, depth + 1) for name, sub in properties.items()}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
    if kind == "array":
        return st.lists(_from_schema(schema.get("items", {}), document, depth + 1), max_size=3)
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(re.compile(schema["pattern"]), fullmatch=True).filter(lambda s: len(s) < 200)
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(lambda d: d.isoformat())
        return st.text(max_size=40)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return _junk()


def _operations(document: Schema) -> list[tuple[str, str, Schema]]:
    return [
        (path, method.upper(), op) for path, item in document["paths"].items() for method, op in item.items()
    ]


@st.composite
def _requests(draw: st.DrawFn, document: Schema) -> tuple[str, str, dict[str, str], str | None, set[int]]:
    path, method, operation = draw(st.sampled_from(_operations(document)))
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        generated = _from_schema(parameter["schema"], document) | st.text(max_size=10)
        # Mostly names that exist, so that requests get past the 404s into the handlers.
        if name in KNOWN and draw(st.integers(0, 9)) < 8:
            value = draw(st.sampled_from(KNOWN[name]))
        else:
            value = draw(generated)
        text = value if isinstance(value, str) else json.dumps(value)
        if where == "path":
            path = path.replace("{" + name + "}", text)
        elif where == "query" and (parameter.get("required") or draw(st.booleans())):
            query[name] = text
    body: str | None = None
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is not None:
        value = draw(_from_schema(content["schema"], document) | _junk())
        body = draw(st.sampled_from([json.dumps(value), json.dumps(value)[:-1] or "{"]))
    return method, path, query, body, {int(code) for code in operation["responses"]}


def test_fuzzing_from_the_document_never_gets_a_5xx_nor_an_undocumented_success(
    world: ApiWorld, document: Schema
) -> None:
    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(request=_requests(document))
    def no_server_error(request: tuple[str, str, dict[str, str], str | None, set[int]]) -> None:
        method, path, query, body, documented = request
        _seed(world)
        response = world.call(method, path, query=query, raw_body=body, as_="modify")
        assert response.status < 500, (method, path, query, body, response.text)
        # A client generated from the document must recognise every success it gets (201, 202, 204...)
        # and parse every error: the statuses it documents, in the body it documents.
        if response.status < 300 or response.status in (401, 403, 404, 422):
            assert response.status in documented, (method, path, response.status, documented)
        if response.status >= 400:
            validate_body(response.json, document["components"]["schemas"]["ApiError"])

    no_server_error()
