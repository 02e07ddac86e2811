"""A Graph token request that cannot reach the identity platform names its host and the cause
(issue 16), as sources/network.py does for EWS and Salesforce: against an unused loopback port
and against the identity emulator once stopped, through msal and requests themselves."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import SecretStr

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import CommsyncError, FailureClass
from commsync.local_mode import apply_config, open_local, run_once
from commsync.models import Integration, SourceKind
from commsync.models.graph import GraphOptions
from commsync.sources.graph.auth import AppTokens, DelegatedTokens
from commsync.sources.network import UNREACHABLE
from emulators.server import running
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    graph_config,
    identity_with_app,
)

pytestmark = pytest.mark.integration
SECRET = {"client_secret": SecretStr(CLIENT_SECRET)}


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return self_signed(tmp_path / "tls")


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _options(authority: str, tls: TlsFiles) -> GraphOptions:
    return GraphOptions.model_validate(
        {"tenant": TENANT, "client_id": CLIENT_ID, "authority": authority, "ca_bundle": str(tls.cert)}
    )


def test_an_unused_port_is_named_with_its_host_and_refused(tls: TlsFiles) -> None:
    with pytest.raises(CommsyncError) as raised:
        AppTokens(_options(f"https://127.0.0.1:{_unused_port()}", tls), SECRET).token()
    message = str(raised.value)
    assert message.startswith(UNREACHABLE) and "the identity platform at 127.0.0.1: refused" in message
    assert CLIENT_SECRET not in message


def test_the_identity_emulator_stopped_is_named_with_its_host_and_cause(tls: TlsFiles) -> None:
    idp = identity_with_app()
    with running(idp.server(0, tls=tls)) as server:
        authority = server.url
        assert AppTokens(_options(authority, tls), SECRET).token()  # it answers while it runs
    # A new application (a fresh Lambda, a restarted process) meets the platform stopped.
    with pytest.raises(CommsyncError) as raised:
        AppTokens(_options(authority, tls), {"client_secret": SecretStr(CLIENT_SECRET + "-2")}).token()
    assert f"{UNREACHABLE}the identity platform at 127.0.0.1: refused" in str(raised.value)


def test_a_sync_reports_the_identity_host_and_cause(tmp_path: Path, tls: TlsFiles) -> None:
    authority = f"https://127.0.0.1:{_unused_port()}"
    config = graph_config(
        tmp_path,
        "https://127.0.0.1:1",  # never reached: the token comes first
        identity_with_app(),
        tls,
        ["ann@contoso.example"],
        options={"authority": authority},
    )
    runtime = open_local(config)
    apply_config(runtime)
    try:
        (outcome,) = run_once(runtime).values()
    finally:
        runtime.close()
    assert outcome.failure_class is FailureClass.TRANSIENT
    assert outcome.error is not None and "the identity platform at 127.0.0.1: refused" in outcome.error


def test_a_delegated_refresh_names_the_token_endpoint_host_and_cause(tmp_path: Path, tls: TlsFiles) -> None:
    secrets = FileSecrets(tmp_path / "secrets.toml", {})
    secrets.put("graph-user", {"refresh_token": "a-refresh-token"})  # test credential
    integration = Integration(
        project="acme",
        name="graph",
        kind=SourceKind.GRAPH,
        endpoint="https://graph.example/v1.0",
        bucket="acme-mail",
        secret="graph-user",
        options={
            "auth": "delegated",
            "tenant": TENANT,
            "client_id": CLIENT_ID,
            "authority": f"https://127.0.0.1:{_unused_port()}",
            "ca_bundle": str(tls.cert),
        },
    )
    with pytest.raises(CommsyncError) as raised:
        DelegatedTokens(secrets, integration).token()
    message = str(raised.value)
    assert message.startswith(f"{UNREACHABLE}the token endpoint at 127.0.0.1: refused"), message
    assert "a-refresh-token" not in message
