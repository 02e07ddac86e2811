"""The OAuth connect flows end to end through `commsync serve` (issue 7): Microsoft against the
identity emulator (HTTPS, self-signed, PKCE), Salesforce against the Salesforce emulator (issue 11:
the web server flow without PKCE)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from commsync.api.local import LocalApi, open_local_api
from commsync.errors import IntegrationError
from commsync.local_config import ApiConfig, LocalConfig
from commsync.models.access import Permission
from commsync.services.oauth import refresh_access_token
from emulators.identity import IdentityEmulator, sign_in
from emulators.salesforce import SalesforceEmulator
from emulators.salesforce import sign_in as salesforce_sign_in
from emulators.tls import TlsFiles, self_signed
from tests.support.api import tokens_for

pytestmark = pytest.mark.integration

CLIENT_ID = "0f2b6c1e-4d5a-4b8e-9c3f-7a1d2e3f4a5b"
CLIENT_SECRET = "app~secret.Value-2024"  # test credential
UPN, PASSWORD = "alice@contoso.example", "Correct-Horse-9"  # test credential


@dataclass
class Api:
    local: LocalApi
    session: requests.Session

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(
            method, self.local.url + path, timeout=30, allow_redirects=False, **kwargs
        )

    def secret(self, name: str) -> dict[str, str]:
        return {k: v.get_secret_value() for k, v in self.local.runtime.engine.secrets.get(name).items()}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    plain, records = tokens_for({"ops": [Permission.MODIFY]})
    config = LocalConfig(
        store=tmp_path / "store", secrets_file=tmp_path / "secrets.toml", api=ApiConfig(tokens=records)
    )
    local = open_local_api(config, port=0)
    local.start(sync=False)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {plain['ops']}"
    try:
        yield Api(local, session)
    finally:
        local.close()


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return self_signed(tmp_path / "tls")


def _graph_integration(api: Api, idp: IdentityEmulator, tls: TlsFiles, **options: str) -> dict[str, Any]:
    """An app registered for our callback, a user, and the body of a Graph integration using them."""
    callback = f"{api.local.url}/external/microsoft/oauth2/callback"
    idp.add_app("contoso", CLIENT_ID, secret=CLIENT_SECRET, redirect_uris=[callback])
    idp.add_user("contoso", UPN, PASSWORD)
    return {
        "project": "acme",
        "name": "outlook",
        "kind": "graph",
        "endpoint": "https://graph.microsoft.com/v1.0",
        "bucket": "acme-mail",
        "options": {
            "client_id": CLIENT_ID,
            "tenant": "contoso",
            "authority": idp.authority("").rstrip("/"),
            "ca_bundle": str(tls.cert),
            **options,
        },
        "secret_values": {"client_secret": CLIENT_SECRET},
    }


def test_microsoft_connect_stores_a_refresh_token_that_renews_and_rotates(api: Api, tls: TlsFiles) -> None:
    idp = IdentityEmulator()
    with idp.serving(tls=tls):
        # GIVEN an app registered for our callback, and a Graph integration pointing at it
        callback = f"{api.local.url}/external/microsoft/oauth2/callback"
        graph = _graph_integration(api, idp, tls, scopes="Mail.Read User.Read openid")
        assert api("POST", "/integrations", json=graph).status_code == 201

        # WHEN the user starts the flow, signs in at the provider, and the browser comes back
        authorize_url = api(
            "GET", "/integrations/acme/outlook/oauth2/authenticate", params={"response": "json"}
        ).json()["authorize_url"]
        answer = sign_in(authorize_url, UPN, PASSWORD, verify=str(tls.cert))
        back = requests.get(callback, params=answer, allow_redirects=False, timeout=30)

        # THEN the browser lands on the console with the success notice, and the refresh token
        # sits in the secret beside the client secret (never in a response)
        assert back.status_code == 302, back.text
        location = urlsplit(back.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{api.local.url}/console"
        assert parse_qs(location.query) == {"oauth": ["success"], "integration": ["acme/outlook"]}
        stored = api.secret("acme/outlook")
        assert stored["client_secret"] == CLIENT_SECRET and stored["refresh_token"]
        assert stored["refresh_token"] not in api("GET", "/integrations/acme/outlook").text

        # AND the same callback again is refused: the state was used
        assert requests.get(callback, params=answer, allow_redirects=False, timeout=30).status_code == 400

        # WHEN a source renews its access token, THEN the token is valid for Graph and the rotated
        # refresh token was stored
        integration = api.local.runtime.engine.state.get_integration("acme/outlook")
        assert integration is not None
        secrets = api.local.runtime.engine.secrets
        token = refresh_access_token(secrets, integration)
        claims = idp.verifier()(token.access_token, "https://graph.microsoft.com")
        assert claims is not None and claims["upn"] == UPN and "Mail.Read" in claims["scp"].split()
        assert api.secret("acme/outlook")["refresh_token"] != stored["refresh_token"]

        # AND once the user's refresh tokens are revoked, renewing is an integration error
        idp.revoke_refresh_tokens("contoso", UPN)
        with pytest.raises(IntegrationError, match="invalid_grant"):
            refresh_access_token(secrets, integration)


def test_microsoft_declined_consent_returns_the_reason_and_stores_nothing(api: Api, tls: TlsFiles) -> None:
    idp = IdentityEmulator()
    with idp.serving(tls=tls):
        callback = f"{api.local.url}/external/microsoft/oauth2/callback"
        graph = _graph_integration(api, idp, tls)
        api("POST", "/integrations", json=graph)
        authorize_url = api("GET", "/integrations/acme/outlook/oauth2/authenticate").headers["Location"]

        answer = sign_in(authorize_url, UPN, PASSWORD, verify=str(tls.cert), cancel=True)
        back = requests.get(callback, params=answer, allow_redirects=False, timeout=30)

        assert parse_qs(urlsplit(back.headers["Location"]).query)["reason"] == ["access_denied"]
        assert "refresh_token" not in api.secret("acme/outlook")


SF_KEY, SF_SECRET = "3MVG9consumer.acme", "sf-consumer-secret-8812"  # test credential
SF_USER, SF_PASSWORD = "ops@acme.example", "Sf-Passw0rd-1"  # test credential


def test_salesforce_connect_exchanges_the_code_without_pkce_and_keeps_instance_url(api: Api) -> None:
    emu = SalesforceEmulator()
    with emu.serving():
        # GIVEN a connected app whose callback is ours, and a Salesforce integration pointing at it
        callback = f"{api.local.url}/external/salesforce/oauth2/callback"
        emu.add_user(SF_USER, SF_PASSWORD)
        emu.add_app(SF_KEY, SF_SECRET, [callback])
        assert emu.url is not None
        crm = {
            "project": "acme",
            "name": "crm",
            "kind": "salesforce",
            "endpoint": emu.url,
            "bucket": "acme-cases",
            "options": {"client_id": SF_KEY, "login_url": emu.url, "allow_insecure_loopback": True},
            "secret_values": {"client_secret": SF_SECRET},
        }
        assert api("POST", "/integrations", json=crm).status_code == 201

        # WHEN the user starts the flow, logs in at Salesforce, and the browser comes back
        location = api("GET", "/integrations/acme/crm/oauth2/authenticate").headers["Location"]
        answer = salesforce_sign_in(location, SF_USER, SF_PASSWORD)
        good = requests.get(callback, params=answer, allow_redirects=False, timeout=30)

        # THEN the web server flow ran without PKCE (the emulator refuses a code_verifier for a code
        # issued without a challenge), and the refresh token and instance_url are stored
        sent = parse_qs(urlsplit(location).query)
        assert "code_challenge" not in sent and sent["scope"] == ["api refresh_token offline_access"]
        assert parse_qs(urlsplit(good.headers["Location"]).query)["oauth"] == ["success"]
        stored = api.secret("acme/crm")
        assert stored["client_secret"] == SF_SECRET and stored["instance_url"] == emu.url
        assert stored["refresh_token"].startswith("5Aep861")
        assert emu.stats["issued:authorization_code"] == 1

        # AND a used code (with a fresh state) comes back as invalid_grant, a denial as access_denied
        replayed_state = parse_qs(
            urlsplit(api("GET", "/integrations/acme/crm/oauth2/authenticate").headers["Location"]).query
        )["state"][0]
        replay = requests.get(
            callback,
            params={"code": answer["code"], "state": replayed_state},
            allow_redirects=False,
            timeout=30,
        )
        denied = salesforce_sign_in(
            api("GET", "/integrations/acme/crm/oauth2/authenticate").headers["Location"],
            SF_USER,
            SF_PASSWORD,
            deny=True,
        )
        refused = requests.get(callback, params=denied, allow_redirects=False, timeout=30)
        assert parse_qs(urlsplit(replay.headers["Location"]).query)["reason"] == ["invalid_grant"]
        assert parse_qs(urlsplit(refused.headers["Location"]).query)["reason"] == ["access_denied"]

        # WHEN a source renews its session THEN it gets one for the instance, until the token is revoked
        integration = api.local.runtime.engine.state.get_integration("acme/crm")
        assert integration is not None
        token = refresh_access_token(api.local.runtime.engine.secrets, integration)
        assert token.instance_url == emu.url
        limits = requests.get(
            f"{emu.url}/services/data/v60.0/limits",
            headers={"Authorization": f"Bearer {token.access_token}"},
            timeout=10,
        )
        assert limits.status_code == 200
        emu.revoke_refresh_tokens(SF_USER)
        with pytest.raises(IntegrationError, match="invalid_grant"):
            refresh_access_token(api.local.runtime.engine.secrets, integration)
