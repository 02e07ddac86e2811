"""Secrets for local mode: a TOML file of tables, or COMMSYNC_SECRET_<NAME>_<KEY> variables.

Environment values win so that CI and containers need no file on disk.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from commsync.errors import IntegrationError
from commsync.observability import redacting_filter


def _env_name(name: str) -> str:
    return "COMMSYNC_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_"


class FileSecrets:
    def __init__(self, path: Path | None, environ: Mapping[str, str]) -> None:
        self._path = path
        self._environ = environ

    def get(self, name: str) -> dict[str, SecretStr]:
        values: dict[str, SecretStr] = {}
        if self._path and self._path.is_file():
            with self._path.open("rb") as handle:
                table = tomllib.load(handle).get(name, {})
            if not isinstance(table, dict):
                raise IntegrationError(f"secret {name!r} in {self._path.name} must be a table of keys")
            values.update({str(k): SecretStr(str(v)) for k, v in table.items()})
        prefix = _env_name(name)
        for variable, text in self._environ.items():
            if variable.startswith(prefix):
                values[variable[len(prefix) :].lower()] = SecretStr(text)
        if not values:
            raise IntegrationError(f"secret {name!r} not found (secrets file or {prefix}<KEY> variables)")
        for value in values.values():
            redacting_filter.remember(value.get_secret_value())
        return values
