"""`commsync demo --serve`: the demo's emulator, the API and the console up together until Ctrl-C.

Without it the demo's emulator stops when `commsync demo` exits, and a `serve` of the demo's
config then fails its first poll (issue 23, item 1).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TextIO

from commsync.adapters.local.serve_lock import announce
from commsync.demo.credentials import TOKEN_FILE
from commsync.errors import ConfigError
from commsync.local_config import load_config


def serve_until_stopped(
    config_path: Path, port: int | None, host: str | None, lock: TextIO, out: TextIO
) -> int:
    """Serve the demo's config (API, console, sync loop) until SIGINT or SIGTERM."""
    from commsync.api.local import open_local_api

    try:
        local = open_local_api(load_config(config_path), port, host=host, config_file=str(config_path))
    except OSError as exc:
        wanted = "the config's port" if port is None else f"port {port}"
        raise ConfigError(
            f"cannot listen on {wanted}: {exc.strerror or exc}; pass --port N (0 picks one)"
        ) from None
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        local.start(sync=True)
        console = f"{local.url}/console"
        announce(lock, f"`commsync demo --serve` (pid {os.getpid()}, console {console})")
        root = config_path.parent
        print(f"\nConsole: {console}", file=out)
        print(f"  sign in with the token in {root / TOKEN_FILE} (the same on every run)", file=out)
        print(f"  API: {local.url} (OpenAPI at {local.url}/openapi.json); Ctrl-C stops", file=out, flush=True)
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        local.close()
    print("stopped; the comments and the state stay in the demo directory", file=out)
    return 0
