"""Unit tests cannot reach any network: sockets are disabled for every test here."""

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket

# The X-Ray SDK behind Powertools' Tracer opens its (unconnected) UDP emitter socket at import;
# importing it here, before sockets are disabled, keeps that one-time setup out of the tests.
import commsync.observability  # noqa: F401


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket()
    yield
    enable_socket()
