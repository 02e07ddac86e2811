"""`commsync demo`: a sample mailbox export served by the bundled EWS emulator and synced end to end
through the real Exchange path (exchangelib, NTLM, impersonation) on the embedded default (local mode)."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from commsync.demo.export import write_demo_mailboxes
from commsync.local_config import load_config
from commsync.local_mode import apply_config, open_local, run_once
from commsync.output import ProgressPrinter, print_outcomes

BUCKET = "demo"
SERVICE_ACCOUNT = "DEMO\\svc-commsync"
SECRET = "demo-exchange"  # noqa: S105  (the name of a secret, not its value)


def _console_token(root: Path) -> str:
    """A `modify` API token for the console: its hash goes into the config, the token itself into a
    file only the user can read (never onto the terminal or into a log)."""
    from commsync.api.tokens import config_snippet, issue_token
    from commsync.models.access import Permission

    token, record = issue_token("demo", [Permission.MODIFY], datetime.now(UTC))
    path = root / "console-token.txt"
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return "\n" + config_snippet(record)


def _config_text(mailboxes: list[str], endpoint: str) -> str:
    lines = [
        "# Written by `commsync demo`; the README documents every key.",
        'store = "store"',
        'secrets_file = "secrets.toml"',
        "",
        "[[integrations]]",
        'project = "demo"',
        'name = "exchange"',
        'kind = "ews"',
        f'endpoint = "{endpoint}"',
        f'bucket = "{BUCKET}"',
        f'secret = "{SECRET}"',
        # The emulator speaks plain HTTP on loopback; a real server needs https://.
        'options = { auth = "ntlm", access = "impersonation", allow_insecure_loopback = true }',
    ]
    for address in mailboxes:
        lines += ["", "[[integrations.mailboxes]]", f'address = "{address}"', "poll_interval_seconds = 60"]
    return "\n".join(lines) + "\n"


def _write_secret(path: Path) -> str:
    password = secrets.token_urlsafe(18)
    account = SERVICE_ACCOUNT.replace("\\", "\\\\")
    path.write_text(f'[{SECRET}]\nusername = "{account}"\npassword = "{password}"\n', encoding="utf-8")
    path.chmod(0o600)
    return password


def run_demo(root: Path, out: TextIO, err: TextIO) -> int:
    # The emulators are a sibling package installed with the project (never in the Lambda layer).
    from emulators.ews import EwsEmulator
    from emulators.server import running

    root = root.resolve()
    summary = write_demo_mailboxes(root / "mail")
    print(
        f"Wrote {summary.files} sample emails ({summary.distinct_messages} distinct) in "
        f"{len(summary.mailboxes)} mailboxes under {root / 'mail'}",
        file=out,
    )
    password = _write_secret(root / "secrets.toml")
    emulator = EwsEmulator.from_directory(root / "mail", users={SERVICE_ACCOUNT: password})
    config_path = root / "commsync.toml"
    with running(emulator.server(port=0)) as server:
        endpoint = server.url + "/EWS/Exchange.asmx"
        config_path.write_text(
            _config_text(summary.mailboxes, endpoint) + _console_token(root), encoding="utf-8"
        )
        print(f"Serving them from the bundled Exchange (EWS) emulator at {endpoint}", file=out)
        runtime = open_local(load_config(config_path))
        try:
            apply_config(runtime)
            print(
                f"Syncing in local mode (SQLite + files) as {SERVICE_ACCOUNT}, NTLM, impersonation...",
                file=out,
                flush=True,
            )
            outcomes = run_once(runtime, ProgressPrinter(err))
            code = print_outcomes(outcomes, out)
            comments_dir = runtime.config.store / "comments" / BUCKET
            comments = sorted(comments_dir.glob("*.json"))
        finally:
            runtime.close()
        calls = emulator.stats.snapshot()
    operations = ", ".join(f"{name[3:]} {n}" for name, n in sorted(calls.items()) if name.startswith("op:"))
    print(f"\nEWS requests: {operations}", file=out)
    print(f"{len(comments)} comments, one JSON file each, in {comments_dir}", file=out)
    if comments:
        # The largest comment is the richest one to look at first (a thread reply with attachments).
        print(f"For example: {max(comments, key=lambda p: p.stat().st_size)}", file=out)
    # Name the command as it was invoked (.venv/bin/commsync after `make demo`), so it can be pasted.
    command = Path(sys.argv[0]).as_posix() if Path(sys.argv[0]).name == "commsync" else "commsync"
    print("\nNext:", file=out)
    print(f"  {command} serve --config {config_path}", file=out)
    token_file = root / "console-token.txt"
    print(f"      then open http://127.0.0.1:8787/console; sign in with the token in {token_file}", file=out)
    print(f"  {command} status --config {config_path}", file=out)
    print(f"  {command} parse FILE.eml                 # one email's comment JSON", file=out)
    print(f"  {command} demo --dir {root}   # again: the same mailboxes, nothing duplicated", file=out)
    return code
