"""One version number (issue 23): the package, its metadata, the CLI, /health and the changelog agree."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

from commsync import __version__
from commsync.cli import main
from tests.support.api import api_world

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "commsync.__version__"}
    assert importlib.metadata.version("commsync") == __version__


def test_the_cli_and_health_say_the_changelogs_newest_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newest = re.search(r"^## (\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert newest and newest.group(1) == __version__

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"commsync {__version__}"

    world = api_world(tmp_path)
    try:
        assert world.call("GET", "/health", as_=None).json["version"] == __version__
    finally:
        world.close()
