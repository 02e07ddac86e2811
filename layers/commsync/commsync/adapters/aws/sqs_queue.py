"""WorkQueue on SQS: batches of 10, the API's maximum (docs/architecture.md#flow).

On a FIFO queue (its URL ends in `.fifo`) each job's message group is its mailbox, so SQS hands
out one job of a mailbox at a time (the mutual exclusion of docs/architecture.md#flow, without a lease write),
and a scheduled job's deduplication id names its mailbox and slot, so a dispatcher run repeated
within SQS's 5-minute window sends it once. Continuations, on-demand and resync jobs get ids
of their own: they must never be dropped as repeats.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3

from commsync.models import PollJob
from commsync.models.common import iso_z
from commsync.models.job import JobReason

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

BATCH = 10


def group_id(job: PollJob) -> str:
    # At most 128 characters: a digest of the mailbox key, whatever its length.
    return hashlib.sha256(job.mailbox.key.encode()).hexdigest()


def deduplication_id(job: PollJob) -> str:
    if job.reason is JobReason.SCHEDULE and not job.folder and not job.filters and not job.resync_ids:
        # The dispatcher stamps a scheduled job with its slot's time (services/dispatch.py).
        return hashlib.sha256(f"{job.mailbox.key}@{iso_z(job.enqueued_at)}".encode()).hexdigest()
    return uuid.uuid4().hex


class SqsQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self._url = queue_url
        self._sqs = client or boto3.client("sqs")
        self._fifo = queue_url.endswith(".fifo")

    def send(self, jobs: Sequence[PollJob]) -> None:
        for start in range(0, len(jobs), BATCH):
            batch = jobs[start : start + BATCH]
            entries = [self._entry(n, job) for n, job in enumerate(batch)]
            response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = response.get("Failed", [])
            if failed:
                # A partly sent batch must not pass silently: the mailbox would wait a whole interval.
                reasons = ", ".join(f"{f['Code']}: {f.get('Message', '')}" for f in failed)
                raise RuntimeError(f"{len(failed)} of {len(batch)} poll jobs were not queued ({reasons})")

    def _entry(self, n: int, job: PollJob) -> SendMessageBatchRequestEntryTypeDef:
        entry: SendMessageBatchRequestEntryTypeDef = {"Id": str(n), "MessageBody": job.model_dump_json()}
        if self._fifo:
            entry["MessageGroupId"] = group_id(job)
            entry["MessageDeduplicationId"] = deduplication_id(job)
        return entry
