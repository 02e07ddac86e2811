"""Microsoft Graph on the template's stack (moto), end to end (issue 10 gaps): a tenant connects
through the API function alone, the dispatcher and poller handlers sync it through the Graph and
identity emulators into S3, a later poll is incremental, and a mailbox that an application access
policy withholds (403 ErrorAccessDenied) is disabled alone, with its reason in the status route."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from commsync.adapters.aws import build_aws_engine
from commsync.engine import Engine
from commsync.models import MailboxRef
from commsync.models.common import utc_now
from commsync.settings import AwsSettings
from emulators.graph import GraphEmulator
from emulators.identity import IdentityEmulator, sign_in
from emulators.server import EmulatorServer, running
from emulators.tls import TlsFiles, self_signed
from tests.e2e.conftest import AwsStack
from tests.integration.test_graph_support import (
    ANN,
    BOB,
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    identity_with_app,
    message,
    write_corpus,
)
from tests.support.gateway import Gateway, gateway
from tests.support.handlers import LambdaContext, event, load_handler
from tests.support.mail import write_eml

pytestmark = pytest.mark.e2e

ANN_PASSWORD = "Correct-Horse-9"  # test credential


@dataclass
class Handlers:
    stack: AwsStack
    api: Gateway
    dispatcher: ModuleType
    poller: ModuleType

    def poll_due(self, engine: Engine, refs: list[MailboxRef]) -> list[dict[str, Any]]:
        """Make the mailboxes due, fire the schedule, and play SQS to the poller until the queue is empty."""
        for ref in refs:
            engine.state.schedule_poll(ref, utc_now())
        self.dispatcher.lambda_handler(event("schedule.json"), LambdaContext("dispatcher"))
        return self.stack.drain_poll_queue(self.poller)


def _handlers(stack: AwsStack, monkeypatch: pytest.MonkeyPatch, project: str) -> Handlers:
    return Handlers(
        stack,
        gateway(stack, monkeypatch, project),
        load_handler("dispatcher", stack.function_environment("DispatcherFunction"), monkeypatch),
        load_handler("poller", stack.function_environment("PollerFunction"), monkeypatch),
    )


@dataclass
class SteppedClock:
    """The poller's clock, moved a quarter-hour per poll round: persistence is measured in time."""

    now: datetime = field(default_factory=utc_now)

    def __call__(self) -> datetime:
        return self.now


def _integration(
    project: str, server: EmulatorServer, idp: IdentityEmulator, tls: TlsFiles, auth: str
) -> dict[str, Any]:
    return {
        "project": project,
        "name": "outlook",
        "kind": "graph",
        "endpoint": server.url + "/v1.0",
        "bucket": project,
        "options": {
            "auth": auth,
            "tenant": TENANT,
            "client_id": CLIENT_ID,
            "authority": str(idp.url),
            "ca_bundle": str(tls.cert),
        },
        "secret_values": {"client_secret": CLIENT_SECRET},
    }


def _mailboxes(call: Gateway, project: str) -> dict[str, dict[str, Any]]:
    status = call("GET", f"/integrations/{project}/outlook/status")
    assert status.status == 200, status.text
    return {m["address"]: m for m in status.json["mailboxes"]}


def _data(root: Path) -> Path:
    data = root / "data"
    write_corpus(data, count=12)
    for n in (40, 41):
        write_eml(data, BOB, "Inbox", f"{n}.eml", message(n, "Carol Diaz <carol@fabrikam.example>", to=BOB))
    return data


def test_an_app_only_graph_tenant_syncs_through_the_handlers_and_a_denied_mailbox_is_disabled_alone(
    aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Ann's mailbox (12 emails in four folders) and Bob's on the Graph emulator, an app
    # registration with Mail.Read, and an application access policy that withholds Bob's mailbox
    tls = self_signed(tmp_path / "tls")
    idp = identity_with_app()
    project = f"gr{uuid.uuid4().hex[:8]}"
    handlers = _handlers(aws_stack, monkeypatch, project)
    call = handlers.api
    clock = SteppedClock()
    handlers.poller.engine().clock = clock
    engine = build_aws_engine(AwsSettings())
    refs = [MailboxRef(integration=f"{project}/outlook", address=a) for a in (ANN, BOB)]
    with running(idp.server(0, tls=tls)):
        emulator = GraphEmulator.from_directory(_data(tmp_path), idp.verifier())
        emulator.deny.add((CLIENT_ID, BOB))
        with running(emulator.server(0, tls=tls)) as server:
            # ... connected through the API function alone, the client secret going to Secrets Manager
            created = call("POST", "/integrations", _integration(project, server, idp, tls, "app"))
            assert created.status == 201, created.text
            for address in (ANN, BOB):
                added = call("POST", f"/integrations/{project}/outlook/mailboxes", {"address": address})
                assert added.status == 201, added.text
            try:
                # WHEN the schedule fires
                responses = handlers.poll_due(engine, refs)

                # THEN Ann's 12 emails are 12 comments in S3; Bob's mailbox failed but is not disabled yet
                assert all(r["batchItemFailures"] == [] for r in responses)
                first_keys = aws_stack.comment_keys(project)
                assert len(first_keys) == 12
                mailboxes = _mailboxes(call, project)
                assert mailboxes[ANN]["last_error"] is None and mailboxes[ANN]["counts"]["created"] == 12
                assert "ErrorAccessDenied" in (mailboxes[BOB]["last_error"] or "")
                assert mailboxes[BOB]["enabled"] and mailboxes[BOB]["disabled"] is None

                # WHEN, a quarter-hour later, one email arrives and one is deleted, and both are polled
                inbox = emulator.store.messages(ANN, "Inbox")
                emulator.store.delete(ANN, inbox[0].id)
                emulator.store.add(ANN, "Inbox/Projects", message(90, "Dan Wu <dan@northwind.example>"))
                emulator.stats.reset()
                clock.now += timedelta(minutes=15)
                handlers.poll_due(engine, refs)

                # THEN only the new email was fetched: one comment more, none lost (comments outlive emails)
                assert emulator.stats["op:message.$value"] == 1
                assert emulator.stats["op:mailFolders.delta"] == 1
                second_keys = aws_stack.comment_keys(project)
                assert first_keys < second_keys and len(second_keys) == 13
                (new_key,) = second_keys - first_keys
                body = aws_stack.client("s3").get_object(
                    Bucket=aws_stack.outputs["BlobBucketName"], Key=new_key
                )
                comment = json.loads(body["Body"].read())
                assert comment["user_properties"]["string:Folder"] == "Inbox/Projects"
                assert (
                    comment["source"]["kind"] == "graph"
                    and "shipment 2090" in comment["messages"][0]["body"]["text"]
                )

                # WHEN Bob's mailbox is still withheld thirty minutes after its first failure
                clock.now += timedelta(minutes=15)
                handlers.poll_due(engine, refs)

                # THEN Bob's mailbox alone is disabled, and the status route says why and what to do
                mailboxes = _mailboxes(call, project)
                disabled = mailboxes[BOB]["disabled"]
                assert not mailboxes[BOB]["enabled"] and disabled is not None
                assert (disabled["reason"], disabled["failure_class"]) == ("sync_error", "mailbox")
                assert "ErrorAccessDenied" in disabled["error"] and "grant access" in disabled["error"]
                assert mailboxes[ANN]["enabled"] and mailboxes[ANN]["last_error"] is None
                integration = call("GET", f"/integrations/{project}/outlook").json
                assert integration["enabled"] and integration["disabled"] is None
            finally:
                call("DELETE", f"/integrations/{project}/outlook")


def test_a_user_connects_their_outlook_mailbox_through_the_api_and_it_syncs_through_the_handlers(
    aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Ann in the tenant, and a delegated Graph integration with her mailbox, made through the API
    tls = self_signed(tmp_path / "tls")
    idp = IdentityEmulator()
    project = f"gd{uuid.uuid4().hex[:8]}"
    handlers = _handlers(aws_stack, monkeypatch, project)
    call = handlers.api
    engine = build_aws_engine(AwsSettings())
    with running(idp.server(0, tls=tls)):
        idp.add_user(TENANT, ANN, ANN_PASSWORD)
        emulator = GraphEmulator.from_directory(_data(tmp_path), idp.verifier())
        with running(emulator.server(0, tls=tls)) as server:
            created = call("POST", "/integrations", _integration(project, server, idp, tls, "delegated"))
            assert created.status == 201, created.text
            assert call("POST", f"/integrations/{project}/outlook/mailboxes", {"address": ANN}).status == 201
            try:
                # WHEN she consents: authenticate -> the identity platform's sign-in -> the API's callback
                authorize = call("GET", f"/integrations/{project}/outlook/oauth2/authenticate")
                assert authorize.status == 302, authorize.text
                url = authorize.headers["Location"]
                # The app registration's redirect URI is the API's own callback, as the README says.
                callback = parse_qs(urlsplit(url).query)["redirect_uri"][0]
                idp.add_app(TENANT, CLIENT_ID, secret=CLIENT_SECRET, redirect_uris=[callback])
                answer = sign_in(url, ANN, ANN_PASSWORD, verify=str(tls.cert))
                back = call.public(urlsplit(callback).path.removeprefix("/v1"), answer)
                assert back.status == 302 and "oauth=success" in back.headers["Location"], back.headers

                # AND the schedule fires
                responses = handlers.poll_due(
                    engine, [MailboxRef(integration=f"{project}/outlook", address=ANN)]
                )

                # THEN her mail became comments through her own token, renewed from the stored refresh token
                assert all(r["batchItemFailures"] == [] for r in responses)
                assert len(aws_stack.comment_keys(project)) == 12
                assert _mailboxes(call, project)[ANN]["last_error"] is None
                assert idp.issued["refresh_token"] >= 1
                # AND the refresh token lives in Secrets Manager, never in what the API shows
                shown = call("GET", f"/integrations/{project}/outlook").text
                stored = engine.secrets.get(f"{project}/outlook")
                assert "refresh_token" in stored and stored["refresh_token"].get_secret_value() not in shown
            finally:
                call("DELETE", f"/integrations/{project}/outlook")
