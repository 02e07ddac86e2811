"""`commsync-emulator identity`: announces its HTTPS address, serves msal, stops on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import msal
import pytest

from emulators.identity import trusting_session

pytestmark = pytest.mark.integration

EMULATOR = Path(sys.executable).parent / "commsync-emulator"
APP, SECRET = "8c0f9d5e-3b1a-4e7c-9f2d-6a5b4c3d2e1f", "Cl1~console-script-secret"
ALICE_PASSWORD = "Pw-console-1"


def _data_file(tmp_path: Path, password: object = ALICE_PASSWORD) -> Path:
    data = {
        "tenants": {
            "contoso": {
                "apps": [
                    {
                        "client_id": APP,
                        "secrets": [{"value": SECRET}],
                        "roles": {"https://graph.microsoft.com": []},
                    }
                ],
                "users": [{"upn": "alice@contoso.example", "password": password}],
            }
        },
        "token_lifetime_seconds": 600,
    }
    path = tmp_path / "identity.json"
    path.write_text(json.dumps(data))
    return path


def test_console_script_serves_https_until_sigterm(tmp_path: Path) -> None:
    # GIVEN the console script started without --tls
    process = subprocess.Popen(
        [str(EMULATOR), "identity", "--port", "0", "--data", str(_data_file(tmp_path))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # WHEN it is ready
        assert process.stdout is not None and process.stderr is not None
        announced = process.stdout.readline().strip()
        match = re.fullmatch(r"listening on (https://127\.0\.0\.1:\d+)", announced)
        assert match, announced
        cert = re.search(r"TLS certificate in (\S+)", process.stderr.readline())
        assert cert, "the certificate's path is printed on stderr"

        # THEN msal, trusting the printed certificate, gets a token with the file's lifetime
        app = msal.ConfidentialClientApplication(
            APP,
            client_credential=SECRET,
            authority=f"{match.group(1)}/contoso",
            instance_discovery=False,
            http_client=trusting_session(Path(cert.group(1))),
        )
        result = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])
        assert result.get("expires_in") == 600, result
    finally:
        # AND it exits 0 on SIGTERM
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_an_invalid_data_file_exits_2_without_echoing_passwords(tmp_path: Path) -> None:
    # GIVEN a data file whose password has the wrong type
    data = _data_file(tmp_path, password=918273645)

    # WHEN the emulator starts with it
    run = subprocess.run(
        [str(EMULATOR), "identity", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # THEN it refuses with the field's path, and the value appears nowhere
    assert run.returncode == 2
    assert "tenants.contoso.users.0.password" in run.stderr
    assert "918273645" not in run.stderr + run.stdout
