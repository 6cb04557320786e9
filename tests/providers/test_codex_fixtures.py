"""Every recorded Codex ``wham/usage`` body and session-log line.

``expected`` is read generically (session -> ``five_hour``, weekly ->
``seven_day``, primary -> the shortest window, additional -> windows prefixed
by the limit's slug, monthly_credit_limit -> the ``monthly_pool`` window).
Where sources disagree, the reading chosen in ``codex_parse``'s docstring
replaces the fixture's value in ``OVERRIDES``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.errors import FetchError
from llmeter_bar.models import Window
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.codex import Codex
from llmeter_bar.providers.codex_logs import newest_snapshot
from llmeter_bar.providers.codex_parse import parse_usage

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
API_FIXTURES = sorted(p.stem for p in (FIXTURES / "codex").glob("*.json"))
LOG_FIXTURES = sorted(p.stem for p in (FIXTURES / "codex_logs").glob("*.json"))

OVERRIDES: dict[str, dict[str, Any]] = {
    # The companion /wham/rate-limit-reset-credits body is not a usage body: nothing to show.
    "openusage_reset_credits_endpoint_list": {"error": "parse"},
}


def iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def find(windows: list[Window], wid: str) -> Window | None:
    return next((w for w in windows if w.id == wid), None)


def check_window(found: Window | None, expected: dict[str, Any] | None, where: str,
                 base: datetime = NOW) -> None:
    if expected is None:
        assert found is None, f"{where}: expected no window, got {found}"
        return
    assert found is not None, f"{where}: window missing"
    assert found.used_percent == pytest.approx(min(100.0, float(expected["used_percent"]))), where
    if expected.get("exhausted"):
        assert found.used_percent == 100.0
    if "window_minutes" in expected:
        minutes = expected["window_minutes"]
        assert found.window_seconds == (minutes * 60 if minutes is not None else None), where
    if "window_seconds" in expected:
        assert found.window_seconds == expected["window_seconds"]
    resets = expected.get("resets_at")
    if "resets_at_epoch" in expected:
        assert found.resets_at == datetime.fromtimestamp(expected["resets_at_epoch"], timezone.utc), where
    elif isinstance(resets, str) and resets.startswith("fetch_time + "):
        assert found.resets_at == base + timedelta(seconds=int(resets.split()[2])), where
    elif isinstance(resets, str):
        assert found.resets_at == iso(resets), where
    elif "resets_at" in expected:
        assert found.resets_at is None, where
    elif "reset_after_seconds" in expected or "resets_in_seconds" in expected:
        delay = expected.get("reset_after_seconds", expected.get("resets_in_seconds"))
        assert found.resets_at == base + timedelta(seconds=delay), where


def check_block(windows: list[Window], expected: dict[str, Any], prefix: str, where: str) -> None:
    block = [w for w in windows if w.id.startswith(prefix) and w.id != "monthly_pool"]
    if prefix == "":
        block = [w for w in block if ":" not in w.id]
    for key, wid in (("session", "five_hour"), ("weekly", "seven_day")):
        if key in expected:
            check_window(find(block, prefix + wid), expected[key], f"{where} {key}")
    for index, key in enumerate(("primary", "secondary")):
        if key in expected:
            data = expected[key]
            seconds = data.get("window_seconds") or (data.get("window_minutes") or 0) * 60
            match = [w for w in block if w.window_seconds == seconds] if seconds else block[index:]
            check_window(match[0] if match else None, data, f"{where} {key}")


def plan_of(text: str) -> str:
    return text.split()[0].lower()


@pytest.mark.parametrize("name", API_FIXTURES)
def test_wham_usage_fixture(name: str) -> None:
    fixture = load_fixture("codex", name)
    expected = {**fixture["expected"], **OVERRIDES.get(name, {})}
    if expected.get("error"):
        with pytest.raises(FetchError) as caught:
            parse_usage(fixture["payload"], NOW, fixture.get("headers"))
        assert caught.value.kind == "parse"
        return
    windows, credits, plan = parse_usage(fixture["payload"], NOW, fixture.get("headers"))
    assert len({w.id for w in windows}) == len(windows), "window ids must be unique"
    check_block(windows, expected, "", "main")
    if "plan" in expected:
        assert plan == plan_of(expected["plan"])
    for entry in expected.get("additional") or ():
        named = [w for w in windows if entry["name"] in w.label]
        assert named, f"no window for {entry['name']}"
        check_block(windows, entry, named[0].id.split(":")[0] + ":", entry["name"])
    if expected.get("additional") == []:
        assert all(":" not in w.id or w.id.startswith("review:") for w in windows)
    if "code_review" in expected:
        check_block(windows, expected["code_review"] or {}, "review:", "code review")
        if expected["code_review"] is None:
            assert not any(w.id.startswith("review:") for w in windows)
    if "credits" in expected:
        want = expected["credits"]
        value = None if want is None else next(
            (want[k] for k in ("balance", "remaining", "count") if k in want),
            want.get("balance_display", "").lstrip("$") or None)
        if value is None:
            assert credits is None
        else:
            assert credits is not None and credits.balance == pytest.approx(float(value))
            assert credits.currency is None and credits.label == "credits"
    if "blocked" in expected:
        blocked = find(windows, "blocked")
        if expected["blocked"] is None:
            assert blocked is None
        else:
            assert blocked is not None and blocked.used_percent == 100.0 and blocked.scope == expected["blocked"]
    if "thirty_day" in expected:
        check_window(find(windows, "thirty_day"), expected["thirty_day"], "30d")
        assert find(windows, "thirty_day").label == "30d"  # type: ignore[union-attr]
    if "monthly_credit_limit" in expected:
        want = expected["monthly_credit_limit"]
        pool = find(windows, "monthly_pool")
        assert pool is not None and pool.used == pytest.approx(want["used"])
        assert pool.limit == pytest.approx(want["limit"])
        assert pool.used_percent == pytest.approx(100 - want["remaining_percent"])
        assert pool.resets_at == datetime.fromtimestamp(want["resets_at_epoch"], timezone.utc)


def test_result_through_provider_parse() -> None:
    fixture = load_fixture("codex", "aiusagebar_real_plus_fresh_windows")
    result = Codex().parse(fixture["payload"], ProviderSettings("codex", instance="work"), NOW)
    assert [w.label for w in result.windows] == ["5h", "7d"]
    assert result.plan == "plus" and result.instance == "work" and result.source == "api"


@pytest.mark.parametrize("name", LOG_FIXTURES)
def test_session_log_fixture(name: str, tmp_path: Path) -> None:
    fixture = load_fixture("codex_logs", name)
    expected = fixture["expected"]
    day = tmp_path / "sessions" / "2025" / "11" / "16"
    day.mkdir(parents=True)
    lines = fixture["payload"] if isinstance(fixture["payload"], list) else [fixture["payload"]]
    (day / "rollout-a.jsonl").write_text(
        json.dumps({"timestamp": "2025-01-01T00:00:00Z", "type": "session_meta", "payload": {}}) + "\n"
        + "".join(json.dumps(line) + "\n" for line in lines)
    )
    result = newest_snapshot(tmp_path, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert result is not None and result.source == "log" and result.id == "codex"
    stamp = iso(lines[-1]["timestamp"]) if len(lines) == 1 else result.fetched_at
    assert result.fetched_at == stamp
    if "updated_at" in expected:
        assert result.fetched_at == iso(expected["updated_at"])
    check_window(find(result.windows, "five_hour"), expected["session"], "session", base=stamp)
    check_window(find(result.windows, "seven_day"), expected["weekly"], "weekly", base=stamp)
    assert [w.label for w in result.windows if not w.side] == ["5h", "7d"]
    # limit_id: model limits are side windows, never the account's figures.
    sides = {w.id: w.used_percent for w in result.windows if w.side}
    assert sides == expected.get("side", {})
    if "plan" in expected:
        assert result.plan == expected["plan"]
    if "credits" in expected:
        assert result.credits is not None and result.credits.balance == expected["credits"]
    if "headline" in expected:
        from llmeter_bar.render.common import pick_windows

        assert pick_windows(result, "auto")[0].used_percent == expected["headline"]


def test_every_family_is_present() -> None:
    assert len(API_FIXTURES) >= 27 and len(LOG_FIXTURES) >= 2
