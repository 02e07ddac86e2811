"""`commsync token revoke` in local mode: take one `[[api.tokens]]` entry out of the config file.

The file is the user's, with their comments and layout: only the lines of that one table go,
and the result is parsed again before it replaces the file, so a revoke never leaves a broken
or still-valid config behind.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from commsync.local_config import load_config

HEADER = "[[api.tokens]]"


def remove_config_token(path: Path, name: str) -> bool:
    """True when the token named `name` was in the file and is gone from it now."""
    if not any(t.name == name for t in load_config(path).api.tokens):
        return False
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        starts_table = line.lstrip().startswith("[") or line == ""
        if block and starts_table:
            if not _names(block, name):
                kept += block
            block = []
        (block if line.strip() == HEADER or block else kept).append(line)
    text = "".join(kept)
    tomllib.loads(text)  # never write a file that no longer parses
    temporary = path.with_name(path.name + ".revoke")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return not any(t.name == name for t in load_config(path).api.tokens)


def _names(block: list[str], name: str) -> bool:
    try:
        return bool(tomllib.loads("".join(block[1:])).get("name") == name)
    except tomllib.TOMLDecodeError:
        return False
