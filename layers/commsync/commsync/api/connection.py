"""Test connection (issue 23): one real request to the integration's server before it is saved.

The console's create and edit forms send what the user typed; the test opens the source as a
poll would and lists the mailbox's folders once, so a wrong URL, password, tenant or TLS setup
shows in plain words before anything is stored. Typed secret values are used for this request
only and never stored; without them the integration's stored secret is used (an edit).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import Field, SecretStr

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.schemas import ADDRESS, IntegrationIn
from commsync.errors import CommsyncError, TransientError
from commsync.models import Integration, Mailbox
from commsync.models.access import Permission
from commsync.models.common import DomainModel
from commsync.ports import SecretStore
from commsync.sources import open_source

# A test waits no longer than this on a slow or busy server: the form is waiting for it.
TEST_SECONDS = 20.0


class ConnectionTest(IntegrationIn):
    # The mailbox (or Salesforce object) to list; default: the integration's first one.
    mailbox: str | None = Field(default=None, pattern=ADDRESS)


class ConnectionResult(DomainModel):
    ok: bool
    message: str
    folders: int | None = None


class _TypedSecrets:
    """The values typed in the form, over the stored ones; nothing is written."""

    def __init__(self, stored: SecretStore, typed: Mapping[str, SecretStr]) -> None:
        self._stored, self._typed = stored, dict(typed)

    def get(self, name: str) -> dict[str, SecretStr]:
        try:
            values = self._stored.get(name)
        except CommsyncError:
            if not self._typed:
                raise
            values = {}
        return {**values, **self._typed}

    def put(self, name: str, values: Mapping[str, str]) -> None:
        """A refreshed OAuth token from a test is not kept: the real poll gets its own."""

    def delete(self, name: str) -> None:
        """Nothing to delete: a test stores nothing."""

    def forget(self, name: str) -> None:
        """Nothing cached here: every test reads the stored values afresh."""


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.post(
        "/connection-tests",
        tags=["integrations"],
        security=BEARER,
        summary="Try the settings with one real request to the server (nothing is stored)",
    )
    @requires(Permission.MODIFY)
    def test_connection(body: Annotated[ConnectionTest, Body()]) -> ConnectionResult:
        return run_test(ctx, body)


def run_test(ctx: ApiContext, body: ConnectionTest) -> ConnectionResult:
    existing = ctx.engine.state.get_integration(body.key)
    secret = body.secret or (existing.secret if existing else None) or f"{body.project}/{body.name}"
    settings = body.model_dump(exclude={"secret_values", "enabled", "mailbox"}) | {"secret": secret}
    integration = Integration(**settings)
    address = body.mailbox or _first_mailbox(ctx, body.key)
    if address is None:
        return ConnectionResult(
            ok=False, message="add a mailbox (or object) first: the test lists its folders"
        )
    mailbox = Mailbox(integration=integration.key, address=address)
    secrets = _TypedSecrets(ctx.engine.secrets, body.secret_values or {})
    try:
        source = open_source(integration, mailbox, secrets, lambda: TEST_SECONDS)
        try:
            listing = source.folders(None)
        finally:
            source.close()
    except CommsyncError as exc:
        return ConnectionResult(ok=False, message=_plain(exc))
    count = len(listing.folders)
    return ConnectionResult(
        ok=True, message=f"connected: {address} has {count} folder(s) to sync", folders=count
    )


def _first_mailbox(ctx: ApiContext, key: str) -> str | None:
    found = ctx.engine.state.list_mailboxes(key)
    return found[0][0].address if found else None


def _plain(exc: CommsyncError) -> str:
    # The sources already word their errors for people (errors.py). Nothing is disabled by a test,
    # so their "then re-enable" advice is dropped; a transient failure is said to be one.
    text = re.sub(r",? (and )?then re-enable\b", "", str(exc))
    if isinstance(exc, TransientError):
        return f"{text} (a poll would retry this; try again)"
    return text
