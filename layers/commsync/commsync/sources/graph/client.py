"""HTTP to Microsoft Graph: bearer tokens, Retry-After within the time left, and JSON batching.

Throttling (graph/throttling): 429 and 503/504 carry Retry-After in seconds; we wait that long
while it fits in `seconds_left()` and otherwise hand the wait to the next poll as a
TransientError (docs/architecture.md#sources and #failure-classes). A 401 gets one fresh token,
never a busy-retry.
$batch (graph/json-batching): at most 20 requests; Outlook runs at most 4 per mailbox at once
and answers the rest 429 inside the batch, so requests go in 4 `dependsOn` chains.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from commsync.errors import IntegrationError, TransientError
from commsync.observability import logger
from commsync.sources.graph.auth import Tokens
from commsync.sources.graph.errors import classify, retry_after
from commsync.sources.network import unreachable

IMMUTABLE_IDS = 'IdType="ImmutableId"'
BATCH_LIMIT = 20
MAILBOX_CONCURRENCY = 4
MAX_ATTEMPTS = 6
FALLBACK_WAIT_SECONDS = 1.0
_RETRY = {429, 503, 504}


def preference(prefer: str) -> str:
    """Every request asks for immutable ids (graph/outlook-immutable-id), batched ones too."""
    return ", ".join(p for p in (prefer, IMMUTABLE_IDS) if p)


def canonical(name: str) -> str:
    """`retry-after` -> `Retry-After`: header names are case-insensitive (RFC 9110 5.1), and some
    Graph servers answer in lower case, so batch answers are read in one spelling (issue 19)."""
    return "-".join(part.capitalize() for part in name.split("-"))


@dataclass(frozen=True)
class BatchAnswer:
    status: int
    headers: dict[str, str]
    body: Any

    def content(self) -> bytes:
        """The body of a non-JSON answer ($value), which Graph base64-encodes inside a batch."""
        return base64.b64decode(self.body) if isinstance(self.body, str) else b""


class GraphClient:
    def __init__(
        self,
        root: str,
        tokens: Tokens,
        http: requests.Session,
        seconds_left: Callable[[], float],
        timeout: float,
        batch_size: int = BATCH_LIMIT,
    ) -> None:
        self.root = root.rstrip("/")
        self._tokens, self._http, self._seconds_left = tokens, http, seconds_left
        self._timeout, self._batch_size = timeout, max(1, min(batch_size, BATCH_LIMIT))
        self.last_token: str | None = None

    def owns(self, url: str) -> bool:
        """Links are followed only under our own endpoint: a token never goes to another host."""
        return url.startswith(self.root + "/")

    def get_json(self, url: str, params: dict[str, str] | None = None, prefer: str = "") -> dict[str, Any]:
        response = self._send("GET", url, params=params, prefer=prefer)
        try:
            body = response.json()
        except ValueError:
            raise IntegrationError(f"the endpoint did not answer as Microsoft Graph ({url[:120]})") from None
        if not isinstance(body, dict):
            raise IntegrationError("the endpoint did not answer as Microsoft Graph")
        return body

    def get_bytes(self, url: str) -> bytes:
        """A `$value` stream, read in large chunks (a big attachment is never base64 in JSON here)."""
        return b"".join(self.stream_bytes(url))

    def stream_bytes(self, url: str) -> Iterator[bytes]:
        """A `$value` stream, 64 KB at a time, never held whole."""
        response = self._send("GET", url, stream=True)
        with response:
            yield from response.iter_content(64 * 1024)

    def batch(self, urls: dict[str, str], prefer: str = "") -> dict[str, BatchAnswer]:
        """GET each url (absolute under root, or relative) through $batch; retries what was throttled."""
        answers: dict[str, BatchAnswer] = {}
        todo = list(urls.items())
        for attempt in range(MAX_ATTEMPTS):
            for start in range(0, len(todo), self._batch_size):
                answers |= self._one_batch(todo[start : start + self._batch_size], prefer)
            # 424: its chain predecessor was throttled; it never ran.
            again = [(key, url) for key, url in todo if answers[key].status in _RETRY | {424}]
            if not again:
                return answers
            waits = [retry_after(None, answers[key].headers) for key, _ in again]
            self._wait(max((w for w in waits if w is not None), default=None), attempt)
            todo = again
        raise TransientError("Microsoft Graph kept throttling the batch", FALLBACK_WAIT_SECONDS)

    def _one_batch(self, chunk: list[tuple[str, str]], prefer: str) -> dict[str, BatchAnswer]:
        steps = []
        for index, (key, url) in enumerate(chunk):
            # Each sub-request carries its own headers (graph/json-batching): without IdType here a
            # batched answer names messages by folder-bound ids that change on a move (issue 19).
            step: dict[str, Any] = {"id": key, "method": "GET", "url": self._relative(url)}
            step["headers"] = {"Prefer": preference(prefer)}
            if index >= MAILBOX_CONCURRENCY:
                step["dependsOn"] = [chunk[index - MAILBOX_CONCURRENCY][0]]
            steps.append(step)
        response = self._send("POST", f"{self.root}/$batch", json={"requests": steps})
        out = {}
        for item in response.json().get("responses", []):
            headers = {canonical(str(k)): str(v) for k, v in (item.get("headers") or {}).items()}
            out[str(item["id"])] = BatchAnswer(int(item["status"]), headers, item.get("body"))
        missing = [key for key, _ in chunk if key not in out]
        if missing:
            raise TransientError(f"the batch response lacks {len(missing)} of its answers")
        return out

    def _relative(self, url: str) -> str:
        return url[len(self.root) :] if self.owns(url) else url

    def _send(self, method: str, url: str, prefer: str = "", **kwargs: Any) -> requests.Response:
        refreshed = False
        network: requests.RequestException | None = None
        for attempt in range(MAX_ATTEMPTS):
            token = self._tokens.token()
            self.last_token = token
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            headers["Prefer"] = preference(prefer)
            try:
                response = self._http.request(method, url, headers=headers, timeout=self._timeout, **kwargs)
            except requests.exceptions.SSLError as exc:
                raise IntegrationError(
                    "TLS with Microsoft Graph failed (check the endpoint, options.ca_bundle and "
                    f"options.ciphers): {type(exc).__name__}"
                ) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                logger.warning("graph request failed; retrying", extra={"error": type(exc).__name__})
                network = exc
                self._wait(None, attempt)
                continue
            network = None  # it answered: a later give-up is "busy", not "unreachable"
            if response.status_code == 401 and not refreshed:
                # Revoked, or expired early: one fresh token, then the 401 is the credentials' fault.
                self._tokens.invalidate()
                refreshed = True
                continue
            if response.status_code in _RETRY:
                self._wait(retry_after(response), attempt)
                continue
            if response.status_code >= 400:
                raise classify(response, token)
            return response
        # Unreachable, not busy: name the host and the cause (issue 16, sources/network.py).
        reached = unreachable("Microsoft Graph", network, self.root) if network else None
        raise reached or TransientError(
            f"Microsoft Graph stayed busy after {MAX_ATTEMPTS} attempts", FALLBACK_WAIT_SECONDS
        )

    def _wait(self, seconds: float | None, attempt: int) -> None:
        wait = seconds if seconds is not None else FALLBACK_WAIT_SECONDS * 2**attempt
        if wait > self._seconds_left():
            # Longer than this invocation may wait: the next poll takes over
            # (docs/architecture.md#failure-classes).
            raise TransientError("Microsoft Graph asked to wait longer than the time left", wait)
        time.sleep(wait)

    def close(self) -> None:
        self._http.close()
