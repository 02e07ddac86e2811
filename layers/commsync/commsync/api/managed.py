"""Integrations defined in the config file of `commsync serve` are managed by that file.

`apply_config` writes the file's definitions over the state at every start, so an edit made
through the API was silently undone then (issue 23, item 5: a poll interval set to 900 in the
console came back as 60). Such edits are refused with a message naming the file instead;
start, stop, enable and on-demand syncs stay allowed (they are runtime state, not definitions).
"""

from __future__ import annotations

from commsync.api.context import ApiContext
from commsync.api.errors import Conflict


def managed_message(key: str, path: str) -> str:
    return (
        f"integration {key} is managed by the config file {path}: change it there and restart "
        "`commsync serve` (the file is applied at every start, so an edit here would be undone)"
    )


def refuse_if_managed(ctx: ApiContext, key: str) -> None:
    path = ctx.managed.get(key)
    if path is not None:
        raise Conflict(managed_message(key, path))
