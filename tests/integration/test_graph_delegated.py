"""A user connects their own Outlook mailbox (issue 10): the delegated consent flow through
`commsync serve` against the identity emulator (authenticate -> sign-in -> callback -> refresh
token stored), then a Graph sync with the token it renews; another user's mailbox is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from commsync.api.local import LocalApi, open_local_api
from commsync.errors import FailureClass
from commsync.local_config import ApiConfig, LocalConfig
from commsync.local_mode import drain
from commsync.models.access import Permission
from commsync.services.poll import PollStatus
from emulators.graph import GraphEmulator
from emulators.identity import IdentityEmulator, sign_in
from emulators.server import running
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import (
    ANN,
    BOB,
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    message,
    write_corpus,
)
from tests.support.api import tokens_for
from tests.support.mail import write_eml

pytestmark = pytest.mark.integration
PASSWORD = "Correct-Horse-9"  # test credential


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[LocalApi, requests.Session]]:
    plain, records = tokens_for({"ops": [Permission.MODIFY]})
    config = LocalConfig(
        store=tmp_path / "store", secrets_file=tmp_path / "secrets.toml", api=ApiConfig(tokens=records)
    )
    local = open_local_api(config, port=0)
    local.start(sync=False)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {plain['ops']}"
    try:
        yield local, session
    finally:
        local.close()


def test_a_user_consents_through_the_api_and_their_mailbox_syncs_over_graph(
    tmp_path: Path, api: tuple[LocalApi, requests.Session]
) -> None:
    local, session = api
    tls: TlsFiles = self_signed(tmp_path / "tls")
    write_corpus(tmp_path / "data", count=8)
    write_eml(tmp_path / "data", BOB, "Inbox", "1.eml", message(1, "Carol <carol@fabrikam.example>", to=BOB))
    idp = IdentityEmulator()
    with idp.serving(tls=tls):
        graph = GraphEmulator.from_directory(tmp_path / "data", idp.verifier())
        with running(graph.server(0, tls=tls)) as server:
            # GIVEN an app registered for the API's callback, Ann in the tenant, and a delegated
            # Graph integration with Ann's and Bob's mailboxes
            callback = f"{local.url}/external/microsoft/oauth2/callback"
            idp.add_app(TENANT, CLIENT_ID, secret=CLIENT_SECRET, redirect_uris=[callback])
            idp.add_user(TENANT, ANN, PASSWORD)
            body: dict[str, Any] = {
                "project": "acme",
                "name": "outlook",
                "kind": "graph",
                "endpoint": server.url + "/v1.0",
                "bucket": "acme-mail",
                "options": {
                    "auth": "delegated",
                    "client_id": CLIENT_ID,
                    "tenant": TENANT,
                    "authority": idp.authority("").rstrip("/"),
                    "ca_bundle": str(tls.cert),
                },
                "secret_values": {"client_secret": CLIENT_SECRET},
            }

            def call(method: str, path: str, **kwargs: Any) -> requests.Response:
                return session.request(method, local.url + path, timeout=30, allow_redirects=False, **kwargs)

            assert call("POST", "/integrations", json=body).status_code == 201
            for address in (ANN, BOB):
                assert call("POST", "/integrations/acme/outlook/mailboxes", json={"address": address}).ok

            # WHEN Ann consents: authenticate -> the identity platform's sign-in -> our callback
            authorize = call(
                "GET", "/integrations/acme/outlook/oauth2/authenticate", params={"response": "json"}
            )
            answer = sign_in(authorize.json()["authorize_url"], ANN, PASSWORD, verify=str(tls.cert))
            back = requests.get(callback, params=answer, allow_redirects=False, timeout=30)
            assert back.status_code == 302 and "oauth=success" in back.headers["Location"]

            # AND her mailbox and Bob's are synced on demand
            for address in (ANN, BOB):
                assert call("POST", f"/integrations/acme/outlook/mailboxes/{address}/sync").status_code == 202
            outcomes = drain(local.runtime)

            # THEN Ann's mail became comments through her own token, which was renewed from the stored
            # refresh token, and Bob's mailbox is refused as a mailbox failure (not hers)
            ann, bob = outcomes[f"acme/outlook#{ANN}"], outcomes[f"acme/outlook#{BOB}"]
            assert ann.status is PollStatus.DONE, ann.error
            assert ann.counts.created == 8
            assert idp.issued["refresh_token"] >= 1
            assert bob.failure_class is FailureClass.MAILBOX
            comments = call("GET", "/buckets/acme-mail/comments").json()["changes"]
            assert {c["mailbox"] for c in comments} == {ANN}
