"""Fixtures of every Salesforce integration test: a running emulator with the integration user and
connected app, the secret the OAuth callback would have stored, and local mode with its API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.api.local import open_local_api
from commsync.local_config import ApiConfig, LocalConfig
from commsync.models.access import Permission
from emulators.salesforce import SalesforceEmulator
from tests.integration.salesforce.support import connected_secrets, prepare
from tests.integration.salesforce.world import World
from tests.support.api import tokens_for


@pytest.fixture
def emu() -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator()
    prepare(emulator)
    with emulator.serving():
        yield emulator


@pytest.fixture
def secrets(emu: SalesforceEmulator, tmp_path: Path) -> FileSecrets:
    return connected_secrets(emu, tmp_path)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    plain, records = tokens_for({"ops": [Permission.MODIFY]})
    config = LocalConfig(
        store=tmp_path / "store",
        secrets_file=tmp_path / "secrets.toml",
        disable_after_failures=2,
        disable_after_minutes=0,
        api=ApiConfig(tokens=records),
    )
    local = open_local_api(config, port=0)
    local.start(sync=False)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {plain['ops']}"
    emu = SalesforceEmulator()
    prepare(emu, [f"{local.url}/external/salesforce/oauth2/callback"])
    try:
        with emu.serving():
            yield World(local, session, emu, tmp_path / "store")
    finally:
        local.close()
