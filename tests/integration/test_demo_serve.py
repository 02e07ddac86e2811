"""`commsync demo --serve` (issue 23): emulator, API and console up together until Ctrl-C, with a
token that survives a re-run, and a re-run that is refused instead of breaking the running one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

COMMSYNC = Path(sys.executable).parent / "commsync"


def _wait_for_console(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if line.startswith("Console: "):
            return line.split()[-1].removesuffix("/console")
    raise AssertionError("no console line: " + "".join(seen))


def test_demo_serve_stays_up_keeps_its_token_and_refuses_a_second_demo(tmp_path: Path) -> None:
    # GIVEN a demo that ran once (the token file is written then)
    demo = tmp_path / "demo"
    first = subprocess.run(
        [str(COMMSYNC), "demo", "--dir", str(demo)], capture_output=True, text=True, timeout=120, check=False
    )
    assert first.returncode == 0, first.stderr
    assert "demo --serve" in first.stdout  # the user is told about it
    token = (demo / "console-token.txt").read_text().strip()

    # WHEN it runs again with --serve
    process = subprocess.Popen(
        [str(COMMSYNC), "demo", "--dir", str(demo), "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _wait_for_console(process)
        headers = {"Authorization": f"Bearer {token}"}
        # THEN the first run's token still signs in, and the emulator still answers the sync loop
        assert (demo / "console-token.txt").read_text().strip() == token
        assert requests.get(f"{url}/console", timeout=10).status_code == 200
        mailboxes = requests.get(f"{url}/integrations/demo/exchange/mailboxes", headers=headers, timeout=10)
        assert mailboxes.status_code == 200, mailboxes.text
        assert len(mailboxes.json()) == 3

        # AND a third demo run is refused, naming the running one, and changes nothing
        config_before = (demo / "commsync.toml").read_bytes()
        again = subprocess.run(
            [str(COMMSYNC), "demo", "--dir", str(demo)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 2
        assert "commsync demo --serve" in again.stderr and url in again.stderr
        assert (demo / "commsync.toml").read_bytes() == config_before
        assert requests.get(f"{url}/integrations", headers=headers, timeout=10).status_code == 200
    finally:
        # AND Ctrl-C stops it cleanly
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
