"""Reading a stored integration that may not validate, for every state adapter (issue 16).

As for mailboxes (stored_mailbox): a row an older version accepted (options it allowed, an
endpoint it took) must fail only its own integration, visibly, never the listing, `/status`,
`/metrics` or the dispatcher. It is read as that integration, disabled with a sync error naming
the problem and the fix. Nothing but a full replacement (PUT) or a delete may write over it:
`writable` tells the adapters whether a partial update (disable, enable) may rewrite the row.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from commsync.adapters.stored_mailbox import first_problem
from commsync.errors import DisableReason, FailureClass
from commsync.models import Integration
from commsync.models.common import utc_now
from commsync.models.integration import UNREADABLE_SETTINGS, Disabled, SourceKind
from commsync.observability import logger


def integration_row(key: str, doc: str) -> Integration:
    try:
        return Integration.model_validate_json(doc)
    except (ValidationError, ValueError, RecursionError) as exc:
        problem = first_problem(exc)
    logger.error("a stored integration cannot be read", extra={"integration": key, "problem": problem})
    return _unreadable(key, _raw(doc), problem)


def writable(doc: str) -> Integration | None:
    """The stored row as a model when a partial update may rewrite it; None when it cannot be
    read, so that only PUT or delete ever replaces what the user stored."""
    try:
        return Integration.model_validate_json(doc)
    except (ValidationError, ValueError, RecursionError):
        return None


def _unreadable(key: str, raw: dict[str, Any], problem: str) -> Integration:
    project, _, name = key.partition("/")
    disabled = Disabled(
        reason=DisableReason.SYNC_ERROR,
        at=utc_now(),
        failure_class=FailureClass.INTEGRATION,
        error=f"{UNREADABLE_SETTINGS} ({problem}); replace them with PUT or delete the integration",
    )
    try:
        kind = SourceKind(str(raw.get("kind")))
    except ValueError:
        kind = SourceKind.EML
    options = raw.get("options")
    secret = raw.get("secret")
    # Built without validation, from what of the row is still usable: the listing shows it as
    # stored, and a delete still finds (and removes) the secret it owns.
    return Integration.model_construct(
        project=project,
        name=name,
        kind=kind,
        endpoint=_text(raw.get("endpoint"), "(unreadable)"),
        bucket=_text(raw.get("bucket"), project),
        secret=secret if isinstance(secret, str) else None,
        options={str(k): v for k, v in (options.items() if isinstance(options, dict) else ()) if _scalar(v)},
        deletions="keep",
        disabled=disabled,
    )


def _raw(doc: str) -> dict[str, Any]:
    try:
        loaded = json.loads(doc)
    except (ValueError, RecursionError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | bool)
