"""Scenario 5, big attachment: one email with a 50 MB attachment through the EWS source in local mode.

The poller runs in a fresh process (the emulator in another), so its RSS high-water mark
(/proc's VmHWM) is the sync's own; the target is under 150 MB. A second process takes the same
work apart, the poller's steps one by one, and reports the Python heap's peak (tracemalloc) in
each stage and the bytes the server sent for it (the responses' Content-Length): the GetItem
of the email's properties, the attachment streamed through GetAttachment into the blob store
(`store_streamed`, as the poller does), clean() of the stand-in message, and record().
Run: `.venv/bin/python -m bench.big_attachment [--megabytes 50] [--repeats R]`.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import UTC, datetime
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.common import (
    Scenario,
    command_line,
    current_rss_mb,
    emit_worker_result,
    finish,
    median,
    parser,
    peak_rss_mb,
    run_worker,
)
from bench.emulator_process import EmulatorProcess

MODULE = "bench.big_attachment"
MAILBOX = "ann.lee@contoso.example"
TARGET_MB = 150


def main() -> None:
    args = _parser().parse_args()
    if args.worker:
        emit_worker_result(_work(args))
        return
    argv = ["--megabytes", str(args.megabytes), "--repeats", str(args.repeats)]
    scenario = Scenario("big_attachment", command_line(MODULE, argv))
    with tempfile.TemporaryDirectory(prefix="bench-big-") as tmp:
        data = Path(tmp) / "data"
        size = _write_email(data, args.megabytes)
        with EmulatorProcess(data) as emulator:
            runs = []
            for n in range(args.repeats):
                work = Path(tmp) / f"sync-{n}"
                work.mkdir()
                runs.append(_worker("sync", emulator.endpoint, work))
            stages = _worker("stages", emulator.endpoint, Path(tmp) / "stages", mkdir=True)
    scenario.add("attachment_mb", args.megabytes)
    scenario.add("email_mb", size / 2**20)
    peak = median([r["peak_rss_mb"] for r in runs])
    scenario.add("peak_rss_mb", peak, f"< {TARGET_MB}", peak < TARGET_MB)
    baseline = median([r["rss_before_mb"] for r in runs])
    scenario.add("rss_after_imports_mb", baseline)
    # How the peak grows with the message: a sync that streamed would stay near the baseline.
    scenario.add("peak_growth_per_email_mb", (peak - baseline) / (size / 2**20))
    scenario.add("comments_created", median([r["created"] for r in runs]), "= 1", runs[0]["created"] == 1)
    for stage in ("fetch", "stream", "clean", "record"):
        scenario.add(f"{stage}_heap_peak_mb", stages[f"{stage}_peak_mb"])
    scenario.add("getitem_response_mb", stages["fetch_response_mb"])
    scenario.add("getattachment_response_mb", stages["stream_response_mb"])
    streamed = stages["streamed_mb"]
    # The real path fetched the whole attachment: a stage that skipped it would show ~0 here.
    scenario.add("streamed_attachment_mb", streamed, f">= {args.megabytes}")
    scenario.notes.append(
        "heap peaks are tracemalloc's (Python allocations only) in a separate, identical run, stage by "
        "stage; response sizes are the Content-Length of what the emulator sent in that stage"
    )
    finish(scenario, args.emit)


def _worker(kind: str, endpoint: str, work: Path, mkdir: bool = False) -> dict[str, Any]:
    if mkdir:
        work.mkdir()
    return run_worker(MODULE, "--worker", kind, "--endpoint", endpoint, "--work", str(work))


def _write_email(data: Path, megabytes: int) -> int:
    """A signed-off report with one incompressible attachment, as a scanned PDF or a zip would be."""
    msg = MIMEMultipart("mixed", boundary="----=_Part_survey_7f3a")
    msg["From"] = "Bob Stone <bob.stone@contoso.example>"
    msg["To"] = f"Ann Lee <{MAILBOX}>"
    msg["Subject"] = "Site survey scans (full resolution)"
    msg["Date"] = format_datetime(datetime(2024, 5, 6, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = "<survey-scans.7f3a@contoso.example>"
    msg.attach(MIMEText("Hi Ann,\n\nthe full-resolution scans are attached.\n\nBob\n", "plain", "utf-8"))
    part = MIMEBase("application", "pdf")
    part.set_payload(random.Random(5).randbytes(megabytes * 2**20))
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename="site-survey-scans.pdf")
    msg.attach(part)
    raw = msg.as_bytes()
    path = data / MAILBOX / "Inbox" / "survey.eml"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    return len(raw)


def _work(args: argparse.Namespace) -> dict[str, Any]:
    import exchangelib  # noqa: F401  (imports first: their memory is the baseline, not the sync's)

    import commsync.local_mode  # noqa: F401

    before = current_rss_mb()
    result = _sync(args.endpoint, args.work) if args.worker == "sync" else _stages(args.endpoint, args.work)
    return {**result, "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}


def _sync(endpoint: str, work: Path) -> dict[str, Any]:
    from bench.ews_clients import local_runtime
    from commsync.local_mode import run_once

    runtime = local_runtime(work, endpoint, MAILBOX)
    try:
        outcome = next(iter(run_once(runtime).values()))
    finally:
        runtime.close()
    if outcome.error:
        raise RuntimeError(f"the sync failed: {outcome.error}")
    return {"created": outcome.counts.created, "status": str(outcome.status)}


def _stages(endpoint: str, work: Path) -> dict[str, Any]:
    """The poller's steps one by one, each with tracemalloc's peak reset before it."""
    import tracemalloc

    from bench.ews_clients import ResponseBytes, local_runtime
    from commsync.cleaning.build import Origin, clean, with_streamed
    from commsync.services.record import record, store_streamed
    from commsync.sources import open_source

    runtime = local_runtime(work, endpoint, MAILBOX)
    engine = runtime.engine
    integration = engine.state.list_integrations()[0]
    mailbox = engine.state.list_mailboxes(integration.key)[0][0]
    source = open_source(integration, mailbox, engine.secrets)
    received = ResponseBytes.count(source)
    out: dict[str, float] = {}

    def stage(name: str) -> None:
        out[f"{name}_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        out[f"{name}_response_mb"] = received.take() / 2**20
        tracemalloc.reset_peak()

    tracemalloc.start()
    try:
        inbox = next(f for f in source.folders(None).folders if f.path == "Inbox")
        received.take()
        tracemalloc.reset_peak()
        change = next(iter(source.changes(inbox, None, 10))).changes[0]
        stage("fetch")
        refs = store_streamed(engine, integration.bucket, change, store_bytes=True)
        stage("stream")
        origin = Origin(integration.key, "ews", integration.bucket, MAILBOX, "Inbox")
        cleaned = with_streamed(clean(change.mime or b"", origin, engine.clock()), refs, change.size)
        stage("clean")
        record(engine, integration, cleaned)
        stage("record")
    finally:
        tracemalloc.stop()
        source.close()
        runtime.close()
    return {**out, "streamed_mb": sum(ref.size for ref in refs) / 2**20}


def _parser() -> argparse.ArgumentParser:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    parsed.add_argument("--megabytes", type=int, default=50)
    parsed.add_argument("--worker", choices=["sync", "stages"], help=argparse.SUPPRESS)
    parsed.add_argument("--endpoint", help=argparse.SUPPRESS)
    parsed.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return parsed


if __name__ == "__main__":
    main()
