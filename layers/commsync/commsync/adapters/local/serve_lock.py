"""One owner per local store while something serves it (issue 23).

`commsync serve` holds a shared lock on `<store>/serve.lock` for its whole life and `commsync
demo` an exclusive one: re-running the demo while its own `--serve` or a `serve` of its config
is up is refused before anything is written, instead of rewriting the token, the password and
the emulator's port under the running server (which then refused the console's token and lost
its sync thread to the store lock). The OS drops the lock when its process dies, so a killed
server never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from commsync.errors import ConfigError

LOCK_NAME = "serve.lock"


@contextmanager
def holding_store(store: Path, exclusive: bool, what: str) -> Iterator[TextIO]:
    """Hold the store's serve lock, or raise ConfigError naming who holds it.

    The exclusive holder writes one line into the lock file (what it is and where it serves),
    which a refused caller then quotes; shared holders leave it alone.
    """
    store.mkdir(parents=True, exist_ok=True)
    with (store / LOCK_NAME).open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "a `commsync serve` of this store"
            raise ConfigError(f"{holder} is running on {store}; {what}") from None
        if exclusive:
            handle.truncate(0)
        try:
            yield handle
        finally:
            if exclusive:
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def announce(handle: TextIO, line: str) -> None:
    """Tell later callers who holds the lock (quoted in their refusal)."""
    handle.truncate(0)
    handle.write(line + "\n")
    handle.flush()
