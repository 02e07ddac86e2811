"""The management API on the stack of template.yaml (moto): the token authorizer, then the API
function with the authorizer's context, on DynamoDB, Secrets Manager, S3, SQS and SNS (issue 7).

The issue's "done when" on moto: an EWS integration configured through the API alone, its
status read, a disable seen with its reason, and re-enabled.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from commsync.adapters.aws.dynamodb_state import DynamoState
from commsync.api.tokens import AuthorizerDenied
from commsync.errors import DisableReason, FailureClass
from commsync.models.access import Permission
from commsync.models.common import utc_now
from commsync.models.integration import Disabled
from commsync.ports import CommentEntry
from tests.e2e.conftest import AwsStack
from tests.support.api import ApiResponse
from tests.support.gateway import Gateway, gateway

pytestmark = pytest.mark.e2e

PASSWORD = "Autumn-2024-sync!"  # test credential


@dataclass
class Deployed:
    stack: AwsStack
    gateway: Gateway
    state: DynamoState
    project: str

    def context(self, token: str) -> dict[str, Any]:
        return self.gateway.context(token)

    def call(
        self, method: str, path: str, body: Any = None, as_: str = "modify", **query: str
    ) -> ApiResponse:
        return self.gateway(method, path, body, as_, **query)


@pytest.fixture
def deployed(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployed]:
    state = DynamoState(aws_stack.outputs["StateTableName"])
    project = f"api{uuid.uuid4().hex[:8]}"
    api = gateway(aws_stack, monkeypatch, project, [Permission.VIEW, Permission.MODIFY])
    deployment = Deployed(aws_stack, api, state, project)
    yield deployment
    # The table is shared by the session: leave no due mailbox behind for the flow tests' dispatcher.
    for integration in state.list_integrations():
        if integration.project == project:
            deployment.call("DELETE", f"/integrations/{integration.key}")
    for name in ("view", "modify"):
        state.delete_api_token(f"{project}-{name}")


def test_an_ews_integration_is_configured_watched_disabled_and_re_enabled_through_the_api(
    deployed: Deployed,
) -> None:
    p = deployed.project
    # GIVEN an EWS integration and a mailbox created through the API, the password in the body
    body = {
        "project": p,
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.northwind.example/EWS/Exchange.asmx",
        "bucket": p,
        "options": {"auth": "ntlm", "access": "impersonation"},
        "secret_values": {"username": "NORTHWIND\\svc-sync", "password": PASSWORD},
    }
    created = deployed.call("POST", "/integrations", body)
    mailbox = deployed.call(
        "POST", f"/integrations/{p}/exchange/mailboxes", {"address": "ann@northwind.example"}
    )

    # THEN the password is in Secrets Manager under the stack's prefix, and in no answer
    assert (created.status, mailbox.status) == (201, 201), created.text + mailbox.text
    secret = deployed.stack.client("secretsmanager").get_secret_value(SecretId=f"commsync/{p}/exchange")
    assert json.loads(secret["SecretString"])["password"] == PASSWORD
    assert PASSWORD not in created.text
    assert created.json["secret"]["keys"] == ["password", "username"]

    # WHEN the status is read THEN the mailbox is there, enabled, never synced yet
    status = deployed.call("GET", f"/integrations/{p}/exchange/status", as_="view").json
    assert status["enabled"] is True
    assert [(m["address"], m["enabled"], m["last_success_at"]) for m in status["mailboxes"]] == [
        ("ann@northwind.example", True, None)
    ]

    # WHEN the poller disables it for a persisting failure THEN the status says why
    error = "ErrorImpersonateUserDenied: the account does not have permission to impersonate"
    deployed.state.set_integration_disabled(
        f"{p}/exchange",
        Disabled(
            reason=DisableReason.SYNC_ERROR, at=utc_now(), failure_class=FailureClass.INTEGRATION, error=error
        ),
    )
    disabled = deployed.call("GET", f"/integrations/{p}/exchange", as_="view").json
    assert (disabled["enabled"], disabled["disabled"]["reason"], disabled["disabled"]["error"]) == (
        False,
        "sync_error",
        error,
    )
    # AND a viewer cannot re-enable it, a modifier can
    assert deployed.call("POST", f"/integrations/{p}/exchange/enable", as_="view").status == 403
    enabled = deployed.call("POST", f"/integrations/{p}/exchange/enable")
    assert enabled.status == 200 and enabled.json["enabled"] is True


def test_on_demand_sync_sends_a_manual_job_to_the_poll_queue(deployed: Deployed) -> None:
    p = deployed.project
    body = {
        "project": p,
        "name": "exports",
        "kind": "ews",
        "endpoint": "https://mail.example/EWS",
        "bucket": p,
    }
    deployed.call("POST", "/integrations", body)
    deployed.call("POST", f"/integrations/{p}/exports/mailboxes", {"address": "bob@contoso.example"})

    queued = deployed.call(
        "POST",
        f"/integrations/{p}/exports/mailboxes/bob@contoso.example/sync",
        {"filters": {"has": "attachment"}},
    )

    assert queued.status == 202
    sqs, url = deployed.stack.client("sqs"), deployed.stack.outputs["PollQueueUrl"]
    mine = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            job = json.loads(message["Body"])
            if job["mailbox"]["integration"] == f"{p}/exports":
                mine.append(job)
    assert [(j["reason"], j["filters"]) for j in mine] == [("manual", {"has": "attachment"})]


def test_comments_feed_attachment_url_and_delete_on_s3_and_the_changes_index(deployed: Deployed) -> None:
    # GIVEN a comment with an attachment as the poller stores them
    p = deployed.project
    s3, bucket = deployed.stack.client("s3"), deployed.stack.outputs["BlobBucketName"]
    reference = "ab" * 32
    pdf = b"%PDF-1.4 tiny\n%%EOF\n"
    comment = {"id": "3c61", "attachments": [{"attachment_reference": reference}]}
    s3.put_object(Bucket=bucket, Key=f"comments/{p}/3c61.json", Body=json.dumps(comment).encode())
    s3.put_object(Bucket=bucket, Key=f"raw/{p}/3c61.eml", Body=b"From: a@b\r\n\r\nhi\r\n")
    s3.put_object(Bucket=bucket, Key=f"attachments/{p}/{reference}", Body=pdf)
    now = utc_now()
    entry = CommentEntry(p, "3c61", "h", f"{p}/mail", "a@x.example", "Inbox", now, now)
    assert deployed.state.create_comment_entry(entry, p, now.strftime("%Y-%m"))

    # WHEN the feed, the attachment link and a delete are asked for
    feed = deployed.call("GET", f"/buckets/{p}/comments", as_="view").json
    link = deployed.call("GET", f"/buckets/{p}/attachments/{reference}", as_="view").json
    downloaded = requests.get(link["url"], timeout=10)
    deleted = deployed.call("POST", f"/buckets/{p}/comments/delete", {"ids": ["3c61"]})

    # THEN the feed (a query on changes-index) has it, the presigned URL serves the bytes,
    # and the delete removed the JSON, the raw MIME and the index row
    assert [c["id"] for c in feed["changes"]] == ["3c61"]
    assert downloaded.status_code == 200 and downloaded.content == pdf
    assert "X-Amz-Signature=" in link["url"]
    assert deleted.json == {"deleted": ["3c61"], "not_found": []}
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"comments/{p}/").get("Contents", [])
    assert listed == [] and deployed.state.get_comment_entry(p, "3c61") is None


def test_a_subscription_is_an_sns_subscription_filtered_on_the_integration(deployed: Deployed) -> None:
    p = deployed.project
    body = {
        "project": p,
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.example/EWS",
        "bucket": p,
    }
    deployed.call("POST", "/integrations", body)

    added = deployed.call(
        "POST",
        f"/integrations/{p}/exchange/subscriptions",
        {"protocol": "email", "endpoint": "ops@northwind.example"},
        as_="view",
    )

    sns = deployed.stack.client("sns")
    arn = added.json["external_id"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"integration": [f"{p}/exchange"]}
    assert attributes["Endpoint"] == "ops@northwind.example"
    removed = deployed.call(
        "DELETE", f"/integrations/{p}/exchange/subscriptions/{added.json['id']}", as_="view"
    )
    assert removed.status == 204
    topic = deployed.stack.outputs["NotificationTopicArn"]
    remaining = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert arn not in [s["SubscriptionArn"] for s in remaining]


def test_the_authorizer_refuses_unknown_tokens(deployed: Deployed) -> None:
    with pytest.raises(AuthorizerDenied, match=r"^Unauthorized$"):
        deployed.context("cs_not-a-token")
    assert deployed.context(deployed.gateway.tokens["view"])["permissions"] == "view"
