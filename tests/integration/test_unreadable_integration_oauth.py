"""An unreadable integration row survives an OAuth token refresh and the failure it records
(issue 16): nothing but PUT or delete writes over what the user stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commsync.errors import CommsyncError, DisableReason, FailureClass
from commsync.models.integration import Disabled
from commsync.services.failures import announce_disable
from commsync.services.oauth import refresh_access_token
from emulators.server import running
from emulators.tls import self_signed
from tests.integration.test_graph_support import CLIENT_ID, CLIENT_SECRET, TENANT, identity_with_app
from tests.support.api import api_world

pytestmark = pytest.mark.integration
ANN = "ann@contoso.example"


def test_a_token_refresh_and_its_failure_leave_the_row_as_stored(tmp_path: Path) -> None:
    tls = self_signed(tmp_path / "tls")
    with running(identity_with_app().server(0, tls=tls)) as idp:
        world = api_world(tmp_path)
        try:
            body = {
                "project": "acme",
                "name": "graph",
                "kind": "graph",
                "endpoint": "https://graph.contoso.example/v1.0",
                "bucket": "acme-mail",
                "secret": "acme/graph",
                "options": {
                    "auth": "delegated",
                    "tenant": TENANT,
                    "client_id": CLIENT_ID,
                    "authority": idp.url,
                    "ca_bundle": str(tls.cert),
                },
            }
            assert world.call("POST", "/integrations", body).status == 201
            assert world.call("POST", "/integrations/acme/graph/mailboxes", {"address": ANN}).status == 201
            # A refresh token the platform no longer honours (test credential).
            world.engine.secrets.put("acme/graph", {"client_secret": CLIENT_SECRET, "refresh_token": "old"})
            # GIVEN the row as an older version stored it: an option today's model refuses
            with world.engine.state._tx() as db:
                doc = json.loads(db.execute("SELECT doc FROM integrations").fetchone()[0])
                doc["options"]["retired_option"] = True
                db.execute("UPDATE integrations SET doc = ?", (json.dumps(doc),))
            before = world.engine.state._one("SELECT doc FROM integrations", ())[0]
            integration = world.engine.state.get_integration("acme/graph")
            assert integration is not None and not integration.enabled
            # WHEN its token is refreshed, the platform refuses, and the poll records the failure
            with pytest.raises(CommsyncError, match="invalid_grant"):
                refresh_access_token(world.engine.secrets, integration)
            ((mailbox, state),) = world.engine.state.list_mailboxes("acme/graph")
            failed = Disabled(
                reason=DisableReason.SYNC_ERROR,
                at=world.engine.clock(),
                failure_class=FailureClass.INTEGRATION,
                error="invalid_grant: reconnect through authenticate",
            )
            announce_disable(world.engine, integration, mailbox, state, failed)
            # THEN the stored row is byte-for-byte what was stored
            assert world.engine.state._one("SELECT doc FROM integrations", ())[0] == before
        finally:
            world.close()
