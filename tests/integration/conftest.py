"""Integration tests speak only to loopback (emulators, moto); subprocesses are their own business."""

from collections.abc import Iterator

import pytest
from pytest_socket import enable_socket, socket_allow_hosts

import commsync.observability  # noqa: F401  (see tests/unit/conftest.py)


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)
    yield
    enable_socket()
