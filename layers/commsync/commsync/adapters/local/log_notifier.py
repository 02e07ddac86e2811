"""Notifier for local mode: notifications go to the log (and are kept for `status`)."""

from __future__ import annotations

import uuid

from commsync.models import Notification
from commsync.observability import logger


class LogNotifier:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def publish(self, notification: Notification) -> None:
        self.sent.append(notification)
        logger.warning(notification.subject, extra={"notification": notification.model_dump(mode="json")})

    def subscribe(self, integration: str, protocol: str, endpoint: str) -> str | None:
        # Local mode has no delivery service: the subscription is recorded (in state, by the API)
        # and logged, so a reader of the log sees who would be told.
        subscription = f"local:{uuid.uuid4().hex}"
        logger.warning(
            "notification subscription added",
            extra={
                "integration": integration,
                "protocol": protocol,
                "endpoint": endpoint,
                "id": subscription,
            },
        )
        return subscription

    def unsubscribe(self, external_id: str | None) -> None:
        logger.warning("notification subscription removed", extra={"id": external_id})
