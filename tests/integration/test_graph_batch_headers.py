"""$batch sub-requests ask for immutable ids like every other request, and a batch answer's
Retry-After is read whatever its spelling (issue 19), through the Graph emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from commsync.errors import TransientError
from commsync.models.graph import GraphOptions
from commsync.sources.graph.auth import AppTokens
from commsync.sources.graph.client import GraphClient
from commsync.sources.graph.transport import session
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import ANN, KEY, GraphWorld, graph_world, write_corpus

pytestmark = pytest.mark.integration
INBOX = f"users/{ANN}/mailFolders/inbox/messages?$select=id&$top=50"


@contextmanager
def client_in(
    tmp_path: Path, seconds_left: Callable[[], float] = lambda: 60.0
) -> Iterator[tuple[GraphWorld, GraphClient]]:
    tls: TlsFiles = self_signed(tmp_path / "tls")
    write_corpus(tmp_path / "data", count=6)
    with graph_world(tmp_path, tmp_path / "data", tls) as world:
        engine = world.runtime.engine
        integration = engine.state.get_integration(KEY)
        assert integration is not None and integration.secret
        options = integration.typed_options(GraphOptions)
        tokens = AppTokens(options, engine.secrets.get(integration.secret))
        client = GraphClient(
            integration.endpoint, tokens, session(options.ciphers, options.ca_bundle), seconds_left, 30.0
        )
        try:
            yield world, client
        finally:
            client.close()


def test_batched_requests_get_the_same_immutable_ids_as_direct_ones(tmp_path: Path) -> None:
    with client_in(tmp_path) as (_, client):
        # WHEN the inbox is listed directly and through $batch, with and without another preference
        direct = [m["id"] for m in client.get_json(f"{client.root}/{INBOX}")["value"]]
        answers = client.batch({"plain": INBOX, "paged": INBOX}, prefer="odata.maxpagesize=50")
        plain = client.batch({"plain": INBOX})["plain"]

        # THEN every answer names the messages by the same (immutable) ids
        assert direct and len(set(direct)) == len(direct)
        for answer in (answers["plain"], answers["paged"], plain):
            assert answer.status == 200
            assert [m["id"] for m in answer.body["value"]] == direct


def test_a_lower_case_retry_after_in_a_batch_answer_is_honoured(tmp_path: Path) -> None:
    with client_in(tmp_path, seconds_left=lambda: 60.0) as (world, client):
        # GIVEN a server that names headers in lower case and throttles the next request for an hour
        world.emulator.faults.lowercase_batch_headers = True
        world.emulator.faults.fail_next(ANN, 1, status=429, retry_after=3600)

        # WHEN a batch meets that answer
        # THEN the hour is read (longer than the minute left: the next poll takes over), not
        # replaced by a short guess and retried
        with pytest.raises(TransientError, match="longer than the time left"):
            client.batch({"inbox": INBOX})


def test_a_lower_case_retry_after_that_fits_is_waited_and_the_batch_completes(tmp_path: Path) -> None:
    with client_in(tmp_path) as (world, client):
        world.emulator.faults.lowercase_batch_headers = True
        world.emulator.faults.fail_next(ANN, 2, status=429, retry_after=1)
        answer = client.batch({"inbox": INBOX})["inbox"]
        assert answer.status == 200 and answer.body["value"]
        assert world.emulator.stats["status:429"] == 2
