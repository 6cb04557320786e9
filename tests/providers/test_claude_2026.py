"""Claude's 2026 shapes: spend-only accounts, extra usage disabled at the cap,
scoped limits[], <period>_<model> keys, codename pools and saved resets.

Each fixture records where its shape was published (``source``)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from render.helpers import run
from support.fixtures import load_fixture
from llmeter_bar.models import ProviderResult
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.claude import Claude

NOW = datetime(2026, 9, 23, 12, 0, tzinfo=timezone.utc)


def parse(name: str) -> ProviderResult:
    return Claude().parse(load_fixture("claude", name)["payload"], ProviderSettings("claude"), NOW)


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("name", ["t3code_spend_only_null_windows_limits_empty",
                                  "paseo_spend_used_and_limit_own_exponents", "t3code_spend_without_limit_eur"])
def test_spend_only_accounts_show_spend_as_the_headline(name: str) -> None:
    want = load_fixture("claude", name)["expected"]["spend"]
    result = parse(name)
    assert result.windows == [] and result.cost is not None
    assert result.cost.used == pytest.approx(want["used"]) and result.cost.currency == want["currency"]
    assert result.cost.limit == (pytest.approx(want["limit"]) if want["limit"] else None)
    assert result.cost.used_percent == (pytest.approx(want["used_percent"], abs=0.01) if want["used_percent"] else None)
    assert result.unknown_fields == []


def test_spend_headline_in_the_bar() -> None:
    result = parse("paseo_spend_used_and_limit_own_exponents").with_(source="oauth")
    assert run("plain", [result]).text == "Claude $88.57 59%"
    assert "spend (spend): $88.57 of $150.00 (59%)" in run("plain", [result], long=True).text


def test_extra_usage_disabled_at_the_cap_is_exhausted_spend_in_its_currency() -> None:
    result = parse("ccstatusline_extra_usage_disabled_at_cap_eur")
    cost = result.cost
    assert cost is not None and cost.currency == "EUR" and cost.used_percent == 100.0
    assert cost.note == "disabled: spend_limit_reached"
    text = run("plain", [result.with_(fetched_at=NOW)], long=True).text
    assert "spend (extra usage): €20.00 of €20.00 (100%) · disabled: spend_limit_reached" in text


def test_disabled_with_a_reason_is_shown_and_without_one_below_the_cap_is_not() -> None:
    assert parse("claude_extra_usage_disabled_out_of_credits").cost.note == "disabled: out_of_credits"  # type: ignore[union-attr]
    assert parse("codexbar_extra_usage_disabled").cost is None


def test_scoped_entries_never_replace_the_account_window_and_keep_legacy_resets() -> None:
    fixture = load_fixture("claude", "claude_scoped_limits_do_not_replace_account_windows")
    result = parse("claude_scoped_limits_do_not_replace_account_windows")
    by_id = {w.id: w for w in result.windows}
    session, weekly = by_id["five_hour"], by_id["seven_day"]
    assert session.used_percent == 76 and session.scope is None
    assert session.resets_at == iso(fixture["expected"]["session"]["resets_at"])
    assert weekly.used_percent == 47 and weekly.resets_at == iso(fixture["expected"]["weekly"]["resets_at"])
    for wid, percent in fixture["expected"]["scoped"].items():
        assert by_id[wid].used_percent == percent and by_id[wid].scope
    assert by_id["five_hour_fable"].label == "Fable 5h" and by_id["five_hour_fable"].window_seconds == 18000
    assert [w.id for w in result.windows][:2] == ["five_hour", "seven_day"]


def test_every_period_model_key_is_a_window_and_the_most_used_drives_the_bar() -> None:
    result = parse("claude_five_hour_model_key").with_(fetched_at=NOW)
    by_id = {w.id: w for w in result.windows}
    assert by_id["five_hour_opus"].used_percent == 88 and by_id["five_hour_opus"].label == "Opus 5h"
    assert by_id["seven_day_sonnet_max"].label == "Sonnet Max 7d"
    assert run("plain", [result]).text.startswith("Claude 88% ")


def test_saved_resets_count_and_earliest_expiry_in_long_tooltip_and_json() -> None:
    result = parse("codexbar3895_cedar_ember_saved_resets").with_(fetched_at=NOW)
    (extra,) = result.extras
    assert (extra.id, extra.value, extra.unit) == ("saved_resets", 2.0, "count")
    assert extra.expires_at == iso("2026-10-01T00:00:00+00:00")
    assert "  saved resets: 2 · earliest expiry 2026-10-01" in run("plain", [result], long=True).text
    tooltip = json.loads(run("waybar", [result]).text)["tooltip"]
    assert "saved resets: 2 · earliest expiry 2026-10-01" in tooltip
    doc = json.loads(run("json", [result]).text)["providers"][0]
    assert doc["extras"] == [{"id": "saved_resets", "label": "saved resets", "value": 2.0, "unit": "count",
                              "limit": None, "expires_at": "2026-10-01T00:00:00Z", "note": None}]
    assert doc["unknown_fields"] == []


def test_ineligible_saved_resets_show_nothing() -> None:
    assert parse("codexbar3895_cedar_ember_ineligible_surface").extras == []


def test_codename_dollar_pool_is_spend_and_not_reported_as_unknown() -> None:
    result = parse("claude_codename_dollar_pool")
    (pool,) = result.extras
    assert (pool.id, pool.value, pool.limit, pool.unit) == ("pool_tangelo", 12.5, 50.0, "USD")
    assert result.unknown_fields == []
    text = run("plain", [result.with_(fetched_at=NOW)], long=True).text
    assert "  tangelo credits: $12.50 of $50.00" in text


def test_unknown_keys_are_named_for_doctor() -> None:
    body = {"five_hour": {"utilization": 1, "resets_at": None, "window_minutes": 300},
            "brand_new_pool": None, "limits": [{"kind": "session", "percent": 1, "cap_minor": 3}]}
    result = Claude().parse(body, ProviderSettings("claude"), NOW)
    assert result.unknown_fields == ["brand_new_pool", "five_hour.window_minutes", "limits[].cap_minor"]


def test_status_line_updates_keep_the_apis_saved_resets() -> None:
    from llmeter_bar.providers.claude_statusline import merge, parse_statusline

    previous = parse("codexbar3895_cedar_ember_saved_resets")
    incoming = parse_statusline({"rate_limits": {"five_hour": {"used_percentage": 20, "resets_at": 1790269549}}},
                                NOW)
    merged = merge(previous, incoming)
    assert [e.id for e in merged.extras] == ["saved_resets"]
    assert next(w for w in merged.windows if w.id == "five_hour").used_percent == 20


def test_spend_and_extra_usage_are_one_budget_and_utilization_fills_a_missing_used() -> None:
    body = {"five_hour": None, "limits": [],
            "spend": {"enabled": True, "used": {"amount_minor": 500, "currency": "USD", "exponent": 2}},
            "extra_usage": {"is_enabled": True, "monthly_limit": 2000, "used_credits": 500}}
    result = Claude().parse(body, ProviderSettings("claude"), NOW)
    assert result.cost.period == "spend" and result.extras == []  # type: ignore[union-attr]
    capped = {"extra_usage": {"is_enabled": False, "monthly_limit": 2000, "used_credits": None,
                              "utilization": 100.0, "currency": "EUR", "disabled_reason": "spend_limit_reached"}}
    cost = Claude().parse(capped, ProviderSettings("claude"), NOW).cost
    assert cost is not None and (cost.used, cost.limit, cost.currency) == (20.0, 20.0, "EUR")


def test_a_string_scope_is_account_wide_only_when_it_says_so() -> None:
    body = {"limits": [{"kind": "session", "percent": 10, "resets_at": "2026-09-23T15:00:00+00:00", "scope": "account"},
                       {"kind": "session", "percent": 70, "resets_at": "2026-09-23T15:00:00+00:00", "scope": "Fable"}]}
    by_id = {w.id: w.used_percent for w in Claude().parse(body, ProviderSettings("claude"), NOW).windows}
    assert by_id == {"five_hour": 10, "five_hour_fable": 70}


def test_scoped_identity_all_models_and_contradicting_groups() -> None:
    fixture = load_fixture("claude", "codexbar_scoped_mapper_ids_all_models_groups")
    result = parse("codexbar_scoped_mapper_ids_all_models_groups")
    scoped = {w.id: (w.used_percent, w.label) for w in result.windows if w.scope}
    assert {k: v[0] for k, v in scoped.items()} == fixture["expected"]["scoped"]
    assert scoped["seven_day_fable"][1] == "Fable 7d"  # a rename under the same model id is one window
    assert scoped["seven_day_team_research"][1] == "Team / Research 7d"
