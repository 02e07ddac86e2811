"""The EWS emulator in a process of its own, so the sync under test is measured alone.

The emulator runs on loopback in a child process (its CPU is not the client's), and answers
three commands on stdin, one per line: `stats` (prints its counters as one JSON line, with
`cpu_ms`, the CPU time the emulator process has used so far), `reset` (zeroes the counters) and
`quit`. The child side is `python -m bench.emulator_process DATA [LATENCY_MS]`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

SERVICE_USER, SERVICE_PASSWORD = "CORP\\svc-bench", "Bench-2024-sync!"


class EmulatorProcess:
    """Parent side: start the child, read its URL, ask it for counters."""

    def __init__(self, data: Path, latency_ms: int = 0) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator_process", str(data), str(latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self._line().removeprefix("listening on ")
        self.endpoint = self.url + "/EWS/Exchange.asmx"

    def _line(self) -> str:
        assert self._child.stdout is not None
        line = self._child.stdout.readline().strip()
        if not line:
            raise RuntimeError("the emulator process exited before answering")
        return line

    def _send(self, command: str) -> None:
        stdin: IO[str] | None = self._child.stdin
        assert stdin is not None
        stdin.write(command + "\n")
        stdin.flush()

    def stats(self) -> dict[str, int]:
        self._send("stats")
        counts: dict[str, int] = json.loads(self._line())
        return counts

    def delta(self, before: dict[str, int]) -> dict[str, int]:
        """Counters (and emulator CPU milliseconds) since `before`, an earlier `stats()`."""
        after = self.stats()
        return {key: value - before.get(key, 0) for key, value in after.items()}

    def reset(self) -> None:
        self._send("reset")
        self._line()

    def close(self) -> None:
        if self._child.poll() is None:
            self._send("quit")
            try:
                self._child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _serve(data: Path, latency_ms: int) -> None:
    from emulators.ews import EwsEmulator
    from emulators.server import running

    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    # `latency_ms` models the network to a real server: each request waits, the CPU does not.
    # (The emulator's handlers switch Nagle's algorithm off, as IIS/http.sys do: no delayed-ACK stall.)
    server = emulator.server(port=0, latency_ms=latency_ms)
    with running(server):
        print(f"listening on {server.url}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                cpu_ms = round(1000 * time.process_time())
                print(json.dumps({**emulator.stats.snapshot(), "cpu_ms": cpu_ms}), flush=True)
            elif command == "reset":
                emulator.stats.reset()
                print("ok", flush=True)
            elif command == "quit":
                break


if __name__ == "__main__":
    # Threads serve requests while the main thread waits on stdin; EOF (parent gone) stops it too.
    threading.current_thread().name = "emulator-control"
    _serve(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
