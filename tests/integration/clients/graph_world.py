"""The identity and Graph emulators over TLS, for the vendor clients' tests (no tests here).

The recipe every Microsoft client needs to reach a loopback emulator with a private CA
(emulators/graph/README.md): the identity emulator's URL as authority host, instance discovery
off, the emulators' certificate as CA bundle, and the Graph emulator's `/v1.0` as base URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emulators.graph import GraphEmulator
from emulators.identity import IdentityEmulator
from emulators.server import EmulatorServer, running
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import ANN, CLIENT_ID, CLIENT_SECRET, GRAPH, TENANT, message
from tests.support.mail import write_eml

__all__ = ["ANN", "CLIENT_ID", "CLIENT_SECRET", "TENANT", "World", "world"]


@dataclass
class World:
    identity: IdentityEmulator
    identity_url: str  # https://127.0.0.1:PORT, the authority host
    graph: GraphEmulator
    server: EmulatorServer
    tls: TlsFiles
    data: Path

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1.0"


def corpus(data: Path) -> None:
    """Ann's mailbox: six emails in the Inbox (one with a file, one with an attached email), two
    in Sent Items, one in Archive, and an Inbox subfolder."""
    senders = ["Carol Diaz <carol@fabrikam.example>", "Dan Wu <dan@northwind.example>"]
    for n in range(6):
        mail = message(n, senders[n % 2], attachment=n == 1, attached_email=n == 2)
        write_eml(data, ANN, "Inbox", f"{n:02d}.eml", mail)
    for n in range(6, 8):
        write_eml(data, ANN, "Sent Items", f"{n:02d}.eml", message(n, f"Ann Lee <{ANN}>", to=senders[0]))
    write_eml(data, ANN, "Archive", "08.eml", message(8, senders[1]))
    write_eml(data, ANN, "Inbox/Projects", "09.eml", message(9, senders[0]))


@contextmanager
def world(tmp_path: Path, roles: list[str] | None = None) -> Iterator[World]:
    corpus(tmp_path / "data")
    tls = self_signed(tmp_path / "tls")
    idp = IdentityEmulator()
    idp.add_app(
        TENANT, CLIENT_ID, secret=CLIENT_SECRET, roles={GRAPH: roles or ["Mail.Read", "User.Read.All"]}
    )
    with idp.serving(tls=tls):
        emulator = GraphEmulator.from_directory(tmp_path / "data", idp.verifier())
        with running(emulator.server(0, tls=tls)) as server:
            yield World(
                idp, idp.authority(TENANT).rsplit("/", 1)[0], emulator, server, tls, tmp_path / "data"
            )
