"""``llmeter-bar history``: exact CSV and JSON exports of the stored samples."""

from __future__ import annotations

import json
import time

import pytest
from click import BadParameter
from support import cli

from llmeter_bar.store.cache import Store
from llmeter_bar.cli.commands.history_cmd import parse_duration
from llmeter_bar.store.history import History, Series

NOW = int(time.time()) // 60 * 60
T1, T2, T3 = NOW - 3 * 86400, NOW - 7200, NOW - 600
RESET = 1_900_000_000


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@pytest.fixture
def stored() -> None:
    claude = History("claude", {
        "five_hour": Series("five_hour", "5h", "%", [[T1, 12.5, None, None, RESET], [T3, 40.0, None, None, RESET]]),
    })
    work = History("claude:work", {"seven_day": Series("seven_day", "7d", "%", [[T2, 3.0, None, None, None]])})
    router = History("openrouter", {
        "cost": Series("cost", "spend (month)", "USD", [[T2, 24.68, 12.34, 50.0, None]]),
    })
    copilot = History("copilot", {
        "premium": Series("premium", "premium", "%", [[T3, 30.0, 90.0, 300.0, RESET]]),
    })
    store = Store()
    try:
        for hist in (claude, work, router, copilot):
            store.cache.set("history:" + hist.key, hist.to_json())
    finally:
        store.close()


def test_csv_export(stored) -> None:
    run = cli.run("history")
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout == (
        "time,provider,account,window,used_percent,used,limit,unit,resets_at\n"
        f"{_iso(T1)},claude,,five_hour,12.5,,,%,{_iso(RESET)}\n"
        f"{_iso(T2)},claude,work,seven_day,3,,,%,\n"
        f"{_iso(T2)},openrouter,,cost,24.68,12.34,50,USD,\n"
        f"{_iso(T3)},claude,,five_hour,40,,,%,{_iso(RESET)}\n"
        f"{_iso(T3)},copilot,,premium,30,90,300,%,{_iso(RESET)}\n"
    )


def test_json_export_filtered_by_provider_and_age(stored) -> None:
    run = cli.run("history", "--format", "json", "--provider", "claude,openrouter", "--since", "1d")
    assert run.returncode == 0
    assert json.loads(run.stdout) == {"version": 1, "samples": [
        {"time": _iso(T2), "provider": "claude", "account": "work", "window": "seven_day", "used_percent": 3.0,
         "used": None, "limit": None, "unit": "%", "resets_at": None},
        {"time": _iso(T2), "provider": "openrouter", "account": None, "window": "cost", "used_percent": 24.68,
         "used": 12.34, "limit": 50.0, "unit": "USD", "resets_at": None},
        {"time": _iso(T3), "provider": "claude", "account": None, "window": "five_hour", "used_percent": 40.0,
         "used": None, "limit": None, "unit": "%", "resets_at": _iso(RESET)},
    ]}
    only_work = json.loads(cli.run("history", "--format", "json", "-p", "claude:work").stdout)
    assert [(s["provider"], s["account"]) for s in only_work["samples"]] == [("claude", "work")]


def test_empty_history_is_a_header_or_an_empty_list() -> None:
    assert cli.run("history").stdout == "time,provider,account,window,used_percent,used,limit,unit,resets_at\n"
    assert json.loads(cli.run("history", "--format", "json").stdout) == {"version": 1, "samples": []}


def test_since_accepts_compound_durations_and_rejects_others() -> None:
    assert parse_duration("90m") == 5400 and parse_duration("1d12h") == 129600 and parse_duration("45") == 45
    assert parse_duration("2w") == 1209600
    with pytest.raises(BadParameter):
        parse_duration("yesterday")
    run = cli.run("history", "--since", "soon")
    assert run.returncode == 2 and "not a duration like 90m" in run.stderr


def test_a_money_window_says_its_currency_not_percent() -> None:
    """An OpenRouter key limit counts dollars: its rows carry USD, like spend rows, while
    a count window keeps '%' (issue 15: the CSV said % for dollar rows)."""
    from llmeter_bar.models import ProviderResult, Window, utcnow
    from llmeter_bar.providers.openrouter import key_window
    from llmeter_bar.store import history
    from support.fixtures import load_fixture

    now = utcnow()
    limit = key_window(load_fixture("openrouter", "codexbar_rate_limit_and_period_spend.json")["payload"]["data"], now)
    assert limit is not None and limit.unit == "USD" and (limit.used, limit.limit) == (0.5, 20.0)
    result = ProviderResult(id="openrouter", name="OpenRouter", kind="api", fetched_at=now, windows=[
        limit, Window("requests", "requests", 10.0, None, None, used=30, limit=300)])
    store = Store()
    try:
        history.append(store, "openrouter", result, now.timestamp())
    finally:
        store.close()
    lines = cli.run("history").stdout.splitlines()[1:]
    assert [line.split(",")[3:8] for line in lines] == [
        ["key_limit", "2.5", "0.5", "20", "USD"], ["requests", "10", "30", "300", "%"]]
