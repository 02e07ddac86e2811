"""The EWS source: folders by SyncFolderHierarchy, items by SyncFolderItems page by page
(docs/architecture.md#sources)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from commsync.errors import IntegrationError
from commsync.models import Integration, Mailbox
from commsync.models.ews import EwsOptions
from commsync.ports import ChangePage, FolderListing, FolderRef, SecretStore
from commsync.sources.estimate import first_with_total
from commsync.sources.ews.connect import Connection, connect
from commsync.sources.ews.errors import translated
from commsync.sources.ews.folders import folder_total, list_folders
from commsync.sources.ews.items import item_pages
from commsync.sources.prefetch import read_ahead

# MS-OXWSSYNC: MaxChangesReturned must lie in 1..512.
MAX_CHANGES_PER_PAGE = 512


class EwsSource:
    def __init__(self, connection: Connection, mailbox: Mailbox, options: EwsOptions) -> None:
        self._connection = connection
        self._mailbox = mailbox
        self._options = options

    @classmethod
    def open(
        cls,
        integration: Integration,
        mailbox: Mailbox,
        secrets: SecretStore,
        seconds_left: Callable[[], float],
    ) -> EwsSource:
        if not integration.secret:
            raise IntegrationError("an ews integration needs a secret with its credentials")
        secret = secrets.get(integration.secret)
        with translated():
            connection = connect(integration, mailbox.address, secret, seconds_left)
        return cls(connection, mailbox, integration.ews_options())

    def folders(self, token: str | None) -> FolderListing:
        with translated():
            return list_folders(self._connection.account, token)

    def changes(self, folder: FolderRef, token: str | None, page_size: int) -> Iterator[ChangePage]:
        size = max(1, min(page_size, MAX_CHANGES_PER_PAGE))
        pages = item_pages(
            self._connection.account,
            folder.id,
            token,
            size,
            self._options.items_per_request,
            self._mailbox.start_time,
            self._options.stream_items_over_bytes,
            self._options.max_bytes_per_request,
        )
        with translated():
            # A backfill's first page carries the folder's item count, for progress (issue 23).
            total = folder_total(self._connection.account, folder.id) if token is None else None
            # The next SyncFolderItems and GetItem are in flight while the poller stores this page.
            yield from first_with_total(read_ahead(pages), total)

    def close(self) -> None:
        self._connection.close()
