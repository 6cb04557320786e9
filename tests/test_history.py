"""History: bounded series in the cache, appended by every writer of results,
drawn as a sparkline in the waybar tooltip and ``plain --long``."""

from __future__ import annotations

import json
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from render.helpers import FETCHED, NOW, H, M, claude, run
from render.test_golden import _check
from support import cli

from llmeter_bar.store import history
from llmeter_bar.store.cache import Store
from llmeter_bar.store.history import History, Series, add_point
from llmeter_bar.models import Cost

POINT = st.tuples(st.integers(0, 20 * 86400), st.sampled_from([10.0, 20.0, 30.0]))


@settings(max_examples=200, deadline=None)
@given(st.lists(POINT, max_size=80), st.integers(1, 20), st.integers(0, 3000))
def test_any_appends_keep_the_series_bounded_and_sorted(appends, cap, dedup) -> None:
    points: list[list] = []
    now = 0
    for t, value in appends:
        now = max(now, t)
        points = add_point(points, [t, value, None, None, None], now, cap=cap, max_age=5 * 86400, dedup=dedup)
        assert len(points) <= cap
        assert [p[0] for p in points] == sorted(p[0] for p in points)
        assert all(p[0] >= now - 5 * 86400 for p in points)


def test_unchanged_figures_are_kept_once_within_the_dedup_window() -> None:
    points: list[list] = []
    for t in (0, 60, 120, 599):
        points = add_point(points, [t, 40.0, None, None, 99], t)
    assert points == [[0, 40.0, None, None, 99]]
    points = add_point(points, [600, 40.0, None, None, 99], 600)  # a heartbeat every DEDUP seconds
    points = add_point(points, [700, 41.0, None, None, 99], 700)
    assert [p[0] for p in points] == [0, 600, 700]


def test_age_and_count_caps() -> None:
    points: list[list] = []
    for i in range(700):
        points = add_point(points, [i * 1000, float(i % 100), None, None, None], i * 1000)
    assert len(points) == history.CAP
    assert points[-1][0] == 699_000 and points[0][0] == 200_000
    points = add_point(points, [699_000 + 9 * 86400, 1.0, None, None, None], 699_000 + 9 * 86400)
    assert points == [[699_000 + 9 * 86400, 1.0, None, None, None]]  # older than 8 days: gone


def test_append_stores_windows_and_spend_in_the_cache(tmp_path) -> None:
    store = Store()
    try:
        result = claude(cost=Cost(used=4.25, limit=50.0, period="extra_usage", resets_at=None))
        history.append(store, "claude", result, NOW.timestamp())
        history.append(store, "claude", claude(five=43.0, fetched_at=FETCHED + M), NOW.timestamp())
        loaded = history.load(store, "claude")
    finally:
        store.close()
    t0, reset5 = int(FETCHED.timestamp()), int((NOW + 2 * H + 13 * M).timestamp())
    assert loaded.series["five_hour"].points == [[t0, 42.0, None, None, reset5], [t0 + 60, 43.0, None, None, reset5]]
    assert loaded.series["seven_day"].label == "7d"
    assert loaded.series["cost"].points == [[t0, 8.5, 4.25, 50.0, None]]
    assert (loaded.series["cost"].unit, loaded.series["cost"].label) == ("USD", "spend (extra_usage)")


def test_a_broken_entry_is_only_lost_history(tmp_path) -> None:
    store = Store()
    try:
        store.cache.set("history:claude", "{not json")
        assert history.load(store, "claude").series == {}
        history.append(store, "claude", claude(), NOW.timestamp())
        assert set(history.load(store, "claude").series) == {"five_hour", "seven_day"}
    finally:
        store.close()


def _trend_history() -> dict[str, History]:
    """Claude's 5h window over the last three hours, plus points of the previous cycle."""
    reset = int((NOW + 2 * H + 13 * M).timestamp())
    old_reset = reset - 18000
    start = (NOW - 3 * H).timestamp()
    points = [[int(start - 3600), 97.0, None, None, old_reset]]  # previous cycle: never drawn
    points += [[int(start + i * 1800), v, None, None, reset] for i, v in enumerate([3.0, 9.0, 20.0, 31.0, 42.0])]
    spend = [[int(start + i * 3600), None, v, None, None] for i, v in enumerate([1.0, 2.5, 4.0])]
    series = {"five_hour": Series("five_hour", "5h", "%", points), "cost": Series("cost", "spend", "USD", spend)}
    return {"claude": History("claude", series)}


TREND_CASE = [claude(cost=Cost(used=4.0, limit=None, period="extra_usage", resets_at=None))]


def test_golden_long_view_and_waybar_tooltip_with_trend() -> None:
    hist = _trend_history()
    long_text = run("plain", TREND_CASE, long=True, history=hist).text
    _check("plain-long", "history", long_text)
    # Idle for the last hour: the projection from the history (59 %) is below the
    # elapsed-time one (75 %, see the golden ok.txt).
    assert ("  5h: 42% ▰▰▱▱▱ · resets in 2h13m (14:13) · pace -14% · on pace to end at 59% (41% unused)"
            " · trend ▁▂▂▃▃▄▄▄") in long_text
    assert "  spend (extra usage): $4.00 · trend ▃▃▅▅▅███" in long_text
    assert "7d" in long_text and "17% ▰▱▱▱▱ · resets in 3d4h (Sat 16:00) · pace -38% · on pace to end at 31%" in long_text
    _check("waybar", "history", run("waybar", TREND_CASE, history=hist).text)
    ascii_text = run("plain", TREND_CASE, config={"icons": {"set": "ascii"}}, long=True, history=hist).text
    assert "· trend _..::---\n" in ascii_text and ascii_text.endswith("· trend ::===###")


def test_no_history_means_no_trend_and_the_old_output() -> None:
    assert "trend" not in run("plain", [claude()], long=True).text
    one_point = {"claude": History("claude", {"five_hour": Series("five_hour", "5h", "%", [
        [int((NOW - H).timestamp()), 40.0, None, None, int((NOW + 2 * H + 13 * M).timestamp())]])})}
    assert "trend" not in run("plain", [claude()], long=True, history=one_point).text


def test_refresh_and_ingest_append_and_long_view_draws_them(fake_server, write_config) -> None:
    write_config(cli.fake_config(fake_server.url))
    for used in (10, 35, 60):
        fake_server.reply("/usage/fake", {"used": used})
        assert "fake: ok" in cli.run("refresh").stdout
    store = Store()
    try:
        points = history.load(store, "fake").series["five_hour"].points
    finally:
        store.close()
    assert [p[1] for p in points] == [10.0, 35.0, 60.0]
    out = cli.run("--long").stdout
    # Second-resolution times from three quick runs: the shape is coarse, the last value is 60 %.
    assert re.fullmatch(r"Fake · ok · \d+s ago · via api\n  5h: 60% ▰▰▰▱▱ · trend [▁-█]{7}▅\n", out)
    # The one-line formats never read the history.
    assert "trend" not in cli.run("--format", "tmux").stdout


def test_ingest_appends_claude_code_figures(write_config) -> None:
    write_config('[general]\nproviders = ["claude"]\n')
    reset = int(time.time()) + 10 * 86400
    payload = {"rate_limits": {"five_hour": {"used_percentage": 33, "resets_at": reset},
                               "seven_day": {"used_percentage": 12, "resets_at": reset}}}
    run_ = cli.run("ingest", "claude-code", input=json.dumps(payload))
    assert run_.returncode == 0 and run_.stdout == ""
    store = Store()
    try:
        hist = history.load(store, "claude")
    finally:
        store.close()
    assert [p[1] for p in hist.series["five_hour"].points] == [33.0]
    assert [p[4] for p in hist.series["seven_day"].points] == [reset]
