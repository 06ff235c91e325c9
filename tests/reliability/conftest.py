"""The reliability suite: counts gathered by each test and printed as one table at the end.

``make reliability`` runs it at full size (``--full``); the normal test command runs a
smaller subset with the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

COUNTS: dict[str, int] = defaultdict(int)


class Counts:
    def add(self, name: str, n: int = 1) -> None:
        COUNTS[name] += n

    def get(self, name: str) -> int:
        return COUNTS[name]


@pytest.fixture
def counts() -> Counts:
    return Counts()


@pytest.fixture
def full(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--full"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COUNTS:
        return
    terminalreporter.section("reliability counts")
    width = max(len(k) for k in COUNTS)
    for key in sorted(COUNTS):
        terminalreporter.write_line(f"{key:<{width}}  {COUNTS[key]:>9}")


@pytest.fixture(autouse=True)
def _keep(counts: Counts) -> Iterator[None]:
    yield
