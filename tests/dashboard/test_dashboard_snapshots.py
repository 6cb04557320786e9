"""SVG snapshots of the demo dashboard at three terminal sizes (pytest-textual-snapshot).

The clock and the zone are fixed and the demo's history is derived from them,
so the pictures only change when the dashboard does: review the diff
(``pytest --snapshot-update`` rewrites them) like any other change.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from llmeter_bar.dashboard.app import DashboardApp
from llmeter_bar.dashboard.source import Source

FIXED = datetime(2026, 11, 24, 14, 5, tzinfo=timezone.utc)


def demo_app() -> DashboardApp:
    return DashboardApp(Source(demo=True, clock=lambda: FIXED, tz=timezone.utc))


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (40, 12)], ids=["120x40", "80x24", "40x12"])
def test_demo_dashboard(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size)


def test_demo_details_of_claude(snap_compare):
    assert snap_compare(demo_app(), terminal_size=(100, 40), press=["enter"])
