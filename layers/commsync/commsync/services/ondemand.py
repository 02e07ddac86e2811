"""The on-demand work of a manual poll job (issue 10): one folder with filters, and resync.

A selection (job.folder and/or job.filters) reads the named folder (Inbox by default) from the
start, keeps what the filter selects, and never moves the folder's own checkpoint: the
scheduled sync still sees every email. Its position is stored under a checkpoint of its own
(`#select:<digest>`), so a continuation resumes it. A source that can narrow the listing on the
server (`select`, Graph's $filter) is asked to; the poller's local evaluation decides anyway.

A resync fetches the given comments' emails again (`refetch`, by Message-ID, where the source
can) or, failing that, rebuilds them from the raw MIME stored at their first sync, and rewrites
the comments: the one case where subject and body may change after the first sync. A rewrite
whose text changed costs an AI unit, as docs/architecture.md#the-comment charges an update.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Protocol

from commsync.cleaning.build import CleanedComment, Origin, clean, comment_key, raw_key
from commsync.engine import Engine
from commsync.models import Comment, Integration, Mailbox, MailboxRef, PollJob, SyncCounts
from commsync.models.filters import SyncFilter
from commsync.models.job import JobReason
from commsync.models.usage import usage_period
from commsync.observability import logger
from commsync.ports import Change, ChangePage, CommentEntry, FolderRef, Source
from commsync.services.quota import enforce_quota
from commsync.services.record import mark_attachment_uses, record, store_attachment

DEFAULT_FOLDER = "Inbox"
SELECTION_PREFIX = "#select:"
MAX_FOLDERS_NAMED = 20


class PollRun(Protocol):
    """What the poller's run (services/poll.py) lends an on-demand job."""

    engine: Engine
    integration: Integration
    mailbox: Mailbox
    counts: SyncCounts
    stopped_in: str | None
    notice: str | None
    progress: Callable[[MailboxRef, SyncCounts], None] | None

    def _folders(self, source: Source) -> list[FolderRef]: ...
    def stored_token(self, folder_id: str) -> str | None: ...
    def _apply_page(self, folder: FolderRef, page: ChangePage) -> None: ...
    def _out_of_time(self) -> bool: ...


def selection_id(folder: str, rule: SyncFilter | None) -> str:
    document = json.dumps([folder.casefold(), rule.model_dump() if rule else None], sort_keys=True)
    return SELECTION_PREFIX + hashlib.sha256(document.encode()).hexdigest()[:24]


def run_selection(run: PollRun, source: Source, job: PollJob, page_size: int) -> bool:
    """True when the folder was read to its end; False when the time ran out (continue later)."""
    name = job.folder or DEFAULT_FOLDER
    folders = run._folders(source)
    folder = find_folder(folders, name)
    if folder is None:
        # The request was accepted before the mailbox could be asked; the answer goes where the
        # user looks next (status, console), not only to the log.
        run.notice = folder_not_found(name, folders)
        logger.warning(run.notice, extra={"mailbox": str(run.mailbox.ref), "folder": name})
        return True
    key = FolderRef(id=selection_id(name, job.filters), path=folder.path)
    stored = run.stored_token(key.id)
    token = stored if job.reason is JobReason.CONTINUATION else None
    for page in _pages(source, folder, job.filters, token, page_size):
        run._apply_page(key, page)  # the comments name the real folder; the position is the selection's
        if run.progress:
            run.progress(run.mailbox.ref, run.counts)
        if enforce_quota(run.engine, run.integration):
            return True
        if run._out_of_time():
            run.stopped_in = folder.id
            return False
    return True


def folder_not_found(name: str, folders: list[FolderRef]) -> str:
    wanted = name.strip("/").casefold()
    named = sorted(f.path for f in folders if f.path.rsplit("/", 1)[-1].casefold() == wanted)
    if len(named) > 1:
        return f"on-demand sync: several folders are named {name!r} ({', '.join(named)}); give the path"
    shown = sorted(f.path for f in folders)
    listed = ", ".join(shown[:MAX_FOLDERS_NAMED]) + (", ..." if len(shown) > MAX_FOLDERS_NAMED else "")
    return f"on-demand sync: the mailbox has no folder {name!r}; its folders: {listed or 'none'}"


def find_folder(folders: list[FolderRef], name: str) -> FolderRef | None:
    """By path ("Inbox/Projects"), case-insensitively; else by its own name when only one folder has it."""
    wanted = name.strip("/").casefold()
    exact = [f for f in folders if f.path.casefold() == wanted]
    named = [f for f in folders if f.path.rsplit("/", 1)[-1].casefold() == wanted]
    return exact[0] if exact else (named[0] if len(named) == 1 else None)


def _pages(
    source: Source, folder: FolderRef, rule: SyncFilter | None, token: str | None, page_size: int
) -> Iterator[ChangePage]:
    select = getattr(source, "select", None)
    if select is not None:
        pages: Iterator[ChangePage] = select(folder, rule, token, page_size)
        return pages
    # Any source: a sync of the folder from the start (or from this selection's own position).
    return source.changes(folder, token, page_size)


def run_resync(run: PollRun, source: Source, comment_ids: list[str]) -> None:
    engine, integration = run.engine, run.integration
    wanted = {cid: _message_id(cid) for cid in dict.fromkeys(comment_ids)}
    refetch = getattr(source, "refetch", None)
    fetched: dict[str, CleanedComment] = {}
    if refetch is not None:
        message_ids = [mid for mid in wanted.values() if mid and not mid.endswith("@no-message-id.commsync>")]
        found: list[tuple[FolderRef, Change]] = refetch(message_ids) if message_ids else []
        for folder, change in found:
            cleaned = clean(change.mime or b"", _origin(run, folder.path, change), engine.clock())
            fetched[cleaned.comment.id] = cleaned
    for comment_id in wanted:
        cleaned_or_none = fetched.get(comment_id) or _from_stored_raw(run, comment_id)
        if cleaned_or_none is None:
            logger.warning(
                "resync: the email is neither on the server nor stored", extra={"comment": comment_id}
            )
            continue
        rebuild(engine, integration, cleaned_or_none)
        run.counts = run.counts.model_copy(update={"updated": run.counts.updated + 1})


def _message_id(comment_id: str) -> str | None:
    try:
        return bytes.fromhex(comment_id).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _origin(run: PollRun, folder: str, change: Change | None = None) -> Origin:
    return Origin(
        integration=run.integration.key,
        kind=run.integration.kind.value,
        bucket=run.integration.bucket,
        mailbox=run.mailbox.address,
        folder=folder,
        received_at=change.received_at if change else None,
        sync_attachments=run.mailbox.sync_attachments,
        properties=change.properties if change else {},
    )


def _from_stored_raw(run: PollRun, comment_id: str) -> CleanedComment | None:
    """Rebuilt from the MIME stored at the first sync, keeping attachments that were streamed to
    storage beside it (a large email's stored MIME lacks them)."""
    bucket, engine = run.integration.bucket, run.engine
    raw, entry = (
        engine.blobs.get(raw_key(bucket, comment_id)),
        engine.state.get_comment_entry(bucket, comment_id),
    )
    if raw is None or entry is None:
        return None
    previous = _stored_comment(engine, bucket, comment_id)
    # MIME cannot carry a source's own user properties (a Salesforce record's id, URL, fields):
    # the stored comment's are kept; the ones cleaning computes are recomputed and win the merge.
    origin = dataclasses.replace(
        _origin(run, entry.folder), properties=dict(previous.user_properties) if previous else {}
    )
    cleaned = clean(raw, origin, engine.clock())
    if previous is not None:
        have = {a.content_hash for a in cleaned.comment.attachments}
        kept = [a for a in previous.attachments if a.content_hash not in have]
        if kept:
            comment = cleaned.comment.model_copy(
                update={"attachments": [*cleaned.comment.attachments, *kept]}
            )
            cleaned = dataclasses.replace(cleaned, comment=comment)
    return cleaned


def rebuild(engine: Engine, integration: Integration, cleaned: CleanedComment) -> None:
    """Rewrite a comment from a fresh cleaning: blobs first, then the index row (as record does)."""
    bucket = integration.bucket
    entry = engine.state.get_comment_entry(bucket, cleaned.comment.id)
    if entry is None:
        record(engine, integration, cleaned)
        return
    stored = _stored_comment(engine, bucket, cleaned.comment.id)
    # The stored record's creation time is exact; the index may keep whole seconds only.
    created = stored.created_at if stored else entry.created_at
    comment = cleaned.comment.model_copy(update={"created_at": created})
    engine.blobs.put(raw_key(bucket, comment.id), cleaned.raw, "message/rfc822")
    for reference, attachment in cleaned.attachments:
        store_attachment(engine, bucket, reference, attachment)
    mark_attachment_uses(engine, bucket, comment)
    engine.blobs.put(comment_key(bucket, comment.id), comment.to_json().encode(), "application/json")
    source = comment.source
    updated = CommentEntry(
        bucket=bucket,
        comment_id=comment.id,
        text_hash=cleaned.text_hash,
        integration=source.integration,
        mailbox=source.mailbox,
        folder=source.folder,
        created_at=entry.created_at,
        updated_at=comment.updated_at,
    )
    changed = cleaned.text_hash != entry.text_hash
    charge = (integration.project, usage_period(comment.updated_at)) if changed else None
    engine.state.update_comment_entry(updated, charge=charge)


def prefetch(run: PollRun, source: Source, folders: list[FolderRef], page_size: int) -> None:
    """Let a source that can (Graph's $batch) ask for every admitted folder's changes at once."""
    ask = getattr(source, "prefetch", None)
    if ask is None:
        return
    admitted = [f for f in folders if run.mailbox.folders.admits(f.path)]
    ask([(f, run.stored_token(f.id)) for f in admitted], page_size)


def _stored_comment(engine: Engine, bucket: str, comment_id: str) -> Comment | None:
    """The stored record, or None when it is missing or damaged (a resync is how it gets repaired)."""
    stored = engine.blobs.get(comment_key(bucket, comment_id))
    try:
        return Comment.model_validate_json(stored) if stored else None
    except ValueError:
        return None
