"""`commsync demo`: a sample mailbox export served by the bundled EWS emulator and synced end to end
through the real Exchange path (exchangelib, NTLM, impersonation) on the embedded default (local mode).
With `--serve` the emulator, the API and the console then stay up until Ctrl-C (demo/serve.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from commsync.adapters.local.serve_lock import holding_store
from commsync.demo.credentials import TOKEN_FILE, console_token, service_password
from commsync.demo.export import write_demo_mailboxes
from commsync.local_config import load_config
from commsync.local_mode import apply_config, open_local, run_once
from commsync.output import print_outcomes
from commsync.progress import SyncProgress, count_emails

BUCKET = "demo"
SERVICE_ACCOUNT = "DEMO\\svc-commsync"
SECRET = "demo-exchange"  # noqa: S105  (the name of a secret, not its value)
STORE = "store"


def _config_text(mailboxes: list[str], endpoint: str) -> str:
    lines = [
        "# Written by `commsync demo`; docs/configuration.md documents every key.",
        f'store = "{STORE}"',
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


def run_demo(
    root: Path,
    out: TextIO,
    err: TextIO,
    serve: bool = False,
    port: int | None = None,
    host: str | None = None,
) -> int:
    root = root.resolve()
    # Refused before anything is written when a server runs on this demo (issue 23, item 2).
    with holding_store(
        root / STORE, exclusive=True, what="stop it (Ctrl-C) before running the demo again"
    ) as lock:
        return _run(root, out, err, serve, port, host, lock)


def _run(
    root: Path, out: TextIO, err: TextIO, serve: bool, port: int | None, host: str | None, lock: TextIO
) -> int:
    # The emulators are a sibling package installed with the project (never in the Lambda layer).
    from emulators.ews import EwsEmulator
    from emulators.server import running

    summary = write_demo_mailboxes(root / "mail")
    print(
        f"Wrote {summary.files} sample emails ({summary.distinct_messages} distinct) in "
        f"{len(summary.mailboxes)} mailboxes under {root / 'mail'}",
        file=out,
    )
    password = service_password(root / "secrets.toml", SECRET, SERVICE_ACCOUNT)
    emulator = EwsEmulator.from_directory(root / "mail", users={SERVICE_ACCOUNT: password})
    config_path = root / "commsync.toml"
    with running(emulator.server(port=0)) as server:
        endpoint = server.url + "/EWS/Exchange.asmx"
        config_path.write_text(
            _config_text(summary.mailboxes, endpoint) + "\n" + console_token(root), encoding="utf-8"
        )
        print(f"Serving them from the bundled Exchange (EWS) emulator at {endpoint}", file=out)
        code, comments_dir = _sync(config_path, out, err)
        calls = emulator.stats.snapshot()
        operations = ", ".join(
            f"{name[3:]} {n}" for name, n in sorted(calls.items()) if name.startswith("op:")
        )
        print(f"\nEWS requests: {operations}", file=out)
        comments = sorted(comments_dir.glob("*.json"))
        print(f"{len(comments)} comments, one JSON file each, in {comments_dir}", file=out)
        if comments:
            # The largest comment is the richest one to look at first (a thread reply with attachments).
            print(f"For example: {max(comments, key=lambda p: p.stat().st_size)}", file=out)
        if serve:
            from commsync.demo.serve import serve_until_stopped

            return serve_until_stopped(config_path, port, host, lock, out) or code
    _next_steps(root, config_path, out)
    return code


def _sync(config_path: Path, out: TextIO, err: TextIO) -> tuple[int, Path]:
    runtime = open_local(load_config(config_path))
    try:
        apply_config(runtime)
        print(
            f"Syncing in local mode (SQLite + files) as {SERVICE_ACCOUNT}, NTLM, impersonation...",
            file=out,
            flush=True,
        )
        mail = config_path.parent / "mail"
        totals = {
            m.address: count_emails(mail / m.address)
            for i in runtime.config.integrations
            for m in i.mailboxes
        }
        with SyncProgress(err, totals) as progress:
            outcomes = run_once(runtime, progress)
        return print_outcomes(outcomes, out), runtime.config.store / "comments" / BUCKET
    finally:
        runtime.close()


def _next_steps(root: Path, config_path: Path, out: TextIO) -> None:
    # Name the command as it was invoked (.venv/bin/commsync after `make demo`), so it can be pasted.
    command = Path(sys.argv[0]).as_posix() if Path(sys.argv[0]).name == "commsync" else "commsync"
    print("\nNext:", file=out)
    print(f"  {command} demo --serve --dir {root}", file=out)
    print(
        f"      keeps the emulator, the API and the console up: open http://127.0.0.1:8787/console "
        f"and sign in with the token in {root / TOKEN_FILE}; Ctrl-C stops",
        file=out,
    )
    print(f"  {command} status --config {config_path}", file=out)
    print(f"  {command} parse FILE.eml                 # one email's comment JSON", file=out)
    print(f"  {command} demo --dir {root}   # again: the same mailboxes, nothing duplicated", file=out)
