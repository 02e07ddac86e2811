"""Scratch files of a poll (record.store_streamed's `commsync-attachment-*` directories).

A poll killed mid-attachment (SIGKILL, a Lambda timeout) never runs its cleanup, and a warm
Lambda's /tmp keeps what the killed invocation left: removed at the start of the next one,
when no poll of this process can be using them (issue 17).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from commsync.observability import logger

PREFIX = "commsync-attachment-"


def remove_leftovers(directory: Path | None = None) -> int:
    """Delete every scratch directory under the temp directory; the number removed."""
    root = directory or Path(tempfile.gettempdir())
    removed = 0
    for path in root.glob(PREFIX + "*"):
        shutil.rmtree(path, ignore_errors=True)
        removed += not path.exists()
    if removed:
        logger.info("removed scratch files of an earlier, interrupted poll", extra={"count": removed})
    return removed
