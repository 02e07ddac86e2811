"""`GraphEmulator`: the store, faults, counters and token checks behind one Graph endpoint."""

from __future__ import annotations

import hashlib
from pathlib import Path

from emulators.ews.live_data import LiveDirectory
from emulators.ews.loader import load
from emulators.ews.mailbox import Mailbox
from emulators.ews.persist import MailState
from emulators.graph.api import GraphApi
from emulators.graph.concurrency import Concurrency
from emulators.graph.delta import DeltaTokens
from emulators.graph.faults import Faults
from emulators.graph.handler import GraphHandler, Verifier
from emulators.graph.store import GraphStore
from emulators.server import EmulatorServer
from emulators.stats import Stats
from emulators.tls import TlsFiles

_GENERATION = b"persist1"  # the link format: a state file ties a link to its mailbox model


class GraphEmulator:
    def __init__(self, store: GraphStore, verifier: Verifier, key: bytes) -> None:
        self.store = store
        self.live: LiveDirectory | None = None  # set when loaded from a directory (live_data.py)
        self.verifier = verifier
        self.faults = Faults()
        self.stats = Stats()
        self.concurrency = Concurrency()
        self.tokens = DeltaTokens(key, store.generation)
        # (app id or user UPN, mailbox): an application access policy that withholds the mailbox.
        self.deny: set[tuple[str, str]] = set()

    @classmethod
    def from_directory(cls, data: Path, verifier: Verifier) -> GraphEmulator:
        """Load `data/<mailbox address>/<Folder>/.../*.eml` (the EWS emulator's layout and loader)."""
        # The mailboxes as the last run left them (emulators/ews/persist.py), else as the directory is.
        state = MailState(data, "graph")
        mailboxes = state.restore()
        restored = bool(mailboxes)
        if not restored:
            mailboxes = load(data)
        # Stable across restarts on the same directory, so stored deltaLinks stay valid; each
        # mailbox's epoch, kept in its state file, refuses the links of a model not kept.
        key = hashlib.sha256(b"commsync graph emulator\0" + str(data.resolve()).encode()).digest()
        store = GraphStore(mailboxes, _GENERATION)
        emulator = cls(store, verifier, key)

        def mailbox_of(address: str) -> Mailbox:
            store.add_mailbox(address)
            found = store.mailbox(address)
            assert found is not None
            found.box.saver = state.save
            return found.box

        for box in mailboxes.values():
            box.saver = state.save
        emulator.live = LiveDirectory(data, mailbox_of, list(mailboxes.values()), restored)
        emulator.live.refresh()  # what changed while the emulator was down: changes after old links
        return emulator

    def server(self, port: int = 0, *, tls: TlsFiles) -> EmulatorServer:
        """An HTTPS server on 127.0.0.1; the Graph root is `server.url + "/v1.0"`."""
        api = GraphApi(self.store, self.faults, self.stats, self.tokens, self.concurrency, self.deny)
        if self.live is not None:
            api.refresh = self.live.refresh
        bound: type[GraphHandler] = type(
            "BoundGraphHandler", (GraphHandler,), {"api": api, "verify": staticmethod(self.verifier)}
        )
        server = EmulatorServer(port, bound, tls)
        bound.base = server.url
        return server
