"""Secrets come from the secrets port and never leave it: not in logs, not in reprs."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import IntegrationError
from commsync.observability import logger

PASSWORD = "Tr0ub4dor&3-horse"  # test credential, not a real one


def test_file_and_environment_secrets_merge_with_the_environment_winning(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('[exchange]\nusername = "EMU\\\\svc-sync"\npassword = "from-file"\n')
    secrets = FileSecrets(path, {"COMMSYNC_SECRET_EXCHANGE_PASSWORD": PASSWORD})

    values = secrets.get("exchange")

    assert values["username"].get_secret_value() == "EMU\\svc-sync"
    assert values["password"].get_secret_value() == PASSWORD
    assert PASSWORD not in repr(values) and PASSWORD not in str(values)


def test_a_missing_secret_is_an_integration_error_naming_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(IntegrationError, match="COMMSYNC_SECRET_SALESFORCE_PROD_"):
        FileSecrets(tmp_path / "none.toml", {}).get("salesforce-prod")


def test_a_secret_read_through_the_port_is_masked_in_every_log_record(tmp_path: Path) -> None:
    FileSecrets(None, {"COMMSYNC_SECRET_EXCHANGE_PASSWORD": PASSWORD}).get("exchange")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger(logger.name).addHandler(handler)
    try:
        logger.warning(f"login failed for svc-sync with {PASSWORD}")
        logger.warning("retrying", extra={"detail": "Authorization: Bearer eyJhbGciOi.abc.def"})
        logger.warning("token response %s", '{"access_token": "eyJ0eXAi.xyz", "expires_in": 3599}')
    finally:
        logging.getLogger(logger.name).removeHandler(handler)

    output = stream.getvalue()
    assert PASSWORD not in output and "eyJ0eXAi.xyz" not in output and "eyJhbGciOi" not in output
    assert "login failed for svc-sync with ***" in output
