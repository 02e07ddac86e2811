"""The Graph source: folders by mailFolders delta, items by messages delta per folder
(docs/architecture.md#sources).

Beyond the Source protocol it offers what the poller uses when present: `prefetch` (an idle
poll asks every folder's deltaLink in one $batch), `select` (an on-demand folder sync with the
filter pushed down to $filter) and `refetch` (resync: find emails again by Message-ID).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from commsync.errors import IntegrationError
from commsync.models import Integration, Mailbox
from commsync.models.filters import SyncFilter
from commsync.models.graph import GraphAuth, GraphOptions
from commsync.ports import Change, ChangePage, FolderListing, FolderRef, SecretStore
from commsync.sources.estimate import first_with_total
from commsync.sources.graph.auth import AppTokens, DelegatedTokens, Tokens
from commsync.sources.graph.client import GraphClient
from commsync.sources.graph.folders import FolderTree, folder_total, list_folders
from commsync.sources.graph.messages import SELECT, delta_pages, fetch_changes
from commsync.sources.graph.query import odata_filter
from commsync.sources.graph.transport import session
from commsync.sources.prefetch import read_ahead

# Graph caps a page of messages around 1000 (PROTOCOLS.md section 2).
MAX_PAGE = 1000
DONE = "#done"


class GraphSource:
    def __init__(self, client: GraphClient, mailbox: Mailbox) -> None:
        self._client = client
        self._mailbox = mailbox
        self._user = quote(mailbox.address, safe="@")
        self._tree: FolderTree | None = None
        self._prefetched: dict[str, tuple[str, dict[str, Any]]] = {}

    @classmethod
    def open(
        cls,
        integration: Integration,
        mailbox: Mailbox,
        secrets: SecretStore,
        seconds_left: Callable[[], float],
    ) -> GraphSource:
        options = integration.typed_options(GraphOptions)
        if not options.client_id:
            raise IntegrationError("a graph integration needs options.client_id (its app registration)")
        if not integration.secret:
            raise IntegrationError("a graph integration needs a secret (client secret, or the refresh token)")
        tokens: Tokens
        if options.auth is GraphAuth.APP:
            tokens = AppTokens(options, secrets.get(integration.secret))
        else:
            tokens = DelegatedTokens(secrets, integration)
        http = session(options.ciphers, options.ca_bundle)
        client = GraphClient(
            integration.endpoint,
            tokens,
            http,
            seconds_left,
            options.request_timeout_seconds,
            options.batch_size,
        )
        return cls(client, mailbox)

    def folders(self, token: str | None) -> FolderListing:
        listing = list_folders(self._client, self._user, token)
        self._tree = FolderTree.decode(listing.token)
        return listing

    def prefetch(self, folders: list[tuple[FolderRef, str | None]], page_size: int) -> None:
        """The first page of every folder with a deltaLink, in $batch requests of up to 20: an idle
        mailbox with 20 folders costs 2 requests instead of 21. Anything but a 200 is left to changes()."""
        wanted = {ref.id: token for ref, token in folders if token and self._client.owns(token)}
        if len(wanted) < 2:
            return
        answers = self._client.batch(wanted, prefer=f"odata.maxpagesize={max(1, min(page_size, MAX_PAGE))}")
        self._prefetched = {
            folder_id: (wanted[folder_id], answer.body)
            for folder_id, answer in answers.items()
            if answer.status == 200 and isinstance(answer.body, dict)
        }

    def changes(self, folder: FolderRef, token: str | None, page_size: int) -> Iterator[ChangePage]:
        size = max(1, min(page_size, MAX_PAGE))
        prefetched = self._prefetched.pop(folder.id, None)
        first = prefetched[1] if prefetched and prefetched[0] == token else None
        pages = delta_pages(self._client, self._user, folder.id, token, size, self._mailbox.start_time, first)
        # A backfill's first page carries the folder's item count, for progress (issue 23).
        total = folder_total(self._client, self._user, folder.id) if token is None else None
        # The next delta page and its $batch are in flight while the poller stores this one.
        yield from first_with_total(read_ahead(pages), total)

    def select(
        self, folder: FolderRef, rule: SyncFilter | None, token: str | None, page_size: int
    ) -> Iterator[ChangePage]:
        """Every message of the folder that the filter's pushable part admits, page by page."""
        query = odata_filter(rule) if rule is not None else None
        if query is None:
            yield from delta_pages(self._client, self._user, folder.id, None, page_size, None)
            return
        url = f"{self._client.root}/users/{self._user}/mailFolders/{folder.id}/messages"
        params: dict[str, str] | None = {
            "$filter": query,
            "$select": SELECT,
            "$top": str(min(page_size, MAX_PAGE)),
        }
        if token and token != DONE and self._client.owns(token):
            url, params = token, None
        while True:
            body = self._client.get_json(url, params=params)
            link = body.get("@odata.nextLink")
            last = not (isinstance(link, str) and self._client.owns(link))
            changes = fetch_changes(self._client, self._user, body.get("value", []))
            yield ChangePage(changes=changes, token=DONE if last else str(link), last=last)
            if last:
                return
            url, params = str(link), None

    def refetch(self, message_ids: list[str]) -> list[tuple[FolderRef, Change]]:
        """The emails with these Internet Message-IDs, wherever they are in the mailbox now."""
        tree = self._tree or FolderTree.decode(self.folders(None).token)
        base = f"{self._client.root}/users/{self._user}/messages"
        lookups = {
            str(n): f"{base}?$filter="
            + quote(f"internetMessageId eq '{mid.replace(chr(39), chr(39) * 2)}'")
            + f"&$select={SELECT}"
            for n, mid in enumerate(message_ids)
        }
        found: list[dict[str, Any]] = []
        for answer in self._client.batch(lookups).values():
            values = (
                answer.body.get("value", []) if answer.status == 200 and isinstance(answer.body, dict) else []
            )
            found.extend(values[:1])  # one copy is enough: the comment is one per Message-ID
        folder_of = {str(v["id"]): str(v.get("parentFolderId", "")) for v in found}
        out = []
        for change in fetch_changes(self._client, self._user, found):
            folder_id = folder_of.get(change.item_key, "")
            out.append((FolderRef(id=folder_id, path=tree.path_of(folder_id)), change))
        return out

    def close(self) -> None:
        self._client.close()
