"""Secrets for local mode: a TOML file of tables, or COMMSYNC_SECRET_<NAME>_<KEY> variables.

Environment values win so that CI and containers need no file on disk. Secrets set through the
API (and refresh tokens from OAuth) are merged into the file, which is rewritten whole with
owner-only permissions: comments in it are not kept.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from commsync.errors import ConfigError, IntegrationError
from commsync.observability import redacting_filter


def _env_name(name: str) -> str:
    return "COMMSYNC_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_"


class FileSecrets:
    def __init__(self, path: Path | None, environ: Mapping[str, str]) -> None:
        self._path = path
        self._environ = environ
        # `commsync serve` answers on many threads: a put is read-modify-write of one file, and
        # two at once must not lose either's keys (issue 16).
        self._writing = threading.Lock()

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
            raise IntegrationError(self._not_found(name, prefix))
        for value in values.values():
            redacting_filter.remember(value.get_secret_value())
        return values

    def _not_found(self, name: str, prefix: str) -> str:
        # Name the file by its path (issue 23): "not found" alone sent users looking for a typo
        # in the secret's name when the file itself was missing.
        if self._path is None:
            return f"secret {name!r} not found: no secrets file is configured and no {prefix}<KEY> variables"
        if not self._path.is_file():
            return (
                f"secret {name!r} not found: the secrets file {self._path} does not exist "
                f"(and no {prefix}<KEY> variables are set)"
            )
        return f"secret {name!r} not found: no [{name}] table in {self._path} and no {prefix}<KEY> variables"

    def put(self, name: str, values: Mapping[str, str]) -> None:
        if self._path is None:
            raise ConfigError("no secrets_file is configured: secrets cannot be stored")
        with self._writing:
            self._put(self._path, name, values)

    def _put(self, path: Path, name: str, values: Mapping[str, str]) -> None:
        data: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        table = data.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"secret {name!r} in {path.name} must be a table of keys")
        data[name] = {**table, **values}
        _write_private(path, _dump(data))
        for value in values.values():
            redacting_filter.remember(value)

    def forget(self, name: str) -> None:
        """Nothing to drop: the file is read afresh on every get."""

    def delete(self, name: str) -> None:
        if self._path is None:
            return
        with self._writing:
            if not self._path.is_file():
                return
            with self._path.open("rb") as handle:
                data = tomllib.load(handle)
            if data.pop(name, None) is not None:
                _write_private(self._path, _dump(data))


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string, except that TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    raise ConfigError(f"secrets file: {where} holds a {type(value).__name__}; only strings are kept")


def _dump(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for name, table in data.items():
        if not isinstance(table, dict):
            lines.append(f"{_toml_string(name)} = {_toml_value(table, name)}")
    for name, table in data.items():
        if isinstance(table, dict):
            lines += ["", f"[{_toml_string(name)}]"]
            lines += [f"{_toml_string(k)} = {_toml_value(v, f'{name}.{k}')}" for k, v in table.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _write_private(path: Path, text: str) -> None:
    """Write then rename, readable by the owner only: a crash never leaves half a secrets file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-secrets-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
