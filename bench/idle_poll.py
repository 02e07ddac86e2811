"""Scenario 2, idle poll cost: a mailbox with 20 mail folders and nothing new, after a first sync.

Ours: one local-mode poll, which opens a fresh connection (as each Lambda poll does), asks
SyncFolderHierarchy for folder changes and SyncFolderItems once per folder from the stored
SyncState (MS-OXWSSYNC 3.1.4.2: an unchanged folder answers with no changes, and the server
reads its change log, never the folder's items).

Naive: what users write today, `folder.filter(datetime_received__gt=last_seen)` per folder,
which exchangelib sends as one FindItem per folder (MS-OXWSSRCH: a restriction the server
evaluates over the folder's items). Its requests are counted as exchangelib sends them; the
emulator evaluates FindItem since issue 21, but the naive time is not reported.

Run: `.venv/bin/python -m bench.idle_poll [--repeats R]`.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Scenario, command_line, finish, measured, median, parser
from bench.emulator_process import EmulatorProcess
from bench.mailgen import email_of_size

MODULE = "bench.idle_poll"
MAILBOX = "ann.lee@contoso.example"
# With the six standard folders every mailbox has (Inbox, Sent Items, Deleted Items, Drafts,
# Junk Email, Outbox) these make 20 mail folders.
EXTRA_FOLDERS = [
    "Inbox/Projects",
    "Inbox/Projects/Alpha",
    "Inbox/Projects/Beta",
    "Inbox/Customers",
    "Inbox/Customers/Northwind",
    "Inbox/Customers/Fabrikam",
    "Inbox/Invoices",
    "Archive",
    "Archive/2021",
    "Archive/2022",
    "Archive/2023",
    "Newsletters",
    "Team",
    "Team/Hiring",
]
EMAILS_PER_FOLDER = 25
# Requests that read a change log or the folder tree, never a folder's items.
FOLDER_LEVEL_OPS = ("SyncFolderHierarchy", "SyncFolderItems", "GetFolder", "FindFolder")


def main() -> None:
    args = parser(__doc__.splitlines()[0] if __doc__ else MODULE).parse_args()
    scenario = Scenario("idle_poll", command_line(MODULE, ["--repeats", str(args.repeats)]))
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp:
        data = Path(tmp) / "data"
        _write_mailbox(data)
        with EmulatorProcess(data) as emulator:
            ours = _ours(emulator, Path(tmp) / "work", args.repeats)
            naive = _naive(emulator)
    folders = naive["folders"]  # as exchangelib lists them (FindFolder, Deep)
    soap = ours["soap_requests"]
    scenario.add("mail_folders", folders)
    scenario.add("http_requests", ours["http_requests"])
    scenario.add("soap_requests", soap)
    scenario.add(
        "sync_folder_items_per_folder",
        ours["sync_folder_items"] / folders,
        "<= 1",
        ours["sync_folder_items"] <= folders,
    )
    scenario.add("soap_requests_per_folder", soap / folders)
    scenario.add("item_scans", ours["item_scans"], "= 0 (never a scan)")
    scenario.add("ms", ours["ms"])
    scenario.add("naive_http_requests", naive["http_requests"])
    scenario.add("naive_find_item_requests", naive["find_item"])
    scenario.add("naive_find_item_per_folder", naive["find_item"] / folders)
    scenario.notes.append(
        f"ours per poll: {ours['ops']}; the NTLM handshake adds {ours['auth_challenges']} HTTP 401 legs "
        "because each poll opens a new connection"
    )
    scenario.notes.append(
        "naive = exchangelib folder.filter(datetime_received__gt=...) per folder: one FindItem each, "
        "a server-side search over the folder's items; its time is not measured"
    )
    finish(scenario, args.emit)


def _write_mailbox(data: Path) -> None:
    folders = ["Inbox", "Sent Items", *EXTRA_FOLDERS]
    n = 0
    for folder in folders:
        for _ in range(EMAILS_PER_FOLDER):
            path = data / MAILBOX / folder / f"{n:05d}.eml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(email_of_size(n, 8_000))
            n += 1


def _ours(emulator: EmulatorProcess, work: Path, repeats: int) -> dict[str, Any]:
    from bench.ews_clients import local_runtime
    from commsync.local_mode import run_once
    from commsync.services.poll import PollStatus

    work.mkdir()
    runtime = local_runtime(work, emulator.endpoint, MAILBOX)
    try:
        first = next(iter(run_once(runtime).values()))  # the first sync, not measured
        assert first.status is PollStatus.DONE, first.error
        polls = []
        for _ in range(max(repeats, 1) * 3):
            before = emulator.stats()
            with measured() as clock:
                outcome = next(iter(run_once(runtime).values()))
            served = emulator.delta(before)
            if outcome.status is not PollStatus.DONE or outcome.counts.created:
                raise RuntimeError(f"an idle poll did work or failed: {outcome}")
            polls.append((clock.wall * 1000, served))
    finally:
        runtime.close()
    served = polls[-1][1]
    ops = {k.removeprefix("op:"): v for k, v in sorted(served.items()) if k.startswith("op:")}
    # Every SOAP request, the ones the emulator does not implement (FindItem) included: they are
    # answered, and counted as HTTP requests, but never as an `op:`.
    soap = served.get("http_requests", 0) - served.get("auth_challenges", 0)
    return {
        "ms": median([ms for ms, _ in polls]),
        "http_requests": served.get("http_requests", 0),
        "auth_challenges": served.get("auth_challenges", 0),
        "soap_requests": soap,
        "sync_folder_items": ops.get("SyncFolderItems", 0),
        # Whatever is not a folder-level read (a FindItem search, a GetItem of unchanged items)
        # reads items: an idle poll must send none.
        "item_scans": soap - sum(ops.get(name, 0) for name in FOLDER_LEVEL_OPS),
        "ops": ops,
    }


def _naive(emulator: EmulatorProcess) -> dict[str, Any]:
    from exchangelib.errors import EWSError

    from bench.ews_clients import mail_folders, plain_account

    account, close = plain_account(emulator.endpoint, MAILBOX, fixed=True)
    last_seen = datetime.now(UTC)
    try:
        folders = mail_folders(account)  # listed once, as a long-running script would
        before = emulator.stats()
        failures = 0
        for folder in folders:
            try:
                list(folder.filter(datetime_received__gt=last_seen).only("datetime_received"))
            except EWSError:
                failures += 1
        served = emulator.delta(before)
    finally:
        close()
    return {
        "http_requests": served.get("http_requests", 0),
        "find_item": served.get("op:FindItem", 0),
        "failures": failures,
        "folders": len(folders),
    }


if __name__ == "__main__":
    main()
