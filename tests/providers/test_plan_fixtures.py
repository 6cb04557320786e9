"""z.ai, Kimi, MiniMax, Grok and Ollama parsers against recorded real bodies.

Each fixture (tests/fixtures/<id>/*.json) names where the body was published and
what a correct reading gives: the windows with their figures and resets, the
plan, the money, or the error kind and message.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest

from llmeter_bar import providers
from llmeter_bar.errors import FetchError
from llmeter_bar.providers.base import ProviderSettings
from support.fixtures import FIXTURES, load_fixture

IDS = ("zai", "kimi", "minimax", "grok", "ollama")
NOW = datetime(2026, 9, 16, 12, 0, tzinfo=timezone.utc)
CASES = [(pid, p.stem) for pid in IDS for p in sorted((FIXTURES / pid).glob("*.json"))]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _norm(text: str | None) -> str | None:
    """Expected times as written by the sources (ms or µs, Z): compared as instants."""
    return None if text is None else _iso(datetime.fromisoformat(text.replace("Z", "+00:00")))


def test_every_provider_has_fixtures_with_a_source() -> None:
    for pid in IDS:
        names = [name for p, name in CASES if p == pid]
        assert len(names) >= 5, pid
        for name in names:
            fixture = load_fixture(pid, name)
            assert fixture["source"] and fixture["endpoint"], (pid, name)


@pytest.mark.parametrize(("pid", "name"), CASES)
def test_fixture(pid: str, name: str) -> None:
    fixture = load_fixture(pid, name)
    expected: dict[str, Any] = fixture["expected"]
    provider = providers.load(pid)
    settings = ProviderSettings(id=pid)
    now = datetime.fromisoformat(expected.get("now", "2026-09-16T12:00:00Z").replace("Z", "+00:00"))
    if "error" in expected:
        with pytest.raises(FetchError) as info:
            provider.parse(fixture["payload"], settings, now)
        assert info.value.kind == expected["error"]
        assert re.search(expected["message"], info.value.message), info.value.message
        return
    result = provider.parse(fixture["payload"], settings, now)
    got = [{"id": w.id, "label": w.label, "used_percent": round(w.used_percent, 3), "resets_at": _iso(w.resets_at),
            "used": w.used, "limit": w.limit, "estimated": w.estimated} for w in result.windows]
    want = [{"id": w["id"], "label": w["label"], "used_percent": w["used_percent"], "resets_at": _norm(w["resets_at"]),
             "used": w.get("used"), "limit": w.get("limit"), "estimated": w.get("estimated", False)}
            for w in expected["windows"]]
    assert got == want
    assert result.plan == expected.get("plan")
    if "cost" in expected:
        cost = result.cost
        assert (cost and {"used": cost.used, "limit": cost.limit, "period": cost.period}) == expected["cost"]
    if "credits" in expected:
        credits = result.credits
        assert (credits and {"balance": credits.balance, "currency": credits.currency}) == expected["credits"]
    assert result.unknown_fields == [], result.unknown_fields  # the declared shapes cover the real bodies


def test_a_new_key_is_reported_by_name_only() -> None:
    body = load_fixture("zai", "openusage_live_glm_coding_pro_2026_06_29")["payload"]
    body["data"]["limits"][0]["burstCap"] = "secret-ish value"
    result = providers.load("zai").parse(body, ProviderSettings(id="zai"), NOW)
    assert result.unknown_fields == ["data.limits[].burstCap"]


@pytest.mark.parametrize("pid", IDS)
def test_garbage_is_a_parse_error_not_a_figure(pid: str) -> None:
    provider = providers.load(pid)
    for body in (["a", 1], "text", None, 42):
        with pytest.raises(FetchError) as info:
            provider.parse(body, ProviderSettings(id=pid), NOW)
        assert info.value.kind == "parse", (pid, body, info.value.message)
