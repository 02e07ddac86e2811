"""App-only tokens from the identity emulator through unmodified msal: secrets, certificates, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import msal
import pytest
import requests

from emulators.identity import IdentityConfig, IdentityEmulator, trusting_session
from emulators.tls import TlsFiles, self_signed

pytestmark = pytest.mark.integration

TENANT = "contoso"
APP = "6731de76-14a6-49ae-97bc-6eba6914391e"
SECRET = "Qx8~emulated.client-secret_0123456789"
EXCHANGE = "https://outlook.office365.com"
GRAPH = "https://graph.microsoft.com"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def idp(tls: TlsFiles) -> Iterator[IdentityEmulator]:
    config = IdentityConfig.model_validate(
        {
            "tenants": {
                TENANT: {
                    "apps": [
                        {
                            "client_id": APP,
                            "display_name": "commsync",
                            "secrets": [{"value": SECRET, "expires": "2099-01-01T00:00:00Z"}],
                            "roles": {EXCHANGE: ["full_access_as_app"], GRAPH: ["Mail.Read"]},
                        }
                    ]
                }
            }
        }
    )
    with IdentityEmulator(config).serving(tls=tls) as running:
        yield running


def confidential(
    idp: IdentityEmulator, tls: TlsFiles, credential: Any, client_id: str = APP, tenant: str = TENANT
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id, client_credential=credential, **idp.msal_options(tenant, tls.cert)
    )


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_secret_gets_an_exchange_token_with_roles_that_msal_then_serves_from_its_cache(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN an app holding full_access_as_app on Exchange Online
    app = confidential(idp, tls, SECRET)

    # WHEN msal asks twice for the same scope
    first = app.acquire_token_for_client([f"{EXCHANGE}/.default"])
    second = app.acquire_token_for_client([f"{EXCHANGE}/.default"])

    # THEN one token came from the emulator, with app-only claims, and the second from msal's cache
    assert first["token_source"] == "identity_provider" and second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    assert idp.issued["client_credentials"] == 1
    token = claims(first["access_token"])
    tenant_id = idp.tenant_id(TENANT)
    assert token["aud"] == EXCHANGE and token["roles"] == ["full_access_as_app"] and "scp" not in token
    assert token["iss"] == f"{idp.url}/{tenant_id}/v2.0" and token["tid"] == tenant_id
    assert token["appid"] == token["azp"] == APP and token["appidacr"] == "1"
    assert token["exp"] - token["iat"] == first["expires_in"] == 3599
    assert jwt.get_unverified_header(first["access_token"])["kid"]


def test_each_resource_gets_its_own_roles(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN an app with Mail.Read on Graph and a role on Exchange
    app = confidential(idp, tls, SECRET)

    # WHEN it asks for Graph
    result = app.acquire_token_for_client([f"{GRAPH}/.default"])

    # THEN the token is for Graph with Graph's roles only
    token = claims(result["access_token"])
    assert token["aud"] == GRAPH and token["roles"] == ["Mail.Read"]


def test_wrong_secret_is_invalid_client_in_entra_error_shape(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a wrong secret
    wrong = "not-the-secret-" + uuid.uuid4().hex

    # WHEN msal asks for a token
    result = confidential(idp, tls, wrong).acquire_token_for_client([f"{EXCHANGE}/.default"])

    # THEN msal hands back Entra's error document, which names no secret
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215: ")
    assert result["error_codes"] == [7000215]
    assert {"timestamp", "trace_id", "correlation_id"} <= result.keys()
    assert wrong not in str(result) and SECRET not in str(result)
    assert idp.issued["client_credentials"] == 0


def test_expired_secret_is_invalid_client_7000222(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a secret that worked, then expired
    app = confidential(idp, tls, SECRET)
    assert "access_token" in app.acquire_token_for_client([f"{EXCHANGE}/.default"])
    idp.expire_secret(TENANT, APP)

    # WHEN a fresh msal app (empty cache) asks again
    result = confidential(idp, tls, SECRET).acquire_token_for_client([f"{EXCHANGE}/.default"])

    # THEN Entra's "secret keys are expired" error comes back
    assert result["error"] == "invalid_client" and result["error_codes"] == [7000222]


def test_unknown_app_is_unauthorized_client_700016(idp: IdentityEmulator, tls: TlsFiles) -> None:
    result = confidential(idp, tls, SECRET, client_id=str(uuid.uuid4())).acquire_token_for_client(
        [f"{EXCHANGE}/.default"]
    )

    assert result["error"] == "unauthorized_client" and result["error_codes"] == [700016]


def test_unknown_tenant_fails_msal_discovery_with_90002(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN an authority naming a tenant the emulator does not hold
    # WHEN msal builds the app (it fetches the OpenID configuration at once)
    # THEN it raises, and the error it wraps quotes Entra's AADSTS90002
    with pytest.raises(ValueError, match="Unable to get authority configuration") as raised:
        confidential(idp, tls, SECRET, tenant="fabrikam")
    assert "AADSTS90002" in str(raised.value.__context__)


def test_client_credentials_need_a_default_scope(idp: IdentityEmulator, tls: TlsFiles) -> None:
    result = confidential(idp, tls, SECRET).acquire_token_for_client([f"{GRAPH}/Mail.Read"])

    assert result["error"] == "invalid_scope" and result["error_codes"] == [1002012]


def test_http_basic_client_authentication_as_oauthlib_sends_it(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN the token endpoint from the discovery document
    session = trusting_session(tls.cert)
    config = session.get(f"{idp.authority(TENANT)}/v2.0/.well-known/openid-configuration", timeout=10).json()
    form = {"grant_type": "client_credentials", "scope": f"{EXCHANGE}/.default"}

    # WHEN a client authenticates with HTTP Basic (RFC 6749 2.3.1), and another with nothing
    basic = session.post(config["token_endpoint"], data=form, auth=(APP, SECRET), timeout=10)
    bare = session.post(config["token_endpoint"], data={**form, "client_id": APP}, timeout=10)

    # THEN Basic works, and no credential is Entra's 401 AADSTS7000216
    assert basic.status_code == 200 and basic.json()["token_type"] == "Bearer"
    assert bare.status_code == 401 and bare.json()["error_codes"] == [7000216]


@pytest.mark.parametrize(
    ("form", "error", "code"),
    [
        ({"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}, "unsupported_grant_type", 70003),
        ({"scope": f"{EXCHANGE}/.default"}, "invalid_request", 900144),
        (
            {"grant_type": "client_credentials", "scope": "https://unknown.example/.default"},
            "invalid_resource",
            500011,
        ),
    ],
    ids=["unsupported grant", "missing grant_type", "unknown resource"],
)
def test_malformed_requests_get_entra_errors(
    idp: IdentityEmulator, tls: TlsFiles, form: dict[str, str], error: str, code: int
) -> None:
    # GIVEN a token request a generic OAuth client might send
    endpoint = f"{idp.authority(TENANT)}/oauth2/v2.0/token"

    # WHEN it is posted with valid client credentials
    answer = trusting_session(tls.cert).post(
        endpoint, data={**form, "client_id": APP, "client_secret": SECRET}, timeout=10
    )

    # THEN a 400 with Entra's error and code
    assert answer.status_code == 400
    assert answer.json()["error"] == error and answer.json()["error_codes"] == [code]


def test_discovery_names_the_tenant_guid_and_publishes_the_signing_key(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN a token minted for the tenant
    token = confidential(idp, tls, SECRET).acquire_token_for_client([f"{EXCHANGE}/.default"])["access_token"]
    session = trusting_session(tls.cert)

    # WHEN a client reads the discovery document and the JWKS it points to
    config = session.get(f"{idp.authority(TENANT)}/v2.0/.well-known/openid-configuration", timeout=10).json()
    keys = session.get(config["jwks_uri"], timeout=10).json()["keys"]

    # THEN the endpoints use the tenant GUID and the token's kid is published
    tenant_id = idp.tenant_id(TENANT)
    assert config["issuer"] == f"{idp.url}/{tenant_id}/v2.0"
    assert config["token_endpoint"] == f"{idp.url}/{tenant_id}/oauth2/v2.0/token"
    assert jwt.get_unverified_header(token)["kid"] in {k["kid"] for k in keys}
    missing = requests.get(
        f"{idp.url}/fabrikam/v2.0/.well-known/openid-configuration", verify=str(tls.cert), timeout=10
    )
    assert missing.status_code == 400 and missing.json()["error_codes"] == [90002]
