"""A folder's changes through `/mailFolders/{id}/messages/delta`, then their MIME through `$value`.

The checkpoint is the whole link Graph returns: an `@odata.nextLink` mid-round (resumable, so a
crash in a 50,000-message folder resumes at the last stored page) or the round's
`@odata.deltaLink` (delta-query-messages). A 410 means the token expired: the folder is synced
again from the start, which comment ids make harmless (docs/architecture.md#sources).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from commsync.errors import IntegrationError, TransientError
from commsync.observability import logger
from commsync.ports import Change, ChangePage
from commsync.sources.graph.client import GraphClient
from commsync.sources.graph.errors import GraphGone, GraphNotFound, classify_answer
from commsync.sources.graph.large import is_large, large_change, linked_files, listed_attachments

# What a page needs to decide and fetch: no bodies (MIME comes from $value).
SELECT = "id,receivedDateTime,hasAttachments,internetMessageId,parentFolderId"


def delta_url(client: GraphClient, user: str, folder_id: str) -> str:
    return f"{client.root}/users/{user}/mailFolders/{folder_id}/messages/delta"


def initial_params(start_time: datetime | None) -> dict[str, str]:
    params = {"$select": SELECT}
    if start_time is not None:
        # The one $filter message delta takes; the poller still checks the sent time
        # (docs/architecture.md#sources).
        params["$filter"] = f"receivedDateTime ge {start_time.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return params


def delta_pages(
    client: GraphClient,
    user: str,
    folder_id: str,
    token: str | None,
    page_size: int,
    start_time: datetime | None,
    first: dict[str, Any] | None = None,
) -> Iterator[ChangePage]:
    """`first`: the answer to `token` already fetched by a $batch (the idle-poll prefetch)."""
    start = delta_url(client, user, folder_id)
    url, params = (token, None) if token and client.owns(token) else (start, initial_params(start_time))
    prefer = f"odata.maxpagesize={page_size}"
    restarted = url == start
    while True:
        try:
            body = first if first is not None else client.get_json(url, params=params, prefer=prefer)
        except GraphGone:
            if restarted:
                raise TransientError("Microsoft Graph refused a fresh message delta (410)") from None
            logger.warning("delta token expired; syncing the folder again", extra={"folder_id": folder_id})
            url, params, restarted = start, initial_params(start_time), True
            continue
        except GraphNotFound:
            return  # the folder was deleted since the listing; its messages went with it
        first = None
        link, last = _link(client, body)
        yield ChangePage(changes=fetch_changes(client, user, body.get("value", [])), token=link, last=last)
        if last:
            return
        url, params = link, None


def _link(client: GraphClient, body: dict[str, Any]) -> tuple[str, bool]:
    for key, last in (("@odata.deltaLink", True), ("@odata.nextLink", False)):
        link = body.get(key)
        if isinstance(link, str) and client.owns(link):
            return link, last
    raise IntegrationError("a message delta page had neither a nextLink nor a deltaLink of this endpoint")


def fetch_changes(client: GraphClient, user: str, values: list[dict[str, Any]]) -> list[Change]:
    """Deletes as they are; upserts with their MIME. Emails with attachments are fetched alone as
    a stream, the rest through $batch, where Graph base64-encodes each MIME inside the JSON."""
    out: list[Change] = []
    small: dict[str, str] = {}
    received: dict[str, datetime | None] = {}
    for value in values:
        message_id = str(value["id"])
        if "@removed" in value:
            out.append(Change(kind="delete", item_key=message_id))
            continue
        received[message_id] = parse_time(value.get("receivedDateTime"))
        url = f"{client.root}/users/{user}/messages/{message_id}/$value"
        if value.get("hasAttachments"):
            change = _with_attachments(client, url.removesuffix("/$value"), message_id, received[message_id])
            if change is not None:
                out.append(change)
        else:
            small[message_id] = url
    for message_id, answer in client.batch(small).items() if small else []:
        if answer.status == 404:
            continue  # deleted or moved since the delta; a move shows up in its new folder
        if answer.status >= 400:
            raise classify_answer(answer.status, answer.body, client.last_token)
        out.append(Change("upsert", message_id, answer.content(), received[message_id]))
    return out


def _with_attachments(
    client: GraphClient, message_url: str, message_id: str, received: datetime | None
) -> Change | None:
    """Fetched alone: whole as MIME, or, when large, as properties plus streamed attachments."""
    try:
        attachments = listed_attachments(client, message_url)
        if is_large(attachments):
            return large_change(client, message_url, message_id, received, attachments)
        # Links have no bytes in the MIME: listed beside it, as the large path lists them (issue 19).
        links = linked_files(client, message_url, attachments)
    except GraphNotFound:
        return None
    mime = _alone(client, f"{message_url}/$value")
    return None if mime is None else Change("upsert", message_id, mime, received, streamed=links)


def _alone(client: GraphClient, url: str) -> bytes | None:
    try:
        return client.get_bytes(url)
    except GraphNotFound:
        return None


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
