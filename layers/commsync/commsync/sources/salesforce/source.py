"""The Salesforce source (docs/architecture.md#sources): a "mailbox" is an object (EmailMessage, Case, a
custom
object), its only "folder" is the object itself, and the checkpoint is (SystemModstamp, Id) plus
where the delete log was last read.

Each poll: take the session (kept across polls: session_cache.py), the object's describe (and the
parents' of relationship fields; kept for `describe_cache_seconds`: describe_cache.py) and check
the configured fields, query what changed since the overlap window's floor page by page, then read
the deletions. A resync (`refetch`) reads the named records again and maps them exactly as the
incremental sync does, user properties included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from commsync.errors import IntegrationError
from commsync.models import Integration, Mailbox
from commsync.models.common import utc_now
from commsync.models.salesforce import SalesforceOptions
from commsync.ports import Change, ChangePage, FolderListing, FolderRef, SecretStore
from commsync.sources.prefetch import read_ahead
from commsync.sources.salesforce.bulk import CHUNK_RECORDS, BulkReader, eligible, estimate
from commsync.sources.salesforce.checkpoint import Mark
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.deleted import deleted_since
from commsync.sources.salesforce.describe_cache import DESCRIBES, DescribeCache
from commsync.sources.salesforce.errors import SalesforceApiError, translated
from commsync.sources.salesforce.formulas import recent_records, refresh_due
from commsync.sources.salesforce.messages import map_record
from commsync.sources.salesforce.plan import SyncPlan, plan_for
from commsync.sources.salesforce.records import QUERY_LIMIT, Fetch, changed_records, first_scan
from commsync.sources.salesforce.refetch import records_by_message_id
from commsync.sources.salesforce.schema import ObjectSchema
from commsync.sources.salesforce.session_cache import SESSIONS, SessionCache
from commsync.sources.salesforce.window import MAX_SEEN, Tracker

# A bulk job reads the whole backfill in one query: no keyset continuation (records.py).
BULK_LIMIT = 100_000_000


class SalesforceSource:
    def __init__(
        self,
        client: RestClient,
        options: SalesforceOptions,
        mailbox: Mailbox,
        clock: Callable[[], datetime] = utc_now,
        describes: DescribeCache = DESCRIBES,
        seconds_left: Callable[[], float] = lambda: 300.0,
    ) -> None:
        self._client = client
        self._seconds_left = seconds_left
        self._options = options
        self._mailbox = mailbox
        self._clock = clock
        self._describes = describes
        self._plan: SyncPlan | None = None
        self._parents: dict[str, ObjectSchema] = {}  # one describe per parent object per poll
        self.query_limit = QUERY_LIMIT
        self.batch_size = options.query_batch_size
        self.bulk_chunk = CHUNK_RECORDS
        self.max_seen = MAX_SEEN

    @classmethod
    def open(
        cls,
        integration: Integration,
        mailbox: Mailbox,
        secrets: SecretStore,
        seconds_left: Callable[[], float],
        clock: Callable[[], datetime] = utc_now,
        sessions: SessionCache = SESSIONS,
        describes: DescribeCache = DESCRIBES,
    ) -> SalesforceSource:
        if not integration.secret:
            raise IntegrationError("a salesforce integration needs a secret (client_secret, refresh token)")
        try:
            options = integration.typed_options(SalesforceOptions)
        except ValueError as exc:
            raise IntegrationError(str(exc)) from None
        client = RestClient(integration, secrets, seconds_left, sessions=sessions)
        with translated(mailbox.address):
            client.authenticate()
        return cls(client, options, mailbox, clock, describes, seconds_left)

    @property
    def client(self) -> RestClient:
        return self._client

    def folders(self, token: str | None) -> FolderListing:
        plan = self._sync_plan()
        return FolderListing(folders=[FolderRef(id=self._mailbox.address, path=plan.schema.name)])

    def changes(self, folder: FolderRef, token: str | None, page_size: int) -> Iterator[ChangePage]:
        plan = self._sync_plan()
        mark = Mark.decode(token, self._mailbox.start_time)
        tracker = Tracker(mark, timedelta(seconds=self._options.overlap_seconds), self.max_seen)
        with translated(plan.schema.name), self._schema_checked():
            # The COUNT() that decides on Bulk API 2.0 is also the backfill's total (issue 23).
            fetch, total = self._bulk_fetch(plan, mark, token)
            limit = BULK_LIMIT if fetch else self.query_limit
            # Server batches of `batch_size` (issue 19): the poller's page size does not set them.
            batches = changed_records(self._client, plan, tracker, self.batch_size, limit, fetch)
            # The next batch is in flight while the poller stores this one (issue 20; each
            # yielded mark is a snapshot, so reading ahead changes none of them).
            for records, after in read_ahead(batches):
                after = replace(after, bulk=fetch is not None)
                if not records and after == mark:
                    continue  # a batch of records handed out before: nothing to store
                mark = after
                changes = [self._change(plan, r) for r in records]
                yield ChangePage(changes=changes, token=mark.encode(), last=False, total=total)
                total = None
            mark = replace(mark, bulk=False)
            if refresh_due(plan, self._options, mark, self._clock()):
                if mark.refreshed is not None:  # None: everything was just read; start the clock
                    yield from self._refreshed(plan, mark)
                mark = replace(mark, refreshed=self._clock())
            deletes: list[Change] = []
            since = mark.deleted
            if plan.schema.replicateable:
                deletes, since = deleted_since(self._client, plan.schema.name, mark.deleted, self._clock())
            closing = replace(mark, deleted=since).encode()
            yield ChangePage(changes=deletes, token=closing, last=True, total=total)

    def _bulk_fetch(self, plan: SyncPlan, mark: Mark, token: str | None) -> tuple[Fetch | None, int | None]:
        """Bulk API 2.0 for a first sync (or one begun in bulk) estimated above the threshold;
        with the estimate, when one was made."""
        threshold = self._options.bulk_above_records
        if not threshold or (token and not mark.bulk) or not eligible(plan):
            return None, None
        count = estimate(self._client, plan, first_scan(mark))
        if count <= threshold:
            return None, count
        return BulkReader(self._client, plan, self._seconds_left, self.bulk_chunk).batches, count

    def _refreshed(self, plan: SyncPlan, mark: Mark) -> Iterator[ChangePage]:
        """Records whose formula or parent fields may have changed unseen (formulas.py); the
        token keeps its mark, so a crash here only reads them again."""
        for batch in recent_records(self._client, plan, self._options, self._clock()):
            yield ChangePage(changes=[self._change(plan, r) for r in batch], token=mark.encode(), last=False)

    def refetch(self, message_ids: list[str]) -> list[tuple[FolderRef, Change]]:
        """Resync (services/ondemand.py): the records behind these Message-IDs, read again and
        mapped as `changes` maps them, so the rebuilt comments keep their user properties."""
        plan = self._sync_plan()
        folder = FolderRef(id=self._mailbox.address, path=plan.schema.name)
        with translated(plan.schema.name), self._schema_checked():
            records = records_by_message_id(self._client, plan, message_ids)
        return [(folder, self._change(plan, record)) for record in records]

    def close(self) -> None:
        self._client.close()

    def _sync_plan(self) -> SyncPlan:
        if self._plan is None:
            name = self._mailbox.address
            with translated(name):
                schema = self._describe(name)
                self._plan = plan_for(schema, self._options, self._describe_parent)
        return self._plan

    def _describe(self, name: str) -> ObjectSchema:
        scope = self._client.scope
        schema = self._describes.get(scope, name, self._options.describe_cache_seconds)
        if schema is None:
            schema = ObjectSchema.from_describe(
                self._client.get(f"{self._client.data_path}/sobjects/{name}/describe")
            )
            self._describes.put(scope, name, schema)
        return schema

    @contextmanager
    def _schema_checked(self) -> Iterator[None]:
        """A query naming a field that is gone (INVALID_FIELD: deleted, or its access revoked since
        the cached describe) forgets the describes and checks the fields against fresh ones, so the
        poll fails with the option and the field named, as a fresh describe would have."""
        try:
            yield
        except SalesforceApiError as exc:
            if exc.code != "INVALID_FIELD":
                raise
            self._describes.forget(self._client.scope)
            self._plan, self._parents = None, {}
            self._sync_plan()  # raises IntegrationError naming a configured field that is gone
            raise  # a field the source picked itself: the next poll plans with the fresh describe

    def _describe_parent(self, name: str) -> ObjectSchema:
        if name in self._parents:
            return self._parents[name]
        try:
            self._parents[name] = self._describe(name)
            return self._parents[name]
        except SalesforceApiError as exc:
            if exc.code not in {"NOT_FOUND", "INVALID_TYPE"}:
                raise
            # Not the synced object's fault: a configured relationship field leads to it.
            raise IntegrationError(
                f"a configured relationship field points to {name}, which this user cannot describe "
                f"({exc.code}): grant read access to {name} or remove the field"
            ) from None

    def _change(self, plan: SyncPlan, record: dict[str, Any]) -> Change:
        mapped = map_record(plan, record, self._client.instance_url)
        return Change(
            kind="upsert",
            item_key=str(record["Id"]),
            mime=mapped.mime,
            received_at=mapped.received_at,
            properties=mapped.properties,
        )
