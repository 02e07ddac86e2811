"""Schedule -> dispatcher -> SQS -> poller -> S3/DynamoDB, through the real handlers, on the
stack that template.yaml describes (tests/e2e/conftest.py), with events from events/."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from commsync.adapters.aws import build_aws_engine
from commsync.engine import Engine
from commsync.models import Integration, Mailbox, MailboxRef, SourceKind
from commsync.services.manage import apply_integration, apply_mailbox
from commsync.settings import AwsSettings
from tests.e2e.conftest import AwsStack
from tests.support.handlers import LambdaContext, event, load_handler, sqs_event
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.e2e

ANN, BOB = "ann.lee@northwind.example", "bob@contoso.example"


@dataclass
class Deployment:
    stack: AwsStack
    dispatcher: ModuleType
    poller: ModuleType
    engine: Engine
    project: str
    mail: Path

    @property
    def key(self) -> str:
        return f"{self.project}/exports"

    def run_schedule(self) -> list[dict[str, Any]]:
        """EventBridge fires; then play the Lambda service's SQS poller until the queue is empty."""
        dispatched = self.dispatcher.lambda_handler(event("schedule.json"), LambdaContext("dispatcher"))
        return [dispatched, *self.stack.drain_poll_queue(self.poller)]

    def make_due(self) -> None:
        for mailbox, _ in self.engine.state.list_mailboxes(self.key):
            self.engine.state.schedule_poll(mailbox.ref, self.engine.clock())

    def comments(self) -> dict[str, bytes]:
        s3, bucket = self.stack.client("s3"), self.stack.outputs["BlobBucketName"]
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"comments/{self.project}/").get("Contents", [])
        return {
            item["Key"].rsplit("/", 1)[1].removesuffix(".json"): s3.get_object(
                Bucket=bucket, Key=item["Key"]
            )["Body"].read()
            for item in listed
        }


@pytest.fixture
def deployment(aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    dispatcher = load_handler("dispatcher", aws_stack.function_environment("DispatcherFunction"), monkeypatch)
    poller = load_handler("poller", aws_stack.function_environment("PollerFunction"), monkeypatch)
    engine = build_aws_engine(AwsSettings())
    project = f"e2e{uuid.uuid4().hex[:8]}"
    mail = tmp_path / "mail"
    mail.mkdir()
    integration = Integration(
        project=project,
        name="exports",
        kind=SourceKind.EML,
        endpoint=str(mail),
        bucket=project,
        options={"settle_seconds": 0},
    )
    apply_integration(engine, integration)
    for address in (ANN, BOB):
        apply_mailbox(engine, Mailbox(integration=integration.key, address=address))
    return Deployment(aws_stack, dispatcher, poller, engine, project, mail)


def test_given_an_export_when_the_schedule_fires_then_every_email_is_one_comment_in_s3(
    deployment: Deployment,
) -> None:
    # GIVEN two mailboxes, one email sent by Ann to Bob present in both
    for n in range(3):
        write_eml(deployment.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    write_eml(deployment.mail, ANN, "Inbox/Projects", "p.eml", email_bytes(9))
    shared = email_bytes(42)
    write_eml(deployment.mail, ANN, "Sent Items", "42.eml", shared)
    write_eml(deployment.mail, BOB, "Inbox", "42.eml", shared)

    # WHEN the schedule fires
    responses = deployment.run_schedule()

    # THEN both mailboxes were dispatched and polled without failures
    assert responses[0]["sent"] >= 2
    assert all(r["batchItemFailures"] == [] for r in responses[1:])
    comments = deployment.comments()
    expected = {f"<order-{n}@northwind.example>".encode().hex() for n in (0, 1, 2, 9, 42)}
    assert set(comments) == expected
    doc = json.loads(comments[b"<order-9@northwind.example>".hex()])
    assert doc["source"] == {
        "integration": deployment.key,
        "kind": "eml",
        "mailbox": ANN,
        "folder": "Inbox/Projects",
    }
    for address in (ANN, BOB):
        found = deployment.engine.state.get_mailbox(MailboxRef(integration=deployment.key, address=address))
        assert found is not None and found[1].last_success_at is not None and found[1].last_error is None
    assert deployment.engine.state.get_checkpoint(
        MailboxRef(integration=deployment.key, address=ANN), "Inbox"
    )
    period = json.loads(next(iter(comments.values())))["created_at"][:7]
    assert deployment.engine.state.get_usage(deployment.project, period).ai_units == 5


def test_given_a_synced_export_when_run_again_then_nothing_changes_and_a_move_changes_only_the_folder(
    deployment: Deployment,
) -> None:
    path = write_eml(deployment.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    write_eml(deployment.mail, ANN, "Inbox", "1.eml", email_bytes(1))
    deployment.run_schedule()
    before = deployment.comments()

    deployment.make_due()
    deployment.run_schedule()
    assert deployment.comments() == before

    (deployment.mail / ANN / "Archive").mkdir()
    path.rename(deployment.mail / ANN / "Archive" / "0.eml")
    deployment.make_due()
    deployment.run_schedule()

    after = deployment.comments()
    moved_id = b"<order-0@northwind.example>".hex()
    assert set(after) == set(before)
    old, new = json.loads(before[moved_id]), json.loads(after[moved_id])
    assert new["user_properties"]["string:Folder"] == "Archive" and new["source"]["folder"] == "Archive"
    for doc in (old, new):
        doc["user_properties"].pop("string:Folder")
        doc["source"].pop("folder")
        doc.pop("updated_at")
    assert old == new
    untouched = b"<order-1@northwind.example>".hex()
    assert after[untouched] == before[untouched]


def test_given_a_poison_message_then_only_it_fails_in_the_batch(
    deployment: Deployment, aws_stack: AwsStack
) -> None:
    write_eml(deployment.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    sqs, queue_url = aws_stack.client("sqs"), aws_stack.outputs["PollQueueUrl"]
    good = {
        "mailbox": {"integration": deployment.key, "address": ANN},
        "reason": "manual",
        "enqueued_at": "2024-03-01T09:30:00Z",
    }
    # The poll queue is FIFO: every message names its group (a mailbox) and deduplication id.
    for body, group in ((json.dumps(good), "ann"), ('{"mailbox": "not a mailbox"}', "poison")):
        ids = {"MessageGroupId": group, "MessageDeduplicationId": uuid.uuid4().hex}
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, **ids)
    messages: list[dict[str, Any]] = []
    while len(messages) < 2:
        messages += sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    response = deployment.poller.lambda_handler(sqs_event(messages, arn), LambdaContext("poller"))

    poison = next(m["MessageId"] for m in messages if "not a mailbox" in m["Body"])
    assert response["batchItemFailures"] == [{"itemIdentifier": poison}]
    assert set(deployment.comments()) == {b"<order-0@northwind.example>".hex()}
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
