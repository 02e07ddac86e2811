"""Notifier on SNS: subject for e-mail subscribers, the JSON record as message attributes' twin."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from commsync.models import Notification


class SnsNotifier:
    def __init__(self, topic_arn: str, client: Any | None = None) -> None:
        self._topic = topic_arn
        self._sns = client or boto3.client("sns")

    def publish(self, notification: Notification) -> None:
        self._sns.publish(
            TopicArn=self._topic,
            Subject=notification.subject[:100],  # SNS rejects longer subjects
            Message=notification.message,
            MessageAttributes={
                "integration": {"DataType": "String", "StringValue": notification.integration},
                "reason": {"DataType": "String", "StringValue": notification.reason.value},
            },
        )

    def subscribe(self, integration: str, protocol: str, endpoint: str) -> str | None:
        # One topic for every integration: the filter policy on the `integration` message
        # attribute (set by publish) gives each subscriber only its integration's notifications.
        response = self._sns.subscribe(
            TopicArn=self._topic,
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes={
                "FilterPolicy": json.dumps({"integration": [integration]}),
                "FilterPolicyScope": "MessageAttributes",
            },
            # Email and https subscriptions are pending until confirmed; the ARN is still needed
            # to unsubscribe them later.
            ReturnSubscriptionArn=True,
        )
        return str(response["SubscriptionArn"])

    def unsubscribe(self, external_id: str | None) -> None:
        if not external_id:
            return
        try:
            self._sns.unsubscribe(SubscriptionArn=external_id)
        except ClientError as exc:
            # Already gone (unsubscribed by the recipient, or never confirmed): nothing left to do.
            if exc.response["Error"]["Code"] not in ("NotFound", "InvalidParameter"):
                raise
