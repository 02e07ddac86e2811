"""Poller: sync one mailbox, folder by folder, page by page (docs/architecture.md#flow and #sources).

The mailbox's whole state is read in one query. After each page the comments are written,
then the checkpoint, if the page carried changes or the stored token is growing old (issue 17:
an idle poll writes nothing): a crash replays at most one page, and the replay changes nothing
because comment writes are idempotent. Checkpoints move by compare-and-set, so of two pollers
of one mailbox only one goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from commsync.cleaning.build import Origin, clean
from commsync.engine import Engine
from commsync.errors import CommsyncError, FailureClass
from commsync.filters import facts_of, matches
from commsync.models import Checkpoint, Integration, MailboxRef, PollJob, SyncCounts
from commsync.models.job import JobReason
from commsync.observability import logger
from commsync.ports import Change, ChangePage, FolderRef, MailboxSnapshot, Source
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
    # Stop taking pages when less than this is left of the invocation's time.
    reserve_seconds: float = 30.0


def poll(
    engine: Engine,
    job: PollJob,
    remaining_seconds: Callable[[], float] | None = None,
    limits: PollLimits | None = None,
    progress: Callable[[MailboxRef, SyncCounts], None] | None = None,
) -> PollOutcome:
    """Reads the mailbox's whole state in one query; an idle poll then writes nothing (issue 17)."""
    limits = limits or PollLimits()
    ref = job.mailbox
    snapshot = engine.state.load_mailbox(ref)
    integration = engine.integration(ref.integration) if snapshot is not None else None
    if integration is None or snapshot is None:
        logger.info("mailbox no longer configured", extra={"mailbox": str(ref)})
        return PollOutcome(PollStatus.SKIPPED)
    if not integration.enabled or not snapshot.state.enabled:
        return PollOutcome(PollStatus.SKIPPED)
    # No lease: the FIFO queue serialises a mailbox's jobs, and every checkpoint write is a
    # compare-and-set, so a second poller of the same mailbox (a stall past the visibility
    # timeout, local and AWS runners at once) stops at its first write (SUPERSEDED).
    started_at = engine.clock()  # for the poll's duration in the mailbox's history (issue 23)
    run = _Run(engine, integration, snapshot, limits, remaining_seconds, progress, job)
    outcome = run.execute()
    if outcome.failure_class is FailureClass.INTEGRATION and integration.secret:
        # Perhaps refused credentials: a cached secret is read afresh (a rotated one, at once).
        engine.secrets.forget(integration.secret)
    save_outcome(engine, integration, snapshot.mailbox, outcome, known=snapshot.state, started_at=started_at)
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
    # An idle poll is the common case (issue 17: log ingestion is billed per byte): debug only.
    idle = outcome.status is PollStatus.DONE and outcome.counts == SyncCounts()
    (logger.debug if idle else logger.info)(
        "polled", extra={"mailbox": str(ref), "status": outcome.status, "counts": outcome.counts.model_dump()}
    )
    return outcome


class _Superseded(Exception):
    pass


class _Run:
    def __init__(
        self,
        engine: Engine,
        integration: Integration,
        snapshot: MailboxSnapshot,
        limits: PollLimits,
        remaining_seconds: Callable[[], float] | None,
        progress: Callable[[MailboxRef, SyncCounts], None] | None,
        job: PollJob,
    ) -> None:
        self.engine, self.integration, self.mailbox, self.limits = (
            engine,
            integration,
            snapshot.mailbox,
            limits,
        )
        self.remaining, self.progress = remaining_seconds, progress
        self.resume_folder = job.resume_folder
        self.job: PollJob | None = job
        mailbox = snapshot.mailbox
        # The checkpoints as read (one query) and as written since: the revision each next
        # write must still find.
        self._checkpoints: dict[str, Checkpoint] = dict(snapshot.checkpoints)
        # An on-demand job's filters replace the mailbox's own for that sync.
        self.filters = (job.filters if job else None) or mailbox.filters
        self.stopped_in: str | None = None
        self.notice: str | None = None
        self.counts = SyncCounts()
        self.deletions = Deletions(engine, integration, mailbox)

    def execute(self) -> PollOutcome:
        try:
            source = open_source(self.integration, self.mailbox, self.engine.secrets, self._seconds_left)
            try:
                finished = self._work(source)
            finally:
                source.close()
        except _Superseded:
            logger.warning(
                "another poller moved a checkpoint first; stopping", extra={"mailbox": str(self.mailbox.ref)}
            )
            return PollOutcome(PollStatus.SUPERSEDED, self.counts)
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
            stored = self._checkpoints.get(folder.id)
            if folder_moves.moved(stored.folder_path if stored else None, folder):
                token = None  # issue 19: read it again, its comments move to the new path
            if isinstance(self.progress, FolderProgress):
                self.progress.entering(self.mailbox.ref, folder.path)
            for page in source.changes(folder, token, self.limits.page_size):
                if page.total is not None and isinstance(self.progress, FolderProgress):
                    self.progress.estimated(self.mailbox.ref, folder.path, page.total)
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
            # Safe to store at once: each folder's items carry their own checkpoint. A tree token
            # that differs is a tree that changed (both sources encode the tree in it).
            self._store_checkpoint(FolderRef(id=FOLDER_TREE, path=""), listing.token, changed=True)
        return listing.folders

    def stored_token(self, folder_id: str) -> str | None:
        return checkpoint_tokens.token_of(self.engine.blobs, self._checkpoints.get(folder_id))

    def _seconds_left(self) -> float:
        """What a source may spend waiting on a busy server before handing over to the next poll."""
        if self.remaining is None:
            return LOCAL_MAX_WAIT_SECONDS
        return self.remaining() - self.limits.reserve_seconds

    def _apply_page(self, folder: FolderRef, page: ChangePage) -> None:
        for change in page.changes:
            self._apply(folder, change)
        self._store_checkpoint(folder, page.token, changed=bool(page.changes) or not page.last)

    def _store_checkpoint(self, folder: FolderRef, token: str, changed: bool) -> None:
        """After the page's comments (docs/architecture.md#flow). An unchanged page keeps the
        stored token, which the server still accepts (checkpoint_tokens.REFRESH_AFTER): an idle
        poll writes nothing."""
        previous = self._checkpoints.get(folder.id)
        now = self.engine.clock()
        if not checkpoint_tokens.needs_write(self.integration.kind, previous, token, changed, now):
            return
        stored = checkpoint_tokens.stored_form(self.engine.blobs, self.mailbox.ref, folder.id, token)
        checkpoint = Checkpoint(
            integration=self.integration.key,
            mailbox=self.mailbox.address,
            folder_id=folder.id,
            folder_path=folder.path,
            token=stored,
            updated_at=now,
            revision=previous.revision if previous else 0,
        )
        # Compare-and-set on the revision read: a poller that stalled while another went on
        # never moves a checkpoint back, however long it stalled.
        if not self.engine.state.put_checkpoint(checkpoint):
            raise _Superseded
        checkpoint_tokens.drop_replaced(self.engine.blobs, previous.token if previous else None, stored)
        self._checkpoints[folder.id] = checkpoint.model_copy(update={"revision": checkpoint.revision + 1})

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
        # docs/architecture.md#sources: with a start time, nothing from before it. The sent time
        # stands for the received time: the two differ by minutes, and every source has the former.
        if mailbox.start_time and sent_at < mailbox.start_time:
            return False
        return mailbox.participants.admits(addresses) and mailbox.domains.admits(domains)

    def _out_of_time(self) -> bool:
        return self.remaining is not None and self.remaining() < self.limits.reserve_seconds
