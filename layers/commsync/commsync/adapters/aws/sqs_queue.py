"""WorkQueue on SQS: batches of 10, the API's maximum (docs/architecture.md#flow)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3

from commsync.models import PollJob

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

BATCH = 10


class SqsQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self._url = queue_url
        self._sqs = client or boto3.client("sqs")

    def send(self, jobs: Sequence[PollJob]) -> None:
        for start in range(0, len(jobs), BATCH):
            batch = jobs[start : start + BATCH]
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(n), "MessageBody": job.model_dump_json()} for n, job in enumerate(batch)
            ]
            response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = response.get("Failed", [])
            if failed:
                # A partly sent batch must not pass silently: the mailbox would wait a whole interval.
                reasons = ", ".join(f"{f['Code']}: {f.get('Message', '')}" for f in failed)
                raise RuntimeError(f"{len(failed)} of {len(batch)} poll jobs were not queued ({reasons})")
