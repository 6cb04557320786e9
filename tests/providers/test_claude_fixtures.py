"""Every recorded Anthropic OAuth usage body and Claude Code status-line payload.

Each fixture's ``expected`` is read generically (session -> ``five_hour``,
weekly -> ``seven_day``, weekly_<model> / scoped_weekly -> per-model windows,
extra_usage -> the cost). Where the published sources disagree with each other,
the reading we chose (see ``claude_parse``'s docstring) replaces the fixture's
value in ``OVERRIDES``, each with the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.claude import Claude
from llmeter_bar.providers.claude_parse import parse_usage
from llmeter_bar.providers.claude_statusline import parse_statusline

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
API_FIXTURES = sorted(p.stem for p in (FIXTURES / "claude").glob("*.json"))
STATUSLINE_FIXTURES = sorted(p.stem for p in (FIXTURES / "claude_statusline").glob("*.json"))

OVERRIDES: dict[str, dict[str, Any]] = {
    # A null bucket is unknown, not 0 % (ccstatusline shows 0).
    "ccstatusline_cohort_codename_nulls": {"weekly": None, "weekly_sonnet": None, "weekly_opus": None},
    # Codename windows with real figures are shown (CodexBar hides "design").
    "codexbar_codename_aliases_mixed_nulls": {"ignored_keys": None, "design": 37},
    "codexbar_codename_windows_design_routines": {"ignored_keys": None, "design": 44},
    # Without decimal_places the ISO-4217 exponent applies: KRW has none.
    "aiusagebar_krw_no_decimal_places": {"extra_usage": {"used": 500.0, "currency": "KRW", "limit": None}},
    # Nothing usable at all: an honest parse error, not an empty bar.
    "aiusagebar_extra_usage_enabled_no_used_credits": {"error": "parse"},
    "codexbar_empty_object": {"error": "parse"},
}


def window(windows: list[Window], wid: str) -> Window | None:
    return next((w for w in windows if w.id == wid), None)


def iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def check_window(found: Window | None, expected: dict[str, Any] | None, where: str) -> None:
    if expected is None or expected.get("used_percent", 0) is None:
        # Unknown figures must not appear as 0 %.
        assert found is None, f"{where}: expected no window, got {found}"
        return
    assert found is not None, f"{where}: window missing"
    assert found.used_percent == pytest.approx(min(100.0, float(expected["used_percent"]))), where
    if expected.get("exhausted"):
        assert found.used_percent == 100.0
    if "window_minutes" in expected and expected["window_minutes"] is not None:
        assert found.window_seconds == expected["window_minutes"] * 60, where
    if "resets_at_epoch" in expected:
        assert found.resets_at == datetime.fromtimestamp(expected["resets_at_epoch"], timezone.utc), where
    if "resets_at" in expected:
        want = expected["resets_at"]
        assert found.resets_at == (iso(want) if want else None), where


def check_cost(result: ProviderResult, expected: dict[str, Any] | None) -> None:
    if expected is None or expected.get("enabled") is False:
        assert result.cost is None
        return
    cost = result.cost
    assert cost is not None and cost.period == "extra_usage"
    assert cost.used == pytest.approx(expected["used"])
    assert cost.limit == (pytest.approx(expected["limit"]) if expected.get("limit") else None)
    assert cost.currency == (expected.get("currency") or "USD")
    if expected.get("used_percent") is not None:
        assert cost.used_percent == pytest.approx(expected["used_percent"])


@pytest.mark.parametrize("name", API_FIXTURES)
def test_oauth_usage_fixture(name: str) -> None:
    fixture = load_fixture("claude", name)
    expected = {**fixture["expected"], **OVERRIDES.get(name, {})}
    if fixture.get("http_status"):
        return  # an error response: replayed over HTTP in test_claude.py::test_recorded_error_bodies
    if expected.get("error"):
        with pytest.raises(FetchError) as caught:
            Claude().parse(fixture["payload"], ProviderSettings("claude"), NOW)
        assert caught.value.kind == "parse"
        return
    result = Claude().parse(fixture["payload"], ProviderSettings("claude"), NOW)
    ws = result.windows
    assert len({w.id for w in ws}) == len(ws), "window ids must be unique"
    check_window(window(ws, "five_hour"), expected.get("session"), "session")
    check_window(window(ws, "seven_day"), expected.get("weekly"), "weekly")
    for model in ("sonnet", "opus"):
        if f"weekly_{model}" in expected:
            check_window(window(ws, f"seven_day_{model}"), expected[f"weekly_{model}"], model)
    scoped = expected.get("scoped_weekly")
    if isinstance(scoped, list):
        # Windows other than 5h/7d and the top-level seven_day_* keys come from limits[].
        known = {"five_hour", "seven_day", "seven_day_routines"}
        known |= {k for k, v in fixture["payload"].items() if k.startswith("seven_day_") and v}
        assert len([w for w in ws if w.id not in known]) == len(scoped)
        for entry in scoped:
            found = window(ws, "seven_day_" + entry["model"].lower())
            check_window(found, entry, entry["model"])
            assert found is not None and found.label == f"{entry['model']} 7d"
    elif isinstance(scoped, str):  # a placeholder entry: no window for it
        assert all("fable" not in w.id for w in ws)
    for extra in expected.get("extra_windows") or ():
        check_window(window(ws, "seven_day_routines"), extra, extra["title"])
    if "design" in expected:
        check_window(window(ws, "seven_day_design"), {"used_percent": expected["design"]}, "design")
    if "extra_usage" in expected:
        check_cost(result, expected["extra_usage"])
    primary = expected.get("primary")
    if primary and primary.get("kind") == "spend_limit":
        assert result.cost is not None and result.cost.used_percent == pytest.approx(primary["used_percent"])


@pytest.mark.parametrize("name", STATUSLINE_FIXTURES)
def test_statusline_fixture(name: str) -> None:
    fixture = load_fixture("claude_statusline", name)
    expected = fixture["expected"]
    result = parse_statusline(fixture["payload"], NOW)
    if expected.get("session") is None and expected.get("weekly") is None:
        assert result is None
        return
    assert result is not None
    assert result.source == "claude-code" and result.id == "claude" and result.fetched_at == NOW
    check_window(window(result.windows, "five_hour"), expected.get("session"), "session")
    check_window(window(result.windows, "seven_day"), expected.get("weekly"), "weekly")
    assert {w.label for w in result.windows} <= {"5h", "7d"}


def test_every_family_is_present() -> None:
    assert len(API_FIXTURES) >= 31 and len(STATUSLINE_FIXTURES) == 6


# Variants derived from the recorded shapes.
def test_string_percentages_and_reset_alias() -> None:
    ws, cost = parse_usage({"five_hour": {"utilization": "42.5", "reset_at": 1774020000},
                            "seven_day": {"utilization": "n/a"}})
    assert [w.id for w in ws] == ["five_hour"] and ws[0].used_percent == 42.5
    assert ws[0].resets_at == datetime.fromtimestamp(1774020000, timezone.utc) and cost is None


def test_wrong_types_and_unknown_keys_are_tolerated() -> None:
    ws, _ = parse_usage({"five_hour": [1, 2], "seven_day": {"utilization": 250},
                         "limits": "oops", "brand_new": {"x": 1}, "seven_day_sonnet": "x"})
    assert [(w.id, w.used_percent) for w in ws] == [("seven_day", 100.0)]


def test_negative_and_nan_are_clamped() -> None:
    ws, _ = parse_usage({"five_hour": {"utilization": -3}, "seven_day": {"utilization": "NaN"}})
    assert [(w.id, w.used_percent) for w in ws] == [("five_hour", 0.0)]


@pytest.mark.parametrize("payload", [None, [], "text", 42])
def test_non_object_body_is_a_parse_error(payload: Any) -> None:
    with pytest.raises(FetchError) as caught:
        parse_usage(payload)
    assert caught.value.kind == "parse"


def test_extra_usage_decimal_places_three() -> None:
    _, cost = parse_usage({"extra_usage": {"is_enabled": True, "used_credits": 1234,
                                           "currency": "KWD", "decimal_places": 3}})
    assert cost is not None and cost.used == pytest.approx(1.234) and cost.currency == "KWD"


def test_other_seven_day_keys_get_readable_labels() -> None:
    ws, _ = parse_usage({"seven_day_oauth_apps": {"utilization": 5, "resets_at": "2026-07-02T00:00:00Z"},
                         "seven_day_new_model": {"utilization": 7, "resets_at": None}})
    assert {w.label for w in ws} == {"Apps 7d", "New Model 7d"}
    assert all(w.window_seconds == 7 * 86400 for w in ws)


def test_statusline_epoch_string_and_iso_resets() -> None:
    result = parse_statusline({"rate_limits": {"five_hour": {"used_percentage": "101", "resets_at": "2026-07-01T05:00:00Z"},
                                               "seven_day": {"used_percentage": None}}}, NOW)
    assert result is not None and len(result.windows) == 1
    assert result.windows[0].used_percent == 100.0
    assert result.windows[0].resets_at == NOW + timedelta(hours=5)


@pytest.mark.parametrize("payload", [None, "", [], {"rate_limits": {}}, {"rate_limits": "x"},
                                     {"rate_limits": {"five_hour": {"used_percentage": "x"}}}])
def test_statusline_without_usable_rate_limits_is_none(payload: Any) -> None:
    assert parse_statusline(payload, NOW) is None


# Shared coercion helpers (providers/_parse.py), whose traps these payloads exercise.
@pytest.mark.parametrize(("raw", "want"), [
    (1774020000, datetime(2026, 3, 20, 15, 20, tzinfo=timezone.utc)),
    (1774020000000, datetime(2026, 3, 20, 15, 20, tzinfo=timezone.utc)),
    ("1774020000", datetime(2026, 3, 20, 15, 20, tzinfo=timezone.utc)),
    ("2026-07-03T00:30:00.282668+00:00", datetime(2026, 7, 3, 0, 30, 0, 282668, tzinfo=timezone.utc)),
    ("2030-01-01T00:00:00.000Z", datetime(2030, 1, 1, tzinfo=timezone.utc)),
    ("2026-01-01T02:00:00.123456789+02:00", datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)),
    ("2026-01-01 00:00:00", datetime(2026, 1, 1, tzinfo=timezone.utc)),
    ("not a date", None), (None, None), (0, None), (-5, None), (True, None), ("", None), ({}, None),
])
def test_parse_time(raw: Any, want: datetime | None) -> None:
    from llmeter_bar.providers._parse import parse_time

    assert parse_time(raw) == want


@pytest.mark.parametrize(("raw", "want"), [
    ("14.5", 14.5), ("$2.50", 2.5), ("0E-10", 0.0), ("1,234.5", 1234.5), ("42%", 42.0), (7, 7.0),
    ("bad", None), ("", None), (None, None), (True, None), ("nan", None), ("inf", None), ([1], None),
])
def test_to_float(raw: Any, want: float | None) -> None:
    from llmeter_bar.providers._parse import to_float

    assert to_float(raw) == want
