"""Through the console scripts: a poller killed with SIGKILL at random points loses and doubles
nothing, and `commsync status` / `commsync enable` show and clear a disable (issue 6)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from commsync.local_config import load_config
from commsync.local_mode import open_local
from commsync.models import MailboxRef, PollJob
from commsync.models.common import utc_now
from commsync.models.usage import usage_period
from commsync.services.poll import PollLimits, PollOutcome, PollStatus, poll
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
ANN, BOB = "ann@contoso.example", "bob@contoso.example"
USER, PASSWORD = "CORP\\svc-sync", "Spring-2024-kill!"


@contextmanager
def emulator_process(data: Path, *extra: str) -> Iterator[str]:
    """`commsync-emulator ews` as its own process, so that killing the poller leaves it running."""
    process = subprocess.Popen(
        [
            str(BIN / "commsync-emulator"),
            "ews",
            "--port",
            "0",
            "--data",
            str(data),
            "--user",
            f"{USER}:{PASSWORD}",
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("listening on "), line
        yield line.removeprefix("listening on ") + "/EWS/Exchange.asmx"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def _config(tmp: Path, endpoint: str, mailboxes: list[str], **top: object) -> Path:
    (tmp / "secrets.toml").write_text(
        f'[svc]\nusername = "{USER.replace(chr(92), chr(92) * 2)}"\npassword = "{PASSWORD}"\n'
    )
    lines = ['store = "store"', 'secrets_file = "secrets.toml"', *(f"{k} = {v}" for k, v in top.items()), ""]
    lines += [
        "[[integrations]]",
        'project = "acme"',
        'name = "exchange"',
        'kind = "ews"',
        f'endpoint = "{endpoint}"',
        'bucket = "acme-mail"',
        'secret = "svc"',
        'options = { auth = "ntlm", access = "impersonation", allow_insecure_loopback = true }',
    ]
    for address in mailboxes:
        lines += ["", "[[integrations.mailboxes]]", f'address = "{address}"']
    path = tmp / "commsync.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _commsync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "commsync"), *args], capture_output=True, text=True, timeout=180, check=False
    )


def test_sigkill_at_random_points_of_a_backfill_loses_and_doubles_nothing(tmp_path: Path) -> None:
    # GIVEN a mailbox of 300 emails in three folders, synced 10 per page
    data = tmp_path / "data"
    for n in range(300):
        write_eml(data, ANN, ["Inbox", "Inbox/Orders", "Sent Items"][n % 3], f"{n}.eml", email_bytes(n))
    rng = random.Random(20240603)
    with emulator_process(data) as endpoint:
        config = _config(tmp_path, endpoint, [ANN], page_size=10)

        # WHEN the poller is killed with SIGKILL at random moments, eight times. A moment is a random
        # amount of progress plus a random delay, not a wall-clock time: on a faster machine a timed
        # kill can come after the backfill ended and prove nothing
        store = tmp_path / "store" / "comments" / "acme-mail"
        kills = 0
        for _ in range(8):
            target = _stored(store) + rng.randint(5, 30)
            process = subprocess.Popen(
                [str(BIN / "commsync"), "run", "--config", str(config), "--once"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while process.poll() is None and _stored(store) < target and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.05))
            if process.poll() is None:
                process.kill()
                kills += 1
            process.wait(timeout=30)
        # ... and then runs to the end
        final = _commsync("run", "--config", str(config), "--once")

    # THEN every email is exactly one comment, and usage counted each once
    assert final.returncode == 0, final.stdout + final.stderr
    assert kills == 8  # every kill really interrupted the backfill
    comments = sorted((tmp_path / "store" / "comments" / "acme-mail").glob("*.json"))
    ids = {bytes.fromhex(p.stem).decode() for p in comments}
    assert ids == {f"<order-{n}@northwind.example>" for n in range(300)}
    runtime = open_local(load_config(config))
    try:
        created = json.loads(comments[0].read_bytes())["created_at"]
        assert runtime.engine.state.get_usage("acme", usage_period_of(created)).ai_units == 300
    finally:
        runtime.close()


def test_after_a_sigkill_two_pollers_receiving_the_same_mailbox_still_double_nothing(tmp_path: Path) -> None:
    # GIVEN a backfill of 90 emails killed with SIGKILL part-way, three times
    data = tmp_path / "data"
    for n in range(90):
        write_eml(data, ANN, ["Inbox", "Sent Items"][n % 2], f"{n}.eml", email_bytes(n))
    rng = random.Random(20241202)
    with emulator_process(data) as endpoint:
        config = _config(tmp_path, endpoint, [ANN], page_size=5)
        store = tmp_path / "store" / "comments" / "acme-mail"
        kills = 0
        for _ in range(3):
            target = _stored(store) + rng.randint(5, 15)
            process = subprocess.Popen(
                [str(BIN / "commsync"), "run", "--config", str(config), "--once"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while process.poll() is None and _stored(store) < target and time.monotonic() < deadline:
                time.sleep(0.005)
            if process.poll() is None:
                process.kill()
                kills += 1
            process.wait(timeout=30)
        assert kills == 3 and _stored(store) < 90

        # WHEN the killed poll's job is received by two pollers at once (a FIFO message seen
        # again past its visibility timeout), from the checkpoints the kill left
        runtime = open_local(load_config(config))
        try:
            job = PollJob(mailbox=MailboxRef(integration="acme/exchange", address=ANN), enqueued_at=utc_now())
            outcomes: list[PollOutcome] = []
            threads = [
                threading.Thread(
                    target=lambda: outcomes.append(poll(runtime.engine, job, limits=PollLimits(page_size=5)))
                )
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            # ... and a last poll finishes whatever a superseded one left
            last = poll(runtime.engine, job)

            # THEN every email is exactly one comment, charged once
            comments = sorted(store.glob("*.json"))
            ids = {bytes.fromhex(p.stem).decode() for p in comments}
            assert {o.status for o in outcomes} <= {PollStatus.DONE, PollStatus.SUPERSEDED}
            assert last.status is PollStatus.DONE
            assert ids == {f"<order-{n}@northwind.example>" for n in range(90)}
            created = json.loads(comments[0].read_bytes())["created_at"]
            assert runtime.engine.state.get_usage("acme", usage_period_of(created)).ai_units == 90
        finally:
            runtime.close()


def _stored(store: Path) -> int:
    return len(list(store.glob("*.json"))) if store.is_dir() else 0


def usage_period_of(timestamp: str) -> str:
    from datetime import datetime

    return usage_period(datetime.fromisoformat(timestamp.replace("Z", "+00:00")))


def test_status_shows_a_disabled_mailbox_with_its_reason_and_enable_clears_it(tmp_path: Path) -> None:
    # GIVEN a service account denied on Bob's mailbox, and failures that count as persistent at once
    data = tmp_path / "data"
    write_eml(data, ANN, "Inbox", "1.eml", email_bytes(1))
    write_eml(data, BOB, "Inbox", "2.eml", email_bytes(2))
    with emulator_process(data, "--deny", f"{USER}={BOB}") as endpoint:
        config = _config(tmp_path, endpoint, [ANN, BOB], disable_after_failures=1, disable_after_minutes=0)

        # WHEN it syncs once
        run = _commsync("run", "--config", str(config), "--once")

        # THEN the run reports Bob's failure, and status shows him disabled with the reason and the fix
        assert run.returncode == 1
        status = _commsync("status", "--config", str(config), "--json")
        doc = json.loads(status.stdout)
        states = {m["mailbox"]["address"]: m["state"] for m in doc[0]["mailboxes"]}
        assert states[ANN]["disabled"] is None
        assert states[BOB]["disabled"]["reason"] == "sync_error"
        assert states[BOB]["disabled"]["failure_class"] == "mailbox"
        table = _commsync("status", "--config", str(config)).stdout
        assert "sync_error" in table and "ApplicationImpersonation" in table

        # WHEN the operator re-enables Bob
        enabled = _commsync("enable", "acme/exchange", "--mailbox", BOB, "--config", str(config))

        # THEN he is enabled again with a clean failure count
        assert enabled.returncode == 0, enabled.stderr
        doc = json.loads(_commsync("status", "--config", str(config), "--json").stdout)
        bob = next(m["state"] for m in doc[0]["mailboxes"] if m["mailbox"]["address"] == BOB)
        assert bob["disabled"] is None and bob["failures"] == 0
