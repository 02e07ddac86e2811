"""`POST /$batch`: JSON batching (graph/json-batching).

At most 20 requests; `dependsOn` orders them, and a request whose dependency failed answers 424.
Requests run in waves: every request whose dependencies are done runs in the same wave, as Graph
runs them in parallel, so each wave counts against the mailbox's concurrency limit of 4 (plus
whatever else is in flight): the fifth parallel request to one mailbox gets 429
MailboxConcurrency inside the batch (PROTOCOLS.md section 2). Chaining with dependsOn keeps a
batch within the limit. Bodies that are not JSON ($value) are returned base64-encoded.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from emulators.graph.api import GraphApi
from emulators.graph.errors import GraphError, bad_request
from emulators.graph.exchange import Reply, Request

MAX_REQUESTS = 20


def run_batch(api: GraphApi, outer: Request, raw: bytes) -> Reply:
    api.stats.count("batch_requests")
    try:
        steps = _steps(raw)
    except GraphError as error:
        return Reply.error(error)
    results: dict[str, dict[str, Any]] = {}
    pending = list(steps)
    while pending:
        wave = [s for s in pending if all(d in results for d in s.get("dependsOn", []))]
        if not wave:
            return Reply.error(bad_request("dependsOn forms a cycle or names a missing request id."))
        held: list[str] = []
        try:
            for step in wave:
                results[step["id"]] = _run(api, outer, step, results, held)
        finally:
            for key in held:
                api.concurrency.release(key)
        pending = [s for s in pending if s["id"] not in results]
    return Reply.json({"responses": [results[s["id"]] for s in steps]})


def _steps(raw: bytes) -> list[dict[str, Any]]:
    try:
        document = json.loads(raw or b"{}")
        steps = document["requests"]
    except (ValueError, KeyError, TypeError):
        raise bad_request("Invalid batch payload format.") from None
    if not isinstance(steps, list) or not steps:
        raise bad_request("Invalid batch payload format.")
    if len(steps) > MAX_REQUESTS:
        raise bad_request(f"The number of requests in the batch exceeds the limit of {MAX_REQUESTS}.")
    ids = [str(s.get("id", "")) for s in steps if isinstance(s, dict)]
    if len(ids) != len(steps) or "" in ids or len(set(ids)) != len(ids):
        raise bad_request("Each batch request needs a unique id.")
    for step in steps:
        step["id"] = str(step["id"])
        step["dependsOn"] = [str(d) for d in step.get("dependsOn") or []]
    return steps


def _run(
    api: GraphApi, outer: Request, step: dict[str, Any], results: dict[str, dict[str, Any]], held: list[str]
) -> dict[str, Any]:
    if any(results[d]["status"] >= 400 for d in step["dependsOn"]):
        error = GraphError(424, "FailedDependency", "The request depends on a request that failed.")
        return _result(step["id"], Reply.error(error))
    try:
        request = _sub_request(outer, step)
        graph, _, _ = api.mailbox_for(request)
        key = api.slot_key(request.caller, graph.address)
        api.concurrency.acquire(key)
    except GraphError as error:
        api.stats.count(f"status:{error.status}")
        return _result(step["id"], Reply.error(error))
    held.append(key)
    return _result(step["id"], api.handle(request, hold_slot=False), api.faults.lowercase_batch_headers)


def _sub_request(outer: Request, step: dict[str, Any]) -> Request:
    url = str(step.get("url", ""))
    if "://" in url:
        raise bad_request("Batch request urls must be relative to the service root.")
    parts = urlsplit("/" + url.lstrip("/"))
    headers = {str(k).lower(): str(v) for k, v in (step.get("headers") or {}).items()}
    return Request(
        method=str(step.get("method", "GET")).upper(),
        path=unquote(parts.path),
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,  # each sub-request carries its own headers (Prefer included), as in Graph
        caller=outer.caller,
        base_url=outer.base_url,
    )


def _result(step_id: str, reply: Reply, lowercase: bool = False) -> dict[str, Any]:
    headers = {"Content-Type": reply.content_type, **dict(reply.headers)}
    if lowercase:
        headers = {name.lower(): value for name, value in headers.items()}
    body: Any
    if reply.content_type.startswith("application/json"):
        body = json.loads(reply.body) if reply.body else None
    else:
        body = base64.b64encode(reply.body).decode()
    return {"id": step_id, "status": reply.status, "headers": headers, "body": body}
