"""Fixtures for the real-host tests: a pre-filled cache from a fake provider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from support import cli, hosts
from support.server import FakeServer


@dataclass
class Filled:
    server: FakeServer

    def hits(self) -> int:
        return self.server.hits["/usage/fake"]

    def set_used(self, used: float) -> None:
        self.server.reply("/usage/fake", {"used": used, "plan": "pro"})


@pytest.fixture
def filled_cache(fake_server: FakeServer, write_config) -> Filled:  # type: ignore[no-untyped-def]
    """One fake provider at 75 % (warn), fetched once: renders come from the cache."""
    filled = Filled(fake_server)
    filled.set_used(75)
    write_config(cli.fake_config(fake_server.url))
    run = cli.run("refresh")
    assert run.returncode == 0 and filled.hits() == 1, run.stdout + run.stderr
    return filled


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if hosts.kept:
        terminalreporter.write_sep("-", "host test artifacts")
        for path in hosts.kept:
            terminalreporter.write_line(str(path))
