"""Where a backfill's CPU goes: the backfill scenario's commsync client sampled by py-spy.

Every thread is sampled (the read-ahead worker fetches while the main thread cleans and stores),
idle waits are not counted, and the collapsed stacks are written to a file (flamegraph tools read
them) and summarised: the functions with the most samples on-CPU, by their own time and with
their callees. Run: `.venv/bin/python -m bench.profile [--emails 2000] [--out backfill.stacks]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.backfill import MODULE as BACKFILL
from bench.common import ROOT
from bench.emulator_process import EmulatorProcess
from bench.mailgen import write_mailbox

TOP = 30


def main() -> None:
    parsed = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "profile")
    parsed.add_argument("--emails", type=int, default=2_000)
    parsed.add_argument("--out", type=Path, default=Path("backfill.stacks"))
    parsed.add_argument("--rate", type=int, default=250, help="samples per second")
    args = parsed.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        corpus = write_mailbox(Path(tmp) / "data", args.emails)
        work = Path(tmp) / "work"
        work.mkdir()
        with EmulatorProcess(Path(tmp) / "data") as emulator:
            worker = [sys.executable, "-m", BACKFILL, "--worker", "ours", "--endpoint", emulator.endpoint]
            worker += ["--mailbox", corpus.mailbox, "--work", str(work)]
            spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw"]
            spy += ["--rate", str(args.rate), "--output", str(args.out), "--threads", "--"]
            subprocess.run(spy + worker, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    summarise(args.out.read_text())


def summarise(stacks: str) -> None:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in stacks.splitlines():
        path, _, count = line.rpartition(" ")
        if not path or not count.isdigit():
            continue
        frames = [f for f in path.split(";") if not f.startswith("thread ")]
        samples = int(count)
        total += samples
        if frames:
            own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"{total} samples on-CPU")
    for title, counts in (("own time", own), ("with callees", inclusive)):
        print(f"\n-- top {TOP} by {title}")
        for frame, samples in counts.most_common(TOP):
            print(f"{100 * samples / max(total, 1):6.1f}%  {frame}")


if __name__ == "__main__":
    main()
