"""Issue 16, item 6: what the client libraries raise for an unreachable server becomes an error
naming the host and the cause, through each source's translation."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from commsync.errors import TransientError
from commsync.sources.network import UNREACHABLE, cause_of
from commsync.sources.salesforce.errors import translated

pytestmark = pytest.mark.integration


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def _raised(url: str, timeout: float = 5.0) -> BaseException:
    with pytest.raises(requests.RequestException) as caught:
        requests.get(url, timeout=timeout)
    return caught.value


def test_refused_and_timeout_are_told_apart(closed_port: int, silent_port: int) -> None:
    assert cause_of(_raised(f"http://127.0.0.1:{closed_port}/")) == "refused"
    assert cause_of(_raised(f"http://127.0.0.1:{silent_port}/", timeout=0.2)) == "timeout"
    assert cause_of(ValueError("something else")) is None


def test_salesforce_names_the_host_and_the_cause(closed_port: int) -> None:
    with pytest.raises(TransientError) as caught, translated("Case"):
        requests.get(f"http://127.0.0.1:{closed_port}/services/data", timeout=5)
    message = str(caught.value)
    assert message.startswith(UNREACHABLE) and "Salesforce at 127.0.0.1" in message
    assert "refuses connections" in message
