"""Codex's 2026 shapes through the provider: banked resets, blocked workspaces,
side limits in the bar, and the log fallback recorded as stale with the API error."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from providers.test_codex import URL_USAGE, OK_BODY, log_line, write_auth, write_log
from render.helpers import run
from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.fetch import refresh
from llmeter_bar.models import ProviderResult
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.codex import Codex
from llmeter_bar.store import state
from llmeter_bar.store.cache import Store

URL_RESETS = "https://chatgpt.com/backend-api/wham/rate-limit-reset-credits"


async def fetch(settings: ProviderSettings | None = None) -> ProviderResult:
    async with aiohttp.ClientSession() as session:
        return await Codex().fetch(session, settings or ProviderSettings("codex"))


async def test_banked_resets_count_and_earliest_expiry(isolated_home: Path) -> None:
    write_auth(isolated_home / ".codex")
    listing = json.loads(json.dumps(load_fixture("codex", "openusage_reset_credits_endpoint_list")["payload"])
                         .replace("2026-02-20", "2099-02-20"))  # still to come whenever the test runs
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload={**OK_BODY, "rate_limit_reset_credits": {"available_count": 2}})
        mocked.get(URL_RESETS, payload=listing)
        result = await fetch()
        calls = {str(url): len(c) for (_, url), c in mocked.requests.items()}
    (extra,) = result.extras
    assert (extra.id, extra.value) == ("reset_credits", 2.0)
    assert extra.expires_at == datetime(2099, 2, 20, 17, 30, tzinfo=timezone.utc)  # consumed ones do not count
    assert calls == {URL_USAGE: 1, URL_RESETS: 1}


async def test_banked_resets_list_failure_keeps_the_count_and_zero_skips_the_request(isolated_home: Path) -> None:
    write_auth(isolated_home / ".codex")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload={**OK_BODY, "rate_limit_reset_credits": {"available_count": 1}})
        mocked.get(URL_RESETS, status=500)
        result = await fetch()
    assert [(e.id, e.value, e.expires_at) for e in result.extras] == [("reset_credits", 1.0, None)]
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload={**OK_BODY, "rate_limit_reset_credits": {"available_count": 0}})
        result = await fetch()
        assert len(mocked.requests) == 1
    assert result.extras == []


def test_blocked_workspace_is_100_percent_with_the_reason() -> None:
    now = datetime(2026, 9, 1, tzinfo=timezone.utc)
    body = load_fixture("codex", "usage_based_rate_limit_null_reached_string")["payload"]
    result = Codex().parse(body, ProviderSettings("codex"), now).with_(fetched_at=now)
    assert run("plain", [result]).text.startswith("Codex 100%")
    assert "blocked (workspace_member_credits_depleted): 100%" in run("plain", [result], long=True).text


def test_side_model_limits_never_drive_the_bar() -> None:
    now = datetime(2026, 9, 1, tzinfo=timezone.utc)
    body = load_fixture("codex", "codexbar_spark_additional_weekly_exhausted")["payload"]
    result = Codex().parse(body, ProviderSettings("codex"), now)
    assert max(w.used_percent for w in result.windows) == 100  # Spark's weekly is exhausted...
    assert run("plain", [result.with_(fetched_at=now)]).text.startswith("Codex 43%")  # ...the account is not


async def test_fallback_is_recorded_stale_with_the_api_error_and_the_429_wait_holds(
        isolated_home: Path) -> None:
    home = isolated_home / ".codex"
    write_auth(home)
    write_log(home, "rollout-a.jsonl", [log_line(datetime.now(timezone.utc) - timedelta(hours=2), 7, 8)])
    settings = ProviderSettings("codex", interval=300)
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, status=429, headers={"Retry-After": "900"})
        outcome = await fetch(settings)
    now = time.time()
    store = Store()
    try:
        refresh.record_outcome(store, settings, outcome, now, 300)
        record = store.read("codex")
    finally:
        store.close()
    assert record["error"]["kind"] == "rate_limit" and record["strikes"] == 1
    assert now + 890 < record["not_before"] < now + 910
    shown = state.view(settings, record, datetime.now(timezone.utc))
    assert shown.status == "stale" and shown.error is not None and shown.error.kind == "rate_limit"
    # The 5h window reset an hour ago (estimated 0 %), the weekly one still runs.
    assert [(w.used_percent, w.estimated) for w in shown.windows] == [(0, True), (8, False)]
    assert shown.source == "log"
    doc = json.loads(run("json", [shown]).text)["providers"][0]
    assert doc["status"] == "stale" and doc["error"]["kind"] == "rate_limit"


def test_a_rolled_over_side_window_stays_a_side_window() -> None:
    from llmeter_bar.models import Window

    past = datetime(2026, 1, 1, tzinfo=timezone.utc)
    window = Window("spark:five_hour", "Spark 5h", 90.0, past, 18000, scope="Spark", side=True)
    rolled = state.roll_over(window, datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert rolled.estimated and rolled.used_percent == 0 and rolled.side and rolled.scope == "Spark"


def test_limit_reached_flag_blocks_even_below_100() -> None:
    body = {"plan_type": "plus", "rate_limit": {"allowed": False, "limit_reached": True,
            "primary_window": {"used_percent": 97, "limit_window_seconds": 18000, "reset_after_seconds": 600}}}
    result = Codex().parse(body, ProviderSettings("codex"), datetime(2026, 9, 1, tzinfo=timezone.utc))
    assert [(w.id, w.used_percent) for w in result.windows] == [("blocked", 100.0), ("five_hour", 97.0)]


@pytest.mark.parametrize("name", sorted(p.stem for p in (FIXTURES / "codex_reset_credits").glob("*.json")))
def test_reset_credit_lists(name: str) -> None:
    from llmeter_bar.providers.codex_status import reset_credits

    fixture = load_fixture("codex_reset_credits", name)
    now = datetime.fromisoformat(fixture["now"].replace("Z", "+00:00"))
    found = reset_credits(fixture["payload"], now)
    want = fixture["expected"]
    if want.get("invalid"):
        assert found is None
        return
    assert found is not None and found.value == want["count"]
    earliest = want["earliest"]
    assert found.expires_at == (datetime.fromisoformat(earliest.replace("Z", "+00:00")) if earliest else None)
