"""The demo's secrets, written once and reused by every later run (issue 23).

A console signed in with the demo's token, or a `serve` started from its config, keeps working
when the demo runs again: the token and the service account's password change only when their
files are deleted.
"""

from __future__ import annotations

import secrets
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from commsync.api.tokens import PREFIX, config_snippet, issue_token
from commsync.models.access import ApiToken, Permission, token_sha256

TOKEN_FILE = "console-token.txt"  # noqa: S105  (a file name)
TOKEN_NAME = "demo"  # noqa: S105  (who holds it)


def console_token(root: Path) -> str:
    """The config entry of the console's `modify` token. The token itself lives only in a file
    the user alone can read (never on the terminal or in a log)."""
    path = root / TOKEN_FILE
    existing = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    if existing.startswith(PREFIX):
        created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        record = ApiToken(
            name=TOKEN_NAME,
            sha256=token_sha256(existing),
            permissions=[Permission.MODIFY],
            created_at=created,
        )
        return config_snippet(record)
    token, record = issue_token(TOKEN_NAME, [Permission.MODIFY], datetime.now(UTC))
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return config_snippet(record)


def service_password(path: Path, secret: str, account: str) -> str:
    """The emulator's service-account password, kept in the demo's secrets file."""
    try:
        with path.open("rb") as handle:
            password = tomllib.load(handle).get(secret, {}).get("password")
    except (OSError, tomllib.TOMLDecodeError):
        password = None
    if isinstance(password, str) and password:
        return password
    password = secrets.token_urlsafe(18)
    escaped = account.replace("\\", "\\\\")
    path.write_text(f'[{secret}]\nusername = "{escaped}"\npassword = "{password}"\n', encoding="utf-8")
    path.chmod(0o600)
    return password
