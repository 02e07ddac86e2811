"""`commsync-emulator graph` as a user runs it: HTTPS, tokens checked against the identity
emulator's published keys, an application access policy from --deny, clean stop on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from emulators.identity import IdentityEmulator
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN, BOB, CLIENT_ID, GRAPH, TENANT, message, write_corpus
from tests.support.mail import write_eml

pytestmark = pytest.mark.integration
CONSOLE_SCRIPT = Path(sys.executable).parent / "commsync-emulator"


def test_the_console_script_serves_graph_over_https_and_stops_cleanly(tmp_path: Path) -> None:
    # GIVEN an identity emulator, and the Graph emulator started on a mail tree, denying Bob to the app
    write_corpus(tmp_path / "data", count=4)
    write_eml(tmp_path / "data", BOB, "Inbox", "1.eml", message(1, "Carol <carol@fabrikam.example>", to=BOB))
    tls = self_signed(tmp_path / "tls")
    idp = IdentityEmulator()
    idp.add_app(TENANT, CLIENT_ID, secret="s", roles={GRAPH: ["Mail.Read"]})
    with idp.serving(tls=tls):
        command: list[str | Path] = [
            CONSOLE_SCRIPT,
            "graph",
            "--port",
            "0",
            "--data",
            tmp_path / "data",
            "--tls",
            tmp_path / "tls",
        ]
        command += [
            "--identity",
            str(idp.url),
            "--identity-ca",
            str(tls.cert),
            "--deny",
            f"{CLIENT_ID}={BOB}",
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            assert line.startswith("listening on https://127.0.0.1:"), line
            root = line.removeprefix("listening on ") + "/v1.0"
            headers = {"Authorization": f"Bearer {idp.app_token(TENANT, CLIENT_ID, GRAPH)}"}

            # WHEN the app reads Ann's inbox, and Bob's
            ann = requests.get(
                f"{root}/users/{ANN}/mailFolders/inbox", headers=headers, verify=str(tls.cert), timeout=10
            )
            bob = requests.get(
                f"{root}/users/{BOB}/mailFolders/inbox", headers=headers, verify=str(tls.cert), timeout=10
            )
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=10)

    # THEN Ann's inbox was served, Bob's withheld, and the process exited 0
    assert ann.status_code == 200 and ann.json()["totalItemCount"] == 2
    assert (bob.status_code, bob.json()["error"]["code"]) == (403, "ErrorAccessDenied")
    assert process.returncode == 0, err
