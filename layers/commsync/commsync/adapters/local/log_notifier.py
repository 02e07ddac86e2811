"""Notifier for local mode: notifications go to the log (and are kept for `status`)."""

from __future__ import annotations

from commsync.models import Notification
from commsync.observability import logger


class LogNotifier:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def publish(self, notification: Notification) -> None:
        self.sent.append(notification)
        logger.warning(notification.subject, extra={"notification": notification.model_dump(mode="json")})
