"""The OAuth framework's authenticate and callback, without a provider: the state and redirect
rules (issue 7). The code exchange itself runs against the identity emulator in
tests/integration/test_serve_oauth.py."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from commsync.models.access import token_sha256
from tests.support.api import ApiWorld, api_world

CONSOLE = "https://console.acme.example/commsync"
GRAPH: dict[str, Any] = {
    "project": "acme",
    "name": "outlook",
    "kind": "graph",
    "endpoint": "https://graph.microsoft.com/v1.0",
    "bucket": "acme-mail",
    "options": {
        "client_id": "11111111-2222-3333-4444-555555555555",
        "tenant": "contoso",
        "scopes": "Mail.Read User.Read openid",
    },
    "secret_values": {"client_secret": "app-secret-value-1"},
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(tmp_path: Path, clock: Clock) -> Iterator[ApiWorld]:
    world = api_world(tmp_path, return_pages=[CONSOLE, "https://ops.acme.example/done"], clock=clock)
    assert world.call("POST", "/integrations", GRAPH).status == 201
    yield world
    world.close()


def _authorize_url(world: ApiWorld, name: str = "outlook") -> dict[str, str]:
    response = world.call("GET", f"/integrations/acme/{name}/oauth2/authenticate")
    assert response.status == 302, response.text
    assert response.headers["Cache-Control"] == "no-store"
    location = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    return {"url": f"{location.scheme}://{location.netloc}{location.path}", **query}


def _secrets(world: ApiWorld) -> dict[str, str]:
    return {k: v.get_secret_value() for k, v in world.engine.secrets.get("acme/outlook").items()}


def _callback(world: ApiWorld, provider: str = "microsoft", **query: str) -> Any:
    return world.call("GET", f"/external/{provider}/oauth2/callback", as_=None, query=query)


def test_authenticate_redirects_to_the_microsoft_authorize_endpoint_with_pkce(world: ApiWorld) -> None:
    # WHEN the flow starts
    sent = _authorize_url(world)

    # THEN the browser goes to the tenant's v2.0 authorize endpoint with a PKCE S256 challenge,
    # the integration's scopes plus offline_access, and our callback as redirect URI
    assert sent["url"] == "https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize"
    assert sent["client_id"] == GRAPH["options"]["client_id"]
    assert sent["redirect_uri"] == "http://127.0.0.1:8787/external/microsoft/oauth2/callback"
    assert sent["scope"].split() == ["Mail.Read", "User.Read", "openid", "offline_access"]
    assert (sent["response_type"], sent["code_challenge_method"]) == ("code", "S256")
    # AND the state is stored server-side only as its hash, with the verifier that matches
    stored = world.engine.state.take_oauth_state(token_sha256(sent["state"]), world.engine.clock())
    assert stored is not None and stored.integration == "acme/outlook"
    assert stored.code_verifier is not None
    digest = hashlib.sha256(stored.code_verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == sent["code_challenge"]
    assert stored.expires_at == world.engine.clock() + timedelta(minutes=10)


def test_authenticate_can_answer_json_for_a_page_that_holds_the_token(world: ApiWorld) -> None:
    response = world.call("GET", "/integrations/acme/outlook/oauth2/authenticate", query={"response": "json"})

    assert response.status == 200
    assert response.json["authorize_url"].startswith("https://login.microsoftonline.com/contoso/")


def test_salesforce_uses_the_web_server_flow_without_pkce(world: ApiWorld) -> None:
    body = {
        **GRAPH,
        "name": "crm",
        "kind": "salesforce",
        "endpoint": "https://acme.my.salesforce.com",
        "options": {"client_id": "3MVG9consumer-key", "login_url": "https://test.salesforce.com"},
    }
    assert world.call("POST", "/integrations", body).status == 201

    sent = _authorize_url(world, "crm")

    assert sent["url"] == "https://test.salesforce.com/services/oauth2/authorize"
    assert "code_challenge" not in sent
    assert sent["scope"] == "api refresh_token offline_access"
    assert sent["redirect_uri"].endswith("/external/salesforce/oauth2/callback")


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ({"code": "M.C507_BAY.2.U.code"}, "missing"),
        ({"code": "M.C507_BAY.2.U.code", "state": "forged-state-value"}, "unknown"),
    ],
)
def test_a_missing_or_forged_state_is_400_and_stores_nothing(
    world: ApiWorld, query: dict[str, str], why: str
) -> None:
    before = _secrets(world)

    response = _callback(world, **query)

    assert response.status == 400 and response.field_names() == ["query.state"]
    assert why in response.json["message"]
    assert _secrets(world) == before


def test_an_expired_state_is_400_and_stores_nothing(world: ApiWorld, clock: Clock) -> None:
    sent = _authorize_url(world)
    clock.now += timedelta(minutes=10, seconds=1)

    response = _callback(world, state=sent["state"], code="M.C507_BAY.2.U.code")

    assert response.status == 400
    assert "refresh_token" not in _secrets(world)


def test_a_replayed_state_is_400_the_second_time(world: ApiWorld) -> None:
    # GIVEN a state whose first callback was used (here the user declined at the provider)
    sent = _authorize_url(world)
    first = _callback(world, state=sent["state"], error="access_denied")

    # WHEN the same state comes back again, now with a code
    second = _callback(world, state=sent["state"], code="M.C507_BAY.2.U.code")

    # THEN the first went back to the console with the provider's reason; the replay is refused
    assert first.status == 302
    notice = parse_qs(urlsplit(first.headers["Location"]).query)
    assert first.headers["Location"].startswith(CONSOLE + "?")
    assert notice == {"oauth": ["error"], "integration": ["acme/outlook"], "reason": ["access_denied"]}
    assert second.status == 400 and "already used" in second.json["message"]
    assert "refresh_token" not in _secrets(world)


def test_a_state_from_one_provider_is_refused_at_another(world: ApiWorld) -> None:
    sent = _authorize_url(world)

    response = _callback(world, provider="salesforce", state=sent["state"], code="aPrx.code")

    assert response.status == 400 and "another provider" in response.json["message"]
    assert _callback(world, provider="google", state=sent["state"]).status == 422


def test_the_return_page_is_only_ever_a_configured_one(world: ApiWorld) -> None:
    # GIVEN an integration naming one of the configured pages, and one naming another site
    chosen = {
        **GRAPH,
        "name": "chosen",
        "options": {**GRAPH["options"], "oauth_return_page": "https://ops.acme.example/done"},
    }
    evil = {
        **GRAPH,
        "name": "evil",
        "options": {**GRAPH["options"], "oauth_return_page": "https://evil.example/steal"},
    }
    world.call("POST", "/integrations", chosen)
    world.call("POST", "/integrations", evil)

    sent = _authorize_url(world, "chosen")
    back = _callback(world, state=sent["state"], error="consent_required")
    refused = world.call("GET", "/integrations/acme/evil/oauth2/authenticate")

    assert back.headers["Location"].startswith("https://ops.acme.example/done?oauth=error")
    assert refused.status == 409 and refused.field_names() == ["options.oauth_return_page"]


def test_authenticate_names_what_the_integration_lacks(world: ApiWorld) -> None:
    no_client = {**GRAPH, "name": "noclient", "options": {"tenant": "contoso"}}
    ews = {
        "project": "acme",
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
        "bucket": "b",
    }
    world.call("POST", "/integrations", no_client)
    world.call("POST", "/integrations", ews)

    assert world.call("GET", "/integrations/acme/noclient/oauth2/authenticate").field_names() == [
        "options.client_id"
    ]
    assert world.call("GET", "/integrations/acme/exchange/oauth2/authenticate").field_names() == ["kind"]
    assert world.call("GET", "/integrations/acme/outlook/oauth2/authenticate", as_="view").status == 403
