"""`--fault` on the emulators' command line (issue 21): parsed, applied, and answered with the
vendor's own error, counted faults then behaving again."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from emulators.cli import parser
from emulators.fault_options import FaultOption, parse_fault, parse_faults
from emulators.graph.command import FAULT_KINDS as GRAPH_FAULTS
from emulators.graph.command import apply_faults as apply_graph_faults
from emulators.server import EmulatorServer, running
from tests.integration.clients.graph_world import ANN as GRAPH_ANN
from tests.integration.clients.graph_world import CLIENT_ID, TENANT, world
from tests.integration.emulators.test_ews_support import ANN, PASSWORD, SERVICE, write_mailboxes
from tests.integration.test_graph_support import GRAPH

pytestmark = pytest.mark.integration
KINDS = {"throttle": "", "timeout": ""}
KEY, SECRET = "3MVG9fault.consumer", "Fault-Secret-9"  # test credential


def _build(*argv: str) -> EmulatorServer:
    args = parser().parse_args(list(argv))
    server: EmulatorServer = args.build(args)
    return server


def test_a_fault_option_parses_its_count_mailbox_and_seconds() -> None:
    assert parse_fault("throttle,count=3,mailbox=Ann@X.example,seconds=2.5", KINDS) == FaultOption(
        "throttle", 3, "ann@x.example", 2.5
    )
    assert parse_fault("timeout", KINDS) == FaultOption("timeout")


@pytest.mark.parametrize(
    "text", ["flood", "throttle,count=0", "throttle,colour=red", "throttle,seconds=soon"]
)
def test_a_bad_fault_option_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="--fault"):
        parse_fault(text, KINDS)


def _salesforce_data(tmp_path: Path) -> Path:
    user = {"username": "ops@acme.example", "password": "Unused-Pa55"}
    app = {"consumer_key": KEY, "consumer_secret": SECRET, "client_credentials_user": user["username"]}
    path = tmp_path / "salesforce.json"
    path.write_text(json.dumps({"orgs": [{"name": "Acme", "users": [user]}], "connected_apps": [app]}))
    return path


def test_salesforce_throttles_then_expires_the_session_then_behaves(tmp_path: Path) -> None:
    data = str(_salesforce_data(tmp_path))
    server = _build(
        "salesforce", "--data", data, "--fault", "throttle,count=1", "--fault", "token_expiry,count=1"
    )
    with running(server):
        basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        form = {"grant_type": "client_credentials"}

        def token() -> str:
            answer = requests.post(
                f"{server.url}/services/oauth2/token",
                data=form,
                headers={"Authorization": f"Basic {basic}"},
                timeout=10,
            )
            return str(answer.json()["access_token"])

        limits = f"{server.url}/services/data/v60.0/limits/"

        def call(bearer: str) -> tuple[int, str]:
            answer = requests.get(limits, headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
            return answer.status_code, "" if answer.ok else answer.json()[0]["errorCode"]

        first = token()
        assert call(first) == (403, "REQUEST_LIMIT_EXCEEDED")
        assert call(first) == (401, "INVALID_SESSION_ID")
        assert call(first) == (401, "INVALID_SESSION_ID")  # that session is gone for good
        assert call(token()) == (200, "")


def _ews_post(server: EmulatorServer) -> requests.Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Body><m:GetFolder>'
        "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>"
        f'<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>{ANN}</t:EmailAddress></t:Mailbox>'
        "</t:DistinguishedFolderId></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>"
    )
    return requests.post(
        f"{server.url}/EWS/Exchange.asmx",
        data=body.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8", "X-AnchorMailbox": ANN},
        auth=(SERVICE, PASSWORD),
        timeout=10,
    )


def test_ews_answers_503_then_server_busy_with_its_back_off_then_behaves(tmp_path: Path) -> None:
    write_mailboxes(tmp_path)
    faults = ["--fault", "unavailable,count=1", "--fault", f"throttle,count=1,mailbox={ANN},seconds=2"]
    server = _build("ews", "--data", str(tmp_path), "--user", f"{SERVICE}:{PASSWORD}", *faults)
    with running(server):
        assert _ews_post(server).status_code == 503
        busy = _ews_post(server)
        detail = ET.fromstring(busy.content).find(".//{*}Value[@Name='BackOffMilliseconds']")  # noqa: S314
        assert busy.status_code == 500 and detail is not None and detail.text == "2000"
        assert _ews_post(server).status_code == 200


def test_graph_throttles_with_retry_after_and_loses_delta_tokens(tmp_path: Path) -> None:
    with world(tmp_path) as env:
        token = env.identity.app_token(TENANT, CLIENT_ID, GRAPH)
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{env.base_url}/users/{GRAPH_ANN}/mailFolders/inbox/messages/delta"
        link = requests.get(url, headers=headers, verify=str(env.tls.cert), timeout=10).json()[
            "@odata.deltaLink"
        ]
        options = ["throttle,count=1,seconds=3", "sync_state_loss"]
        apply_graph_faults(env.graph, parse_faults(options, GRAPH_FAULTS))
        throttled = requests.get(link, headers=headers, verify=str(env.tls.cert), timeout=10)
        lost = requests.get(link, headers=headers, verify=str(env.tls.cert), timeout=10)
        assert (throttled.status_code, throttled.headers.get("Retry-After")) == (429, "3")
        assert (lost.status_code, lost.json()["error"]["code"]) == (410, "syncStateNotFound")


def test_identity_throttles_the_token_endpoint_with_retry_after_then_issues(tmp_path: Path) -> None:
    from emulators.identity import IdentityEmulator, apply_faults
    from emulators.identity.faults import FAULT_KINDS as IDENTITY_FAULTS
    from emulators.tls import self_signed

    idp = IdentityEmulator()
    idp.add_app(TENANT, CLIENT_ID, secret="Fault-Secret-1", roles={GRAPH: ["Mail.Read"]})  # test credential
    apply_faults(idp, parse_faults(["throttle,count=1,seconds=4"], IDENTITY_FAULTS))
    tls = self_signed(tmp_path / "tls")
    with idp.serving(tls=tls):
        form = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": "Fault-Secret-1",
            "scope": f"{GRAPH}/.default",
        }

        def ask() -> requests.Response:
            url = f"{idp.authority(TENANT)}/oauth2/v2.0/token"
            return requests.post(url, data=form, verify=str(tls.cert), timeout=10)

        throttled, issued = ask(), ask()
    assert (throttled.status_code, throttled.headers.get("Retry-After")) == (429, "4")
    assert throttled.json()["error"] == "temporarily_unavailable"
    assert issued.status_code == 200 and "access_token" in issued.json()


def test_ews_refuses_a_bearer_token_as_expired_then_accepts_it(tmp_path: Path) -> None:
    from emulators.ews.command import FAULT_KINDS as EWS_FAULTS
    from emulators.ews.command import apply_faults as apply_ews_faults
    from tests.integration.emulators.test_ews_support import serve

    write_mailboxes(tmp_path)
    claims = {"roles": ["full_access_as_app"], "appid": "daemon-1"}
    with serve(tmp_path, bearer=lambda token, audience: claims if token == "app" else None) as served:
        apply_ews_faults(served.emulator, parse_faults(["token_expiry,count=1"], EWS_FAULTS))

        def post() -> requests.Response:
            headers = {"Authorization": "Bearer app", "Content-Type": "text/xml; charset=utf-8"}
            return requests.post(served.endpoint, data=b"<x/>", headers=headers, timeout=10)

        expired, accepted = post(), post()
    offer = expired.headers.get("WWW-Authenticate", "")
    assert expired.status_code == 401 and 'error="invalid_token"' in offer
    assert accepted.status_code == 500  # authenticated; the body is then refused as malformed
