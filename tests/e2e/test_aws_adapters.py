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
from commsync.models.job import JobReason
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


def test_two_writers_racing_on_one_secret_both_keep_their_keys(aws_stack: AwsStack) -> None:
    # GIVEN a secret with a client secret and a refresh token, and a poller about to store a
    # rotated refresh token while the API, in between its read and its write, changes the client secret
    name = f"graph-{uuid.uuid4().hex[:8]}"
    api = SecretsManagerSecrets("commsync/", aws_stack.client("secretsmanager"))
    api.put(name, {"client_secret": "old-app-secret", "refresh_token": "rt-1"})
    poller_client = aws_stack.client("secretsmanager")
    raced: list[str] = []

    def api_writes_first(**_: object) -> None:
        if not raced:
            raced.append("once")
            api.put(name, {"client_secret": "new-app-secret"})

    poller_client.meta.events.register("before-call.secretsmanager.PutSecretValue", api_writes_first)

    # WHEN the poller stores its rotated refresh token
    SecretsManagerSecrets("commsync/", poller_client).put(name, {"refresh_token": "rt-2"})

    # THEN neither write undid the other
    assert raced == ["once"]
    values = {k: v.get_secret_value() for k, v in api.get(name).items()}
    assert values == {"client_secret": "new-app-secret", "refresh_token": "rt-2"}


def test_a_deleted_secret_can_be_recovered_for_a_week_and_is_created_anew_without_old_keys(
    aws_stack: AwsStack,
) -> None:
    # GIVEN an integration's secret holding a refresh token, deleted with the integration
    name = f"graph-{uuid.uuid4().hex[:8]}"
    secrets = SecretsManagerSecrets("commsync/", aws_stack.client("secretsmanager"))
    secrets.put(name, {"client_secret": "app-secret", "refresh_token": "rt-old"})
    secrets.delete(name)
    secrets.delete("never-existed")  # a missing secret is not an error

    # THEN it is scheduled for deletion, not gone: readable by nobody, restorable by an operator
    described = aws_stack.client("secretsmanager").describe_secret(SecretId=f"commsync/{name}")
    assert "DeletedDate" in described
    with pytest.raises(IntegrationError, match=f"commsync/{name}"):
        secrets.get(name)

    # WHEN an integration of the same name is created again within the week
    secrets.put(name, {"client_secret": "new-app-secret"})

    # THEN the secret holds only the new keys: no refresh token of the deleted integration came back
    assert {k: v.get_secret_value() for k, v in secrets.get(name).items()} == {
        "client_secret": "new-app-secret"
    }


def test_a_warm_container_reads_a_secret_once_until_it_is_refused_or_rewritten(aws_stack: AwsStack) -> None:
    # GIVEN a secret, and a reader that may keep it five minutes (Powertools Parameters)
    client = aws_stack.client("secretsmanager")
    reads: list[str] = []
    client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: reads.append("get"))
    name = f"t{uuid.uuid4().hex[:8]}"
    writer = SecretsManagerSecrets("commsync/")
    writer.put(name, {"password": "Winter-2024!"})
    secrets = SecretsManagerSecrets("commsync/", client=client, max_age_seconds=300)

    # WHEN it is read by every poll of the container
    first = [secrets.get(name)["password"].get_secret_value() for _ in range(3)]

    # THEN Secrets Manager was asked once
    assert first == ["Winter-2024!"] * 3 and reads == ["get"]

    # WHEN it is rotated elsewhere, the server refuses the old one, and the poller forgets it
    writer.put(name, {"password": "Spring-2024!"})
    assert secrets.get(name)["password"].get_secret_value() == "Winter-2024!"  # still cached
    secrets.forget(name)

    # THEN the next read has the rotated one, and so does one after this reader's own write
    assert secrets.get(name)["password"].get_secret_value() == "Spring-2024!"
    secrets.put(name, {"refresh_token": "rt-2"})
    assert secrets.get(name)["refresh_token"].get_secret_value() == "rt-2"
    assert len(reads) >= 3


def test_fifo_jobs_carry_their_mailbox_as_group_and_a_slot_as_deduplication_id(aws_stack: AwsStack) -> None:
    # GIVEN a FIFO queue and a scheduled job sent twice (a dispatcher run repeated), plus a
    # continuation of the same mailbox
    sqs = aws_stack.client("sqs")
    url = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    ref = MailboxRef(integration="a/b", address="m@x.example")
    scheduled = PollJob(mailbox=ref, enqueued_at=NOW)
    continuation = scheduled.model_copy(update={"reason": JobReason.CONTINUATION})

    SqsQueue(url).send([scheduled, scheduled, continuation])

    # THEN the repeat was dropped, the continuation kept, both in the mailbox's group, in order
    received = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        received += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert [PollJob.model_validate_json(m["Body"]).reason for m in received] == ["schedule", "continuation"]
    assert len({m["Attributes"]["MessageGroupId"] for m in received}) == 1
