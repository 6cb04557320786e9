"""One fault server for every end-to-end test, and a home with every provider's credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.fault_server import FaultServer, self_signed_context


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def faults(tmp_path_factory: pytest.TempPathFactory):
    tls = self_signed_context(tmp_path_factory.mktemp("tls"))
    with FaultServer(tls) as server:
        yield server
