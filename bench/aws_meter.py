"""Every AWS call of a block counted from botocore's own events, with DynamoDB's request units.

The hooks sit on boto3's default session before any client exists (botocore copies a
session's handlers into each client it creates), so the real adapters are measured as they
are. moto does not report consumed capacity, so the units are computed the way DynamoDB's
pricing page defines them from the items' sizes: a strongly consistent read is one unit per
4 KB (a Query sums its items' sizes first), an eventually consistent one half that, a write
one unit per KB, and transactions twice that. The time and the thread CPU spent inside the
calls (moto's, not AWS's) are kept apart, so that a caller can subtract them.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Metered:
    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    inside_seconds: float = 0.0
    inside_cpu: float = 0.0
    seconds_by_call: Counter[str] = field(default_factory=Counter)

    def total(self, service: str | None = None) -> int:
        return sum(n for op, n in self.calls.items() if service is None or op.startswith(service + ":"))

    def dynamodb(self, kinds: set[str]) -> int:
        return sum(
            n for op, n in self.calls.items() if op.startswith("dynamodb:") and op.split(":")[1] in kinds
        )


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values, in bytes (close enough for billing)."""
    return sum(
        len(name.encode()) + len(json.dumps(value, default=str).encode()) for name, value in item.items()
    )


class AwsMeter:
    def __init__(self) -> None:
        self._current: Metered | None = None
        self._local = threading.local()

    def install(self, session: Any) -> None:
        session.events.register("before-parameter-build", self._params)
        session.events.register("before-call", self._before)
        session.events.register("after-call", self._after)

    @contextmanager
    def counting(self) -> Iterator[Metered]:
        metered = Metered()
        self._current = metered
        try:
            yield metered
        finally:
            self._current = None

    def _params(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """The API's own parameters (before-call sees the HTTP request instead)."""
        self._local.index = params.get("IndexName")
        metered = self._current
        if metered is not None and model.service_model.endpoint_prefix == "dynamodb" and model.name in WRITES:
            metered.write_units += _write_units(model.name, params)

    def _before(self, model: Any, **_: Any) -> None:
        self._local.started = (time.perf_counter(), time.thread_time())
        metered = self._current
        if metered is not None:
            metered.calls[f"{model.service_model.endpoint_prefix}:{model.name}"] += 1

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        started = getattr(self._local, "started", None)
        metered = self._current
        if metered is None or started is None:
            return
        elapsed = time.perf_counter() - started[0]
        metered.inside_seconds += elapsed
        metered.seconds_by_call[f"{model.service_model.endpoint_prefix}:{model.name}"] += elapsed
        metered.inside_cpu += time.thread_time() - started[1]
        if model.service_model.endpoint_prefix == "dynamodb" and model.name in READS:
            metered.read_units += _read_units(model.name, parsed, getattr(self._local, "index", None))


def _read_units(name: str, parsed: dict[str, Any], index: str | None) -> float:
    items = parsed.get("Items") or ([parsed["Item"]] if parsed.get("Item") else [])
    units = max(1, math.ceil(sum(item_size(i) for i in items) / 4096))
    if name == "TransactGetItems":
        units *= 2
    # The adapters read the table strongly consistent; an index (a GSI) is read eventually.
    return units * (0.5 if index else 1.0)


def _write_units(name: str, params: dict[str, Any]) -> float:
    if name == "TransactWriteItems":
        return sum(2 * _one_write(next(iter(entry.values()))) for entry in params["TransactItems"])
    if name == "BatchWriteItem":
        return sum(
            _one_write(request.get("PutRequest", request.get("DeleteRequest", {})))
            for requests in params["RequestItems"].values()
            for request in requests
        )
    return _one_write(params)


def _one_write(params: dict[str, Any]) -> float:
    body = params.get("Item") or {**params.get("Key", {}), **params.get("ExpressionAttributeValues", {})}
    return float(max(1, math.ceil(item_size(body) / 1024)))
