"""`EwsEmulator`: the store, the faults, the counters and the accounts behind one EWS endpoint."""

from __future__ import annotations

import hashlib
from pathlib import Path

from emulators.ews.auth import Authenticator, BearerVerifier
from emulators.ews.faults import Faults
from emulators.ews.handler import EwsHandler
from emulators.ews.live_data import LiveDirectory
from emulators.ews.loader import load
from emulators.ews.mailbox import Mailbox
from emulators.ews.persist import MailState
from emulators.ews.service import Service
from emulators.ews.store import MailStore
from emulators.ews.syncstate import SyncStates
from emulators.server import EmulatorServer
from emulators.stats import Stats
from emulators.tls import TlsFiles

DEFAULT_USERS = {"EMU\\svc": "pw"}
_GENERATION = b"persist1"  # the token format: a state file ties a token to its mailbox model


class EwsEmulator:
    def __init__(
        self,
        store: MailStore,
        users: dict[str, str],
        deny: set[tuple[str, str]],
        bearer: BearerVerifier | None,
    ) -> None:
        self.store = store
        self.live: LiveDirectory | None = None  # set when loaded from a directory
        self.faults = Faults()
        self.stats = Stats()
        self.deny = frozenset((principal.lower(), mailbox.lower()) for principal, mailbox in deny)
        self._authenticator = Authenticator(users, bearer)

    @classmethod
    def from_directory(
        cls,
        data: Path,
        users: dict[str, str] | None = None,
        deny: set[tuple[str, str]] | None = None,
        bearer: BearerVerifier | None = None,
    ) -> EwsEmulator:
        """Load `data/<mailbox address>/<Folder>/.../*.eml`. `users` maps 'DOMAIN\\name' to a password;
        `deny` holds (principal, mailbox address) pairs withheld from Delegate and Impersonation."""
        # The mailboxes as the last run left them (persist.py), else as the directory holds them.
        state = MailState(data, "ews")
        mailboxes = state.restore()
        restored = bool(mailboxes)
        if not restored:
            mailboxes = load(data)
        # Stable across restarts on the same directory, so stored SyncStates stay valid; each
        # mailbox's epoch, kept in its state file, refuses the states of a model not kept.
        key = hashlib.sha256(b"commsync ews emulator\0" + str(data.resolve()).encode()).digest()
        store = MailStore(mailboxes, SyncStates(key, _GENERATION))
        emulator = cls(store, DEFAULT_USERS if users is None else users, deny or set(), bearer)

        def mailbox_of(address: str) -> Mailbox:
            store.add_mailbox(address)
            found = store.mailbox(address)
            assert found is not None
            found.saver = state.save
            return found

        for mailbox in mailboxes.values():
            mailbox.saver = state.save
        emulator.live = LiveDirectory(data, mailbox_of, list(mailboxes.values()), restored)
        emulator.live.refresh()  # what changed while the emulator was down: changes after old states
        return emulator

    def server(self, port: int = 0, tls: TlsFiles | None = None, latency_ms: int = 0) -> EmulatorServer:
        """An HTTP(S) server on 127.0.0.1; the endpoint is `server.url + "/EWS/Exchange.asmx"`.
        `latency_ms`: each request waits that long, as on a network to a real server (issue 20)."""
        service = Service(self.store, self.faults, self.stats, self.deny)
        if self.live is not None:
            service.refresh = self.live.refresh
        bound = {
            "service": service,
            "authenticator": self._authenticator,
            "latency_seconds": latency_ms / 1000,
        }
        handler = type("BoundEwsHandler", (EwsHandler,), bound)
        return EmulatorServer(port, handler, tls)
