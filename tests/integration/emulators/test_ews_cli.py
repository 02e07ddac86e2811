"""`commsync-emulator ews` as a user runs it: announces its address, serves exchangelib, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from exchangelib import IMPERSONATION
from exchangelib.errors import ErrorImpersonateUserDenied
from exchangelib.protocol import CachingProtocol

from tests.integration.emulators.test_ews_support import ANN, BOB, PASSWORD, SERVICE, account, write_mailboxes

pytestmark = pytest.mark.integration

CONSOLE_SCRIPT = Path(sys.executable).parent / "commsync-emulator"


def test_the_console_script_serves_exchangelib_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    # GIVEN a mail directory and the console script started with an account and a denial
    write_mailboxes(tmp_path)
    deny = ["--deny", f"{SERVICE}={BOB}"]
    process = subprocess.Popen(
        [CONSOLE_SCRIPT, "ews", "--port", "0", "--data", tmp_path, "--user", f"{SERVICE}:{PASSWORD}", *deny],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()

        # WHEN exchangelib impersonates Ann, then Bob, through the announced endpoint
        assert line.startswith("listening on http://127.0.0.1:"), line
        endpoint = line.removeprefix("listening on ") + "/EWS/Exchange.asmx"
        inbox_count = account(endpoint, ANN, IMPERSONATION).inbox.total_count
        with pytest.raises(ErrorImpersonateUserDenied):
            _ = account(endpoint, BOB, IMPERSONATION).root
    finally:
        CachingProtocol.clear_cache()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)

    # THEN Ann's inbox was served, the process exited 0, and no password was printed
    assert inbox_count == 3
    assert process.returncode == 0, err
    assert PASSWORD not in out + err


def test_a_malformed_user_option_exits_2_without_echoing_it(tmp_path: Path) -> None:
    # GIVEN a --user value without the colon separating name and password
    write_mailboxes(tmp_path)

    # WHEN the console script starts
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "ews", "--data", str(tmp_path), "--user", "EMU\\svc-secret-value"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    # THEN it refuses with exit 2 and does not repeat the value
    assert result.returncode == 2
    assert "--user" in result.stderr and "secret-value" not in result.stderr
