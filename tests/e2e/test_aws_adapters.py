"""The AWS adapters against the template's own queue, bucket, topic and Secrets Manager (moto)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from commsync.adapters.aws.s3_blobs import S3Blobs
from commsync.adapters.aws.secretsmanager_secrets import SecretsManagerSecrets
from commsync.adapters.aws.sns_notifier import SnsNotifier
from commsync.adapters.aws.sqs_queue import SqsQueue
from commsync.errors import DisableReason, IntegrationError
from commsync.models import MailboxRef, Notification, PollJob
from tests.e2e.conftest import AwsStack

pytestmark = pytest.mark.e2e
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_jobs_are_sent_in_batches_of_ten_and_arrive_whole(aws_stack: AwsStack) -> None:
    sqs = aws_stack.client("sqs")
    url = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    jobs = [
        PollJob(mailbox=MailboxRef(integration="a/b", address=f"m{n}@x.example"), enqueued_at=NOW)
        for n in range(23)
    ]

    SqsQueue(url).send(jobs)

    received: list[PollJob] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        received += [PollJob.model_validate_json(m["Body"]) for m in batch]
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(j.mailbox.address for j in received) == sorted(j.mailbox.address for j in jobs)


def test_blobs_round_trip_list_by_prefix_and_miss_as_none(aws_stack: AwsStack) -> None:
    blobs = S3Blobs(aws_stack.outputs["BlobBucketName"])
    prefix = f"comments/t{uuid.uuid4().hex[:8]}/"
    blobs.put(prefix + "a.json", b'{"id": "a"}', "application/json")
    blobs.put(prefix + "b.json", b'{"id": "b"}', "application/json")

    assert blobs.get(prefix + "a.json") == b'{"id": "a"}'
    assert blobs.get(prefix + "missing.json") is None
    assert list(blobs.keys(prefix)) == [prefix + "a.json", prefix + "b.json"]


def test_a_notification_reaches_the_topics_subscribers(aws_stack: AwsStack) -> None:
    sqs, sns = aws_stack.client("sqs"), aws_stack.client("sns")
    url = sqs.create_queue(QueueName=f"subscriber-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = aws_stack.outputs["NotificationTopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    SnsNotifier(topic).publish(
        Notification(
            subject="commsync: acme/exchange stopped: AI-unit quota reached",
            message="raise the quota",
            integration="acme/exchange",
            reason=DisableReason.QUOTA,
            at=NOW,
        )
    )

    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Subject"].startswith("commsync: acme/exchange stopped")
    assert envelope["MessageAttributes"]["reason"]["Value"] == "quota"


def test_secrets_are_read_by_name_under_the_prefix_and_missing_ones_say_which(aws_stack: AwsStack) -> None:
    name = f"exchange-{uuid.uuid4().hex[:8]}"
    aws_stack.client("secretsmanager").create_secret(
        Name=f"commsync/{name}", SecretString=json.dumps({"username": "EMU\\svc", "password": "Passw0rd!"})
    )
    secrets = SecretsManagerSecrets("commsync/")

    values = secrets.get(name)

    assert values["password"].get_secret_value() == "Passw0rd!"
    with pytest.raises(IntegrationError, match="commsync/absent"):
        secrets.get("absent")
