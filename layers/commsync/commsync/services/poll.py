"""Poller: sync one mailbox, folder by folder, page by page (docs/architecture.md#flow and #sources).

After each page the comments are written, then the checkpoint: a crash replays at most
one page, and the replay changes nothing because comment writes are idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from commsync.cleaning.build import Origin, clean
from commsync.engine import Engine
from commsync.errors import CommsyncError
from commsync.filters import facts_of, matches
from commsync.models import Checkpoint, Integration, Mailbox, MailboxRef, PollJob, SyncCounts
from commsync.models.job import JobReason
from commsync.observability import logger
from commsync.ports import Change, ChangePage, FolderRef, Source
from commsync.services import checkpoint_tokens, folder_moves, ondemand
from commsync.services.deletions import Deletions
from commsync.services.mailbox_state import save_outcome
from commsync.services.poll_outcome import FolderProgress, PollOutcome, PollStatus
from commsync.services.quota import enforce_quota
from commsync.services.record import WriteOutcome, record, store_streamed, with_stored
from commsync.sources import open_source

__all__ = ["FOLDER_TREE", "PollLimits", "PollOutcome", "PollStatus", "poll"]

# The checkpoint of the folder tree itself (EWS SyncFolderHierarchy state), beside the folders' own.
FOLDER_TREE = "#folders"
# Without an invocation deadline (local mode), the longest a source waits for a busy server.
LOCAL_MAX_WAIT_SECONDS = 300.0


@dataclass
class PollLimits:
    page_size: int = 100
    lease_seconds: int = 900
    # Stop taking pages when less than this is left of the invocation's time.
    reserve_seconds: float = 30.0


def poll(
    engine: Engine,
    job: PollJob,
    remaining_seconds: Callable[[], float] | None = None,
    limits: PollLimits | None = None,
    progress: Callable[[MailboxRef, SyncCounts], None] | None = None,
    owner: str | None = None,
) -> PollOutcome:
    """`owner` names the lease holder; by default a fresh one per poll (each Lambda invocation)."""
    limits = limits or PollLimits()
    ref = job.mailbox
    integration = engine.state.get_integration(ref.integration)
    found = engine.state.get_mailbox(ref)
    if integration is None or found is None:
        logger.info("mailbox no longer configured", extra={"mailbox": str(ref)})
        return PollOutcome(PollStatus.SKIPPED)
    mailbox, state = found
    if not integration.enabled or not state.enabled:
        return PollOutcome(PollStatus.SKIPPED)
    owner = owner or uuid.uuid4().hex
    if not engine.state.acquire_lease(ref, owner, engine.clock(), limits.lease_seconds):
        # Another poller holds it; it will finish the work, so this message is dropped unworked.
        return PollOutcome(PollStatus.BUSY)
    started_at = engine.clock()  # for the poll's duration in the mailbox's history (issue 23)
    try:
        run = _Run(
            engine, integration, mailbox, limits, remaining_seconds, progress, owner, job.resume_folder, job
        )
        outcome = run.execute()
        save_outcome(engine, integration, mailbox, outcome, started_at)
    finally:
        engine.state.release_lease(ref, owner)
    if outcome.status is PollStatus.CONTINUED:
        continuation = PollJob(
            mailbox=ref,
            reason=JobReason.CONTINUATION,
            enqueued_at=engine.clock(),
            resume_folder=outcome.resume_folder,
            folder=job.folder,  # an on-demand selection continues as one (issue 10)
            filters=job.filters,
        )
        engine.queue.send([continuation])
    logger.info(
        "polled", extra={"mailbox": str(ref), "status": outcome.status, "counts": outcome.counts.model_dump()}
    )
    return outcome


class _LeaseLost(Exception):
    pass


class _Run:
    def __init__(
        self,
        engine: Engine,
        integration: Integration,
        mailbox: Mailbox,
        limits: PollLimits,
        remaining_seconds: Callable[[], float] | None,
        progress: Callable[[MailboxRef, SyncCounts], None] | None,
        owner: str,
        resume_folder: str | None = None,
        job: PollJob | None = None,
    ) -> None:
        self.engine, self.integration, self.mailbox, self.limits = engine, integration, mailbox, limits
        self.remaining, self.progress, self.owner = remaining_seconds, progress, owner
        self.resume_folder = resume_folder
        self.job = job
        # An on-demand job's filters replace the mailbox's own for that sync.
        self.filters = (job.filters if job else None) or mailbox.filters
        self.stopped_in: str | None = None
        self.notice: str | None = None
        # What the state held for each folder read or written in this run (a token or a blob's
        # name), so a replaced blob can be deleted.
        self._stored: dict[str, str | None] = {}
        self._paths: dict[str, str | None] = {}  # the path each folder's checkpoint was written under
        self.counts = SyncCounts()
        self.deletions = Deletions(engine, integration, mailbox)

    def execute(self) -> PollOutcome:
        try:
            source = open_source(self.integration, self.mailbox, self.engine.secrets, self._seconds_left)
            try:
                finished = self._work(source)
            finally:
                source.close()
        except _LeaseLost:
            logger.warning("lease lost mid-poll; stopping", extra={"mailbox": str(self.mailbox.ref)})
            return PollOutcome(PollStatus.LEASE_LOST, self.counts)
        except CommsyncError as exc:
            # Known failure classes are recorded and retried on the next scheduled poll; anything
            # else propagates so the queue retries the message and, in the end, dead-letters it.
            logger.warning(
                "poll failed",
                extra={
                    "mailbox": self.mailbox.address,
                    "error": str(exc),
                    "failure_class": exc.failure_class,
                },
            )
            return PollOutcome(PollStatus.FAILED, self.counts, str(exc), exc.failure_class)
        if finished:
            return PollOutcome(PollStatus.DONE, self.counts, notice=self.notice)
        return PollOutcome(PollStatus.CONTINUED, self.counts, resume_folder=self.stopped_in)

    def _work(self, source: Source) -> bool:
        # A manual job's on-demand work (issue 10): resync given emails, or one folder, filtered.
        if self.job is not None and self.job.resync_ids:
            ondemand.run_resync(self, source, self.job.resync_ids)
            return True
        if self.job is not None and (self.job.folder or self.job.filters):
            return ondemand.run_selection(self, source, self.job, self.limits.page_size)
        return self._sync(source)

    def _sync(self, source: Source) -> bool:
        folders = self._folders(source)
        ids = [folder.id for folder in folders]
        if self.resume_folder in ids:
            # The folders before it were synced by the poll this one continues.
            folders = folders[ids.index(self.resume_folder) :]
        ondemand.prefetch(self, source, folders, self.limits.page_size)
        for folder in folders:
            if not self.mailbox.folders.admits(folder.path):
                continue
            token = self.stored_token(folder.id)
            if folder_moves.moved(self._paths.get(folder.id), folder):
                token = None  # issue 19: read it again, its comments move to the new path
            if isinstance(self.progress, FolderProgress):
                self.progress.entering(self.mailbox.ref, folder.path)
            for page in source.changes(folder, token, self.limits.page_size):
                self._apply_page(folder, page)
                if self.progress:
                    self.progress(self.mailbox.ref, self.counts)
                if enforce_quota(self.engine, self.integration):
                    return True
                if self._out_of_time():
                    self.stopped_in = folder.id
                    return False
        if self.resume_folder is None:
            self.deletions.finish()  # a complete poll: what was pending before it is decided
        return True

    def _folders(self, source: Source) -> list[FolderRef]:
        stored = self.stored_token(FOLDER_TREE)
        listing = source.folders(stored)
        if listing.token is not None and stored != listing.token:
            # Safe to store at once: each folder's items carry their own checkpoint.
            self._store_checkpoint(FolderRef(id=FOLDER_TREE, path=""), listing.token)
        return listing.folders

    def stored_token(self, folder_id: str) -> str | None:
        checkpoint = self.engine.state.get_checkpoint(self.mailbox.ref, folder_id)
        self._stored[folder_id] = checkpoint.token if checkpoint else None
        self._paths[folder_id] = checkpoint.folder_path if checkpoint else None
        return checkpoint_tokens.token_of(self.engine.blobs, checkpoint)

    def _seconds_left(self) -> float:
        """What a source may spend waiting on a busy server before handing over to the next poll."""
        if self.remaining is None:
            return LOCAL_MAX_WAIT_SECONDS
        return self.remaining() - self.limits.reserve_seconds

    def _apply_page(self, folder: FolderRef, page: ChangePage) -> None:
        for change in page.changes:
            self._apply(folder, change)
        self._store_checkpoint(folder, page.token)

    def _store_checkpoint(self, folder: FolderRef, token: str) -> None:
        # The lease renewed in the same transaction as the write: a poller whose lease ran out (a
        # stall longer than lease_seconds) never moves a checkpoint another poller has moved since,
        # however long it stalls between the two.
        stored = checkpoint_tokens.stored_form(self.engine.blobs, self.mailbox.ref, folder.id, token)
        checkpoint = Checkpoint(
            integration=self.integration.key,
            mailbox=self.mailbox.address,
            folder_id=folder.id,
            folder_path=folder.path,
            token=stored,
            updated_at=self.engine.clock(),
        )
        if not self.engine.state.put_checkpoint_leased(
            checkpoint, self.owner, self.engine.clock(), self.limits.lease_seconds
        ):
            raise _LeaseLost
        checkpoint_tokens.drop_replaced(self.engine.blobs, self._stored.get(folder.id), stored)
        self._stored[folder.id] = stored

    def _apply(self, folder: FolderRef, change: Change) -> None:
        if change.kind == "delete" or change.mime is None:
            if change.kind == "delete":
                self.deletions.gone(folder.id, change.item_key)  # issue 19: keep, mark or delete
            return
        origin = Origin(
            integration=self.integration.key,
            kind=self.integration.kind.value,
            bucket=self.integration.bucket,
            mailbox=self.mailbox.address,
            folder=folder.path,
            received_at=change.received_at,
            sync_attachments=self.mailbox.sync_attachments,
            properties=change.properties,
        )
        cleaned = clean(change.mime, origin, self.engine.clock())
        if not self._admits(cleaned.comment.timestamp, cleaned.addresses, cleaned.domains) or (
            self.filters is not None and not matches(self.filters, facts_of(cleaned, change.received_at))
        ):
            self.counts = self.counts.model_copy(update={"filtered": self.counts.filtered + 1})
            return
        bucket = self.integration.bucket
        if change.streamed and self.engine.state.get_comment_entry(bucket, cleaned.comment.id) is None:
            # A known email (a move) keeps the attachments stored at its first sync: no re-download.
            refs = store_streamed(self.engine, bucket, change, self.mailbox.sync_attachments)
            cleaned = with_stored(cleaned, change, refs)
        outcome = record(self.engine, self.integration, cleaned)
        self.deletions.seen(folder.id, change.item_key, cleaned.comment.id)
        bump = {outcome.value: getattr(self.counts, outcome.value) + 1}
        if outcome is WriteOutcome.CREATED and cleaned.comment.warnings:
            bump["warnings"] = self.counts.warnings + 1
        self.counts = self.counts.model_copy(update=bump)

    def _admits(self, sent_at: datetime, addresses: set[str], domains: set[str]) -> bool:
        mailbox = self.mailbox
        # docs/architecture.md#sources: with a start time, nothing from before it. The sent time stands for
        # the
        # received time: the two differ by minutes, and every source has the former.
        if mailbox.start_time and sent_at < mailbox.start_time:
            return False
        return mailbox.participants.admits(addresses) and mailbox.domains.admits(domains)

    def _out_of_time(self) -> bool:
        return self.remaining is not None and self.remaining() < self.limits.reserve_seconds
