"""Duplicate deliveries, partial batches and poison messages through the real poller handler and the
template's queues on moto (issue 6)."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from commsync.adapters.aws import build_aws_engine
from commsync.models import Integration, Mailbox, MailboxRef, SourceKind
from commsync.services.manage import apply_integration, apply_mailbox
from commsync.settings import AwsSettings
from tests.e2e.conftest import AwsStack
from tests.support.handlers import LambdaContext, load_handler, sqs_event
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.e2e

ANN = "ann.lee@northwind.example"


def _job(integration: str) -> str:
    return json.dumps(
        {
            "mailbox": {"integration": integration, "address": ANN},
            "reason": "schedule",
            "enqueued_at": "2024-03-01T09:30:00Z",
        }
    )


def _receive(stack: AwsStack, queue_url: str, count: int) -> list[dict[str, Any]]:
    sqs, messages = stack.client("sqs"), []
    for _ in range(20):
        messages += sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if len(messages) >= count:
            break
    return messages


def test_the_same_job_delivered_twice_makes_each_comment_once(
    aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a mailbox of four emails and a poll job that SQS delivers twice in one batch
    poller = load_handler("poller", aws_stack.function_environment("PollerFunction"), monkeypatch)
    engine = build_aws_engine(AwsSettings())
    project = f"dup{uuid.uuid4().hex[:8]}"
    for n in range(4):
        write_eml(tmp_path / "mail", ANN, "Inbox", f"{n}.eml", email_bytes(n))
    integration = Integration(
        project=project,
        name="exports",
        kind=SourceKind.EML,
        endpoint=str(tmp_path / "mail"),
        bucket=project,
        options={"settle_seconds": 0},
    )
    apply_integration(engine, integration)
    apply_mailbox(engine, Mailbox(integration=integration.key, address=ANN))
    sqs, queue_url = aws_stack.client("sqs"), aws_stack.outputs["PollQueueUrl"]
    for _ in range(2):
        # Delivered twice: the same job with two deduplication ids, as SQS redelivers one.
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=_job(integration.key),
            MessageGroupId=integration.key,
            MessageDeduplicationId=uuid.uuid4().hex,
        )
    messages = _receive(aws_stack, queue_url, 2)
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # WHEN the poller handles the batch
    response = poller.lambda_handler(sqs_event(messages, arn), LambdaContext("poller"))
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    # THEN neither fails, four comments exist, and usage counted four
    assert response["batchItemFailures"] == []
    s3, bucket = aws_stack.client("s3"), aws_stack.outputs["BlobBucketName"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"comments/{project}/").get("Contents", [])
    assert len(listed) == 4
    created = json.loads(s3.get_object(Bucket=bucket, Key=listed[0]["Key"])["Body"].read())["created_at"]
    assert engine.state.get_usage(project, created[:7]).ai_units == 4
    found = engine.state.get_mailbox(MailboxRef(integration=integration.key, address=ANN))
    assert found is not None and found[1].counts.created == 4


def test_a_poison_message_reaches_the_dead_letter_queue_after_five_receives(
    aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a message no poller can read, in the poll queue
    poller = load_handler("poller", aws_stack.function_environment("PollerFunction"), monkeypatch)
    sqs, queue_url = aws_stack.client("sqs"), aws_stack.outputs["PollQueueUrl"]
    dlq_url = aws_stack.outputs["PollDeadLetterQueueUrl"]
    marker = uuid.uuid4().hex
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps({"poison": marker}),
        MessageGroupId=marker,
        MessageDeduplicationId=marker,
    )
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # WHEN it is received and fails five times (made visible again at once instead of after the timeout)
    failures = 0
    for _ in range(5):
        messages = [m for m in _receive(aws_stack, queue_url, 1) if marker in m["Body"]]
        assert messages, "the message should still be in the poll queue"
        try:
            response = poller.lambda_handler(sqs_event(messages, arn), LambdaContext("poller"))
            failures += len(response["batchItemFailures"])
        except BatchProcessingError:
            # A batch whose every record failed fails the invocation: SQS keeps the messages the same way.
            failures += len(messages)
        for message in messages:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    # THEN the next receive finds it in the dead-letter queue, not in the poll queue
    assert failures == 5
    again = [m for m in _receive(aws_stack, queue_url, 1) if marker in m["Body"]]
    dead = [m for m in _receive(aws_stack, dlq_url, 1) if marker in m["Body"]]
    assert again == [] and len(dead) == 1
    sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=dead[0]["ReceiptHandle"])


def test_a_batch_of_several_mailboxes_is_polled_at_once_and_a_failure_returns_only_its_group(
    aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two mailboxes, and a batch holding Ann's job, then in Bob's group a poison message
    # followed by Bob's job (FIFO: Bob's job must not run before the message ahead of it)
    poller = load_handler("poller", aws_stack.function_environment("PollerFunction"), monkeypatch)
    engine = build_aws_engine(AwsSettings())
    project = f"grp{uuid.uuid4().hex[:8]}"
    bob = "bob.ray@northwind.example"
    for n, address in enumerate((ANN, bob)):
        write_eml(tmp_path / "mail", address, "Inbox", f"{n}.eml", email_bytes(n))
    integration = Integration(
        project=project,
        name="exports",
        kind=SourceKind.EML,
        endpoint=str(tmp_path / "mail"),
        bucket=project,
        options={"settle_seconds": 0},
    )
    apply_integration(engine, integration)
    for address in (ANN, bob):
        apply_mailbox(engine, Mailbox(integration=integration.key, address=address))
    sqs, queue_url = aws_stack.client("sqs"), aws_stack.outputs["PollQueueUrl"]
    bob_job = _job(integration.key).replace(ANN, bob)
    for body, group in ((_job(integration.key), "ann"), ('{"poison": 1}', "bob"), (bob_job, "bob")):
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=body,
            MessageGroupId=group,
            MessageDeduplicationId=uuid.uuid4().hex,
        )
    messages = _receive(aws_stack, queue_url, 3)
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # WHEN the poller handles the batch
    response = poller.lambda_handler(sqs_event(messages, arn), LambdaContext("poller"))
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    # THEN Bob's two messages go back (the poison, and his job behind it), Ann's is done
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    assert failed == {m["MessageId"] for m in messages if "ann" not in m["Body"] or "poison" in m["Body"]}
    assert len(failed) == 2
    s3, bucket = aws_stack.client("s3"), aws_stack.outputs["BlobBucketName"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"comments/{project}/").get("Contents", [])
    assert len(listed) == 1


def test_an_invocation_starts_by_removing_what_a_killed_one_left_in_tmp(
    aws_stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Lambda environment whose /tmp holds the scratch directory of a SIGKILLed poll
    environment = {**aws_stack.function_environment("PollerFunction"), "AWS_LAMBDA_FUNCTION_NAME": "poller"}
    poller = load_handler("poller", environment, monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    left = tmp_path / "commsync-attachment-k1ll3d"
    left.mkdir()
    (left / "invoice.pdf").write_bytes(b"%PDF-1.7 " + b"\0" * 4096)
    kept = tmp_path / "not-ours"
    kept.mkdir()

    # WHEN the next invocation starts
    response = poller.lambda_handler({"Records": []}, LambdaContext("poller"))

    # THEN the leftover is gone, and nothing else
    assert response["batchItemFailures"] == []
    assert not left.exists() and kept.exists()
