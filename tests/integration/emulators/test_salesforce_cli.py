"""`commsync-emulator salesforce`: loads the data file, announces its address, serves, stops on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

EMULATOR = Path(sys.executable).parent / "commsync-emulator"
KEY, SECRET = "3MVG9cli.consumer", "Cli-Consumer-Secret"  # test credential
PASSWORD = "Cli-Pa55word"  # test credential


def _data_file(tmp_path: Path, password: object = PASSWORD) -> Path:
    data = {
        "orgs": [
            {
                "name": "Acme",
                "users": [{"username": "ops@acme.example", "password": password}],
                "objects": {
                    "Case": {
                        "records": [{"Subject": "Printer on fire", "SystemModstamp": "2024-03-01T09:30:00Z"}]
                    },
                    "Feedback__c": {
                        "label": "Feedback",
                        "fields": [{"name": "Body__c", "type": "textarea"}],
                        "records": [{"Name": "F-1", "Body__c": "Quick refund, thanks."}],
                    },
                },
            }
        ],
        "connected_apps": [{"consumer_key": KEY, "consumer_secret": SECRET, "callback_urls": []}],
        "session_seconds": 600,
    }
    path = tmp_path / "salesforce.json"
    path.write_text(json.dumps(data))
    return path


def test_console_script_serves_the_data_file_until_sigterm(tmp_path: Path) -> None:
    # GIVEN the console script started on a free port
    process = subprocess.Popen(
        [str(EMULATOR), "salesforce", "--port", "0", "--data", str(_data_file(tmp_path))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        announced = process.stdout.readline().strip()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", announced)
        assert match, announced
        url = match.group(1)

        # WHEN a client asks for versions and, unauthenticated, for data
        versions = requests.get(f"{url}/services/data/", timeout=10)
        anonymous = requests.get(
            f"{url}/services/data/v60.0/query", params={"q": "SELECT Id FROM Case"}, timeout=10
        )

        # THEN it answers as Salesforce does
        assert versions.status_code == 200 and versions.json()[-1]["version"] == "60.0"
        assert anonymous.status_code == 401 and anonymous.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    # AND SIGTERM stops it cleanly
    assert process.returncode == 0


def test_an_invalid_data_file_exits_2_without_echoing_secrets(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(EMULATOR), "salesforce", "--port", "0", "--data", str(_data_file(tmp_path, password=None))],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "orgs.0.users.0.password" in result.stderr
    assert SECRET not in result.stderr
