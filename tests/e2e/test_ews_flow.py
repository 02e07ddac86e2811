"""An Exchange mailbox synced through the Lambda handlers on the template's stack (moto) and the
EWS emulator on loopback, with the service account's password in Secrets Manager (issue 4)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from exchangelib.protocol import CachingProtocol

from commsync.adapters.aws import build_aws_engine
from commsync.models import Integration, Mailbox, MailboxRef, SourceKind
from commsync.services.manage import apply_integration, apply_mailbox
from commsync.settings import AwsSettings
from emulators.ews import EwsEmulator
from emulators.server import running
from tests.e2e.conftest import AwsStack
from tests.support.handlers import LambdaContext, event, load_handler
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.e2e

ANN = "ann@contoso.example"
USER, PASSWORD = "CORP\\svc-sync", "Autumn-2024-e2e!"


def test_an_exchange_mailbox_backfills_and_then_syncs_incrementally_through_the_handlers(
    aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a mailbox of 120 emails in nested folders on the EWS emulator
    data = tmp_path / "data"
    for n in range(100):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    for n in range(100, 120):
        write_eml(data, ANN, "Inbox/Customers/Key accounts", f"{n}.eml", email_bytes(n))
    emulator = EwsEmulator.from_directory(data, users={USER: PASSWORD})
    dispatcher = load_handler("dispatcher", aws_stack.function_environment("DispatcherFunction"), monkeypatch)
    poller = load_handler("poller", aws_stack.function_environment("PollerFunction"), monkeypatch)
    project = f"e2e{uuid.uuid4().hex[:8]}"
    secret_name = f"{project}-exchange"
    aws_stack.client("secretsmanager").create_secret(
        Name=f"commsync/{secret_name}", SecretString=json.dumps({"username": USER, "password": PASSWORD})
    )
    engine = build_aws_engine(AwsSettings())
    with running(emulator.server(port=0)) as server:
        integration = Integration(
            project=project,
            name="exchange",
            kind=SourceKind.EWS,
            endpoint=server.url + "/EWS/Exchange.asmx",
            bucket=project,
            secret=secret_name,
            options={"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
        )
        apply_integration(engine, integration)
        apply_mailbox(engine, Mailbox(integration=integration.key, address=ANN))
        ref = MailboxRef(integration=integration.key, address=ANN)
        try:
            # WHEN the schedule fires
            dispatcher.lambda_handler(event("schedule.json"), LambdaContext("dispatcher"))
            responses = aws_stack.drain_poll_queue(poller)

            # THEN every email is one comment in S3 and the mailbox reports success
            assert all(r["batchItemFailures"] == [] for r in responses)
            assert len(aws_stack.comment_keys(project)) == 120
            found = engine.state.get_mailbox(ref)
            assert found is not None and found[1].last_error is None, found
            assert found[1].counts.created == 120

            # WHEN two more arrive and the mailbox is due again
            emulator.store.add(ANN, "Inbox", email_bytes(500))
            emulator.store.add(ANN, "Inbox/Customers", email_bytes(501))
            engine.state.schedule_poll(ref, engine.clock())
            emulator.stats.reset()
            dispatcher.lambda_handler(event("schedule.json"), LambdaContext("dispatcher"))
            aws_stack.drain_poll_queue(poller)

            # THEN only those two are fetched and stored
            assert len(aws_stack.comment_keys(project)) == 122
            assert emulator.stats["op:GetItem"] == 2
        finally:
            CachingProtocol.clear_cache()
