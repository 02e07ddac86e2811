"""Browser tests: Debian's headless Chromium, driven by Selenium, against `commsync serve` (issue 12).

Without the browser (`apt-get install chromium chromium-driver`; .ci/run installs it) these tests
are left out of the run, and the summary says so in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.world import CHROMEDRIVER, CHROMIUM, ConsoleWorld, console_world

HERE = Path(__file__).parent
NO_BROWSER = f"no browser ({CHROMIUM} and {CHROMEDRIVER}; apt-get install chromium chromium-driver)"
_left_out: list[pytest.Item] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    _left_out[:] = [item for item in items if HERE in item.path.parents]
    if _left_out:
        items[:] = [item for item in items if item not in _left_out]
        config.hook.pytest_deselected(items=_left_out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _left_out:
        terminalreporter.write_line(f"SKIPPED {len(_left_out)} browser tests in tests/browser: {NO_BROWSER}")


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path_factory.mktemp("console")) as built:
        yield built


@pytest.fixture
def console(world: ConsoleWorld) -> Iterator[ConsoleWorld]:
    """The shared world, signed out, on a desktop-sized window."""
    world.reset()
    yield world
