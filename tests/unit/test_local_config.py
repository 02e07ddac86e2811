"""The local config file: errors name the field in the file, paths are relative to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsync.errors import ConfigError
from commsync.local_config import load_config

VALID = """
store = "state"
[[integrations]]
project = "acme"
name = "exports"
kind = "eml"
endpoint = "mail"
bucket = "acme-mail"
[[integrations.mailboxes]]
address = "ann@northwind.example"
folders = { deny = ["Junk Email"] }
"""


def test_given_relative_paths_then_they_resolve_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "conf.toml").write_text(VALID)

    config = load_config(tmp_path / "conf.toml")

    assert config.store == tmp_path / "state"
    assert config.integrations[0].endpoint == str(tmp_path / "mail")
    assert config.integrations[0].mailboxes[0].folders.deny == ["Junk Email"]


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ('kind = "eml"', 'kind = "imap"', "integrations.0.kind"),
        ('address = "ann@northwind.example"', 'address = "a/b"', "integrations.0.mailboxes.0.address"),
        ('bucket = "acme-mail"', 'bucket = "acme-mail"\nbukket = "x"', "integrations.0.bukket"),
        (
            'folders = { deny = ["Junk Email"] }',
            "poll_interval_seconds = 0",
            "integrations.0.mailboxes.0.poll_interval_seconds",
        ),
    ],
)
def test_given_a_bad_value_then_the_error_names_its_field(
    tmp_path: Path, replace: str, by: str, field: str
) -> None:
    (tmp_path / "conf.toml").write_text(VALID.replace(replace, by))

    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_config(tmp_path / "conf.toml")


def test_given_invalid_toml_or_no_file_then_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("store = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
