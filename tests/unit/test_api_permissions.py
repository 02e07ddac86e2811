"""Every route enforces view or modify; callers without a token get 401, without the permission 403."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commsync.api.auth import PUBLIC, authorizer_context, declared
from commsync.api.tokens import AuthorizerDenied, authorize_token_event, issue_token
from commsync.models.access import Permission
from commsync.models.common import utc_now
from tests.support.api import ApiWorld, api_event, api_world, to_response
from tests.support.handlers import LambdaContext, load_handler
from tests.unit.test_api_handler import ENVIRONMENT

PUBLIC_PATHS = {
    "/health",
    "/openapi.json",
    "/docs",
    "/external/<provider>/oauth2/callback",
    # The console's static page and assets (issue 12): no data in them.
    "/console",
    "/console/<asset>",
}
EWS = {
    "project": "acme",
    "name": "exchange",
    "kind": "ews",
    "endpoint": "https://mail.acme.example/EWS",
    "bucket": "b",
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    yield world
    world.close()


def _routes(world: ApiWorld) -> list[tuple[str, str, Any]]:
    routes = world.app._static_routes + world.app._dynamic_routes
    return [(r.method, r.path, r.func) for r in routes]


def _concrete(path: str) -> str:
    # A path that matches the route's pattern: slugs, an address, hex ids.
    values = {
        "address": "ann@acme.example",
        "comment_id": "abc123",
        "subscription_id": "0" * 32,
        "reference": "0" * 64,
        "provider": "microsoft",
    }
    return re.sub(r"<(\w+)>", lambda m: values.get(m.group(1), "acme"), path)


def test_every_route_declares_a_permission_and_only_the_documented_ones_are_public(world: ApiWorld) -> None:
    # GIVEN every route the app serves
    routes = _routes(world)
    # WHEN their declarations are read
    undeclared = [(m, p) for m, p, f in routes if declared(f) is None]
    public = {p for _, p, f in routes if declared(f) == PUBLIC}
    # THEN none is left undeclared, and the public ones are health, docs, the OAuth callback, the console
    assert undeclared == []
    assert public == PUBLIC_PATHS
    assert len(routes) >= 30


def test_without_a_token_every_protected_route_answers_401_even_with_a_bad_body(world: ApiWorld) -> None:
    # GIVEN each protected route, called without a token and with a body that is not valid
    for method, path, func in _routes(world):
        if declared(func) == PUBLIC:
            continue
        # WHEN it is called
        response = world.call(method, _concrete(path), raw_body="{not json", as_=None)
        # THEN 401 with a WWW-Authenticate challenge: validation never runs before authentication
        assert response.status == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert world.call(method, _concrete(path), as_="not-a-token").status == 401


def test_a_view_token_is_refused_every_modify_route_with_403(world: ApiWorld) -> None:
    modify = [(m, p) for m, p, f in _routes(world) if declared(f) is Permission.MODIFY]

    answers = {(m, p): world.call(m, _concrete(p), body={}, as_="view") for m, p in modify}

    assert len(modify) >= 15
    assert {k: r.status for k, r in answers.items() if r.status != 403} == {}
    assert all("modify permission" in r.json["message"] for r in answers.values())
    assert world.engine.state.list_integrations() == []


def test_a_modify_token_may_also_view(world: ApiWorld) -> None:
    assert world.call("GET", "/integrations", as_="modify").status == 200
    assert world.call("GET", "/status", as_="view").status == 200


def test_the_lambda_reads_permissions_from_the_authorizer_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the API Lambda as deployed (its routes would reach AWS only after the permission check)
    api = load_handler("api", ENVIRONMENT, monkeypatch)
    viewer = {"principalId": "dashboard", "permissions": "view"}

    # WHEN a viewer creates, an unauthorised call arrives, and health is asked without anything
    create = api.lambda_handler(
        api_event("POST", "/integrations", EWS, authorizer=viewer), LambdaContext("api")
    )
    anonymous = api.lambda_handler(api_event("GET", "/integrations"), LambdaContext("api"))
    health = api.lambda_handler(api_event("GET", "/health"), LambdaContext("api"))

    # THEN 403, 401 and 200
    assert [create["statusCode"], anonymous["statusCode"], health["statusCode"]] == [403, 401, 200]


def test_authorizer_context_understands_our_authorizer_and_cognito_scopes() -> None:
    ours = authorizer_context(
        {"requestContext": {"authorizer": {"principalId": "bot", "permissions": "modify"}}}
    )
    cognito = authorizer_context(
        {"requestContext": {"authorizer": {"claims": {"sub": "u-1", "scope": "openid commsync/view"}}}}
    )
    nothing = authorizer_context({"requestContext": {"authorizer": {"permissions": "admin"}}})

    assert ours is not None and ours.permissions == {Permission.VIEW, Permission.MODIFY}
    assert cognito is not None and cognito.permissions == {Permission.VIEW} and cognito.name == "u-1"
    assert nothing is None


def test_the_token_authorizer_allows_the_whole_stage_with_the_tokens_permissions() -> None:
    # GIVEN a stored view token
    token, record = issue_token("dashboard", [Permission.VIEW], utc_now())
    lookup = {record.sha256: record}.get
    method_arn = "arn:aws:execute-api:eu-west-1:123456789012:k7x2m9q4tb/v1/GET/integrations/acme/mail"

    # WHEN API Gateway asks about it, about a wrong one, and about a missing header
    allowed = authorize_token_event(
        {"authorizationToken": f"Bearer {token}", "methodArn": method_arn}, lookup
    )

    # THEN the policy covers the stage (it is cached per token) and carries the permission
    statement = allowed["policyDocument"]["Statement"][0]
    assert (statement["Effect"], statement["Resource"]) == (
        "Allow",
        "arn:aws:execute-api:eu-west-1:123456789012:k7x2m9q4tb/v1/*",
    )
    assert allowed["context"]["permissions"] == "view" and allowed["principalId"] == "dashboard"
    for header in (f"Bearer {token}x", "Basic dXNlcjpwYXNz", ""):
        with pytest.raises(AuthorizerDenied, match=r"^Unauthorized$"):
            authorize_token_event({"authorizationToken": header, "methodArn": method_arn}, lookup)


def test_a_route_error_never_shows_a_stack_trace(world: ApiWorld) -> None:
    # GIVEN a store that fails underneath the API
    world.runtime.state.close()
    # WHEN a route touches it
    response = world.call("GET", "/integrations", as_="view")
    # THEN 500 with a request id, and nothing of Python's insides
    assert response.status == 500
    assert response.json["error"] == "internal_error" and response.json["request_id"]
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()


def test_responses_are_api_gateway_shaped() -> None:
    # GIVEN the unit helper's conversion of a real resolver result
    response = to_response({"statusCode": 204, "headers": {"X": "1"}, "multiValueHeaders": {"Y": ["2"]}})
    assert (response.status, response.headers) == (204, {"X": "1", "Y": "2"})
