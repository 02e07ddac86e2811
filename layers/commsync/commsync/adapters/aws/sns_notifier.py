"""Notifier on SNS: subject for e-mail subscribers, the JSON record as message attributes' twin."""

from __future__ import annotations

from typing import Any

import boto3

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
