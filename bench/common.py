"""What every scenario shares: figures with their targets, medians, process measurements, output.

Each scenario is a module `bench.<name>` with a `main()` that measures, prints its rows, and,
given `--emit FILE`, writes them as JSON for `bench/run.py`, which collects all of them into
`bench/results.json` (`{"scenario": {"figure": number}}`, INTERFACES.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    name: str
    value: float
    target: str = ""  # as the issue states it, e.g. ">= 0.8"; empty for context figures
    met: bool | None = None


@dataclass
class Scenario:
    name: str
    command: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, target: str = "", met: bool | None = None) -> None:
        self.figures.append(Figure(name, round(value, 4) if isinstance(value, float) else value, target, met))

    def figure(self, name: str) -> float:
        return next(f.value for f in self.figures if f.name == name)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark.

    /proc's VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so a worker
    started by a parent that once held 400 MB reports 400 MB whatever it did itself.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with Path("/proc/self/statm").open() as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class Clock:
    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def measured() -> Iterator[Clock]:
    """Wall and CPU (user + system of this process only) seconds of a block."""
    clock = Clock()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield clock
    finally:
        clock.wall = time.perf_counter() - wall
        clock.cpu = time.process_time() - cpu


def run_worker(module: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m <module> <args>` in a fresh process; its last stdout line is a JSON object."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def emit_worker_result(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)


def parser(description: str) -> argparse.ArgumentParser:
    # The poller's INFO lines are not figures; set before any commsync import (workers inherit it).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    parsed = argparse.ArgumentParser(description=description)
    parsed.add_argument("--emit", type=Path, help="write the scenario's figures as JSON to this file")
    parsed.add_argument(
        "--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "3")), help="runs per figure"
    )
    return parsed


def command_line(module: str, args: Sequence[str]) -> str:
    return shlex.join([".venv/bin/python", "-m", module, *args])


def finish(scenario: Scenario, emit: Path | None) -> None:
    print_rows([scenario])
    for note in scenario.notes:
        print(f"  note: {note}")
    if emit is not None:
        emit.write_text(json.dumps(asdict(scenario), indent=2))


def print_rows(scenarios: Sequence[Scenario], out: Callable[[str], None] = print) -> None:
    header = ("scenario", "figure", "value", "target", "met?")
    rows = [header]
    for scenario in scenarios:
        for f in scenario.figures:
            met = "" if f.met is None else ("yes" if f.met else "NO")
            rows.append((scenario.name, f.name, _number(f.value), f.target, met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        out(
            "  ".join(
                cell.ljust(widths[i]) if i != 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
            )
        )
        if n == 0:
            out("  ".join("-" * w for w in widths))


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def scenario_from(data: dict[str, Any]) -> Scenario:
    return Scenario(
        name=data["name"],
        command=data["command"],
        figures=[Figure(**f) for f in data["figures"]],
        notes=list(data.get("notes", [])),
    )
