"""The refresh rules, in process, against records written at chosen times."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from llmeter_bar.fetch import engine
from llmeter_bar.fetch import refresh
from llmeter_bar.store.cache import Store
from llmeter_bar.config import Config
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.store.state import view

NOW = 1_800_000_000.0


def settings(key: str = "fake", interval: float = 300) -> ProviderSettings:
    provider_id, _, instance = key.partition(":")
    return ProviderSettings(id=provider_id, instance=instance or None, interval=interval, timeout=3)


def good(used: float = 42.0, at: float = NOW) -> ProviderResult:
    fetched = datetime.fromtimestamp(at, timezone.utc)
    return ProviderResult(id="fake", name="Fake", fetched_at=fetched,
                          windows=[Window("five_hour", "5h", used, fetched + timedelta(hours=2), 18000)])


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "cache")
    yield s
    s.close()


def test_nothing_cached_is_due():
    assert refresh.is_due(None, NOW)


def test_fresh_record_is_not_due_and_expired_is():
    record = {"attempt_at": NOW - 10, "next_at": NOW + 290}
    assert not refresh.is_due(record, NOW)
    assert refresh.is_due(record, NOW + 291)


def test_on_demand_skips_the_interval_but_not_a_429_wait():
    assert refresh.is_due({"attempt_at": NOW, "next_at": NOW + 300}, NOW, on_demand=True)
    limited = {"attempt_at": NOW, "next_at": NOW + 300, "not_before": NOW + 120}
    assert not refresh.is_due(limited, NOW + 60, on_demand=True)
    assert refresh.is_due(limited, NOW + 121, on_demand=True)


def test_clock_moved_back_an_hour_allows_one_fetch_not_a_freeze(store):
    s = settings()
    refresh.record_outcome(store, s, good(), NOW, 300)
    assert refresh.is_due(store.read("fake"), NOW - 3600)
    refresh.record_outcome(store, s, good(), NOW - 3600, 300)  # that one fetch re-anchors
    assert not refresh.is_due(store.read("fake"), NOW - 3590)


def test_clock_forward_a_day_gives_no_negative_age(store):
    refresh.record_outcome(store, settings(), good(at=NOW + 86400), NOW, 300)
    shown = view(settings(), store.read("fake"), datetime.fromtimestamp(NOW, timezone.utc))
    assert shown.age_seconds(datetime.fromtimestamp(NOW, timezone.utc)) == 0.0


@pytest.mark.parametrize(
    ("retry_after", "strikes", "expected"),
    [(120.0, 0, 120.0), (None, 0, 300.0), (None, 1, 600.0), (None, 2, 1200.0), (None, 6, 3600.0)],
)
def test_429_sets_not_before_from_retry_after_or_exponential_backoff(store, retry_after, strikes, expected):
    s = settings()
    store.write("fake", {"strikes": strikes})
    refresh.record_outcome(store, s, FetchError("rate_limit", "429", retry_after=retry_after), NOW, 300)
    record = store.read("fake")
    assert record["not_before"] == pytest.approx(NOW + expected)
    assert record["next_at"] == pytest.approx(NOW + max(expected, 300))
    assert record["strikes"] == strikes + 1
    assert record["error"]["kind"] == "rate_limit"
    assert record["error"]["retry_at"] is not None


def test_success_resets_the_backoff(store):
    s = settings()
    refresh.record_outcome(store, s, FetchError("rate_limit", "429"), NOW, 300)
    refresh.record_outcome(store, s, good(), NOW + 400, 300)
    record = store.read("fake")
    assert record["strikes"] == 0 and record["not_before"] == 0 and record["error"] is None


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def test_view_statuses(store):
    s = settings()
    assert view(settings("claude"), None, _at(NOW)).status == "loading"
    refresh.record_outcome(store, s, NotConfigured("no key"), NOW, 300)
    assert view(s, store.read("fake"), _at(NOW)).status == "unconfigured"
    store.clear()
    refresh.record_outcome(store, s, FetchError("auth", "expired"), NOW, 300)
    shown = view(s, store.read("fake"), _at(NOW))
    assert (shown.status, shown.error.kind) == ("error", "auth")
    refresh.record_outcome(store, s, good(at=NOW + 10), NOW + 10, 300)
    assert view(s, store.read("fake"), _at(NOW + 20)).status == "ok"
    # Older than stale_after (3 x interval): still shown, marked stale.
    assert view(s, store.read("fake"), _at(NOW + 10 + 901)).status == "stale"
    # A failure after good figures: the figures stay, marked stale, with the error.
    refresh.record_outcome(store, s, FetchError("network", "down"), NOW + 400, 300)
    shown = view(s, store.read("fake"), _at(NOW + 401))
    assert shown.status == "stale" and shown.error.kind == "network"
    assert shown.windows[0].used_percent == 42.0


def test_window_past_its_reset_shows_zero_marked_estimated(store):
    s = settings()
    refresh.record_outcome(store, s, good(used=97.0), NOW, 300)
    later = _at(NOW + 2 * 3600 + 5)
    window = view(s, store.read("fake"), later).windows[0]
    assert window.used_percent == 0.0 and window.estimated
    assert window.resets_at == _at(NOW) + timedelta(hours=2) + timedelta(seconds=18000)


def test_fresh_cache_starts_no_refresh(store, monkeypatch):
    spawned: list = []
    monkeypatch.setattr(refresh, "spawn", lambda claims: spawned.append(claims) or True)
    refresh.record_outcome(store, settings(), good(at=time.time()), time.time(), 300)
    results = engine.collect(Config(), store, [settings()])
    assert results[0].status == "ok" and spawned == []


def test_expired_cache_prints_old_figures_and_starts_exactly_one_refresh(store, monkeypatch):
    spawned: list = []
    monkeypatch.setattr(refresh, "spawn", lambda claims: spawned.append(claims) or True)
    old = time.time() - 400
    refresh.record_outcome(store, settings(), good(used=55, at=old), old, 300)
    first = engine.collect(Config(), store, [settings()])
    second = engine.collect(Config(), store, [settings()])  # lock held by the first
    assert first[0].windows[0].used_percent == 55 and first[0].status == "ok"
    assert second[0].windows[0].used_percent == 55
    assert len(spawned) == 1 and spawned[0][0][0] == "fake"


def test_a_crashed_refresher_blocks_only_until_the_lock_expires(store, monkeypatch):
    spawned: list = []
    monkeypatch.setattr(refresh, "spawn", lambda claims: spawned.append(claims) or True)
    monkeypatch.setattr(refresh, "lock_ttl", lambda s: 0.3)
    engine.collect(Config(), store, [settings()])
    engine.collect(Config(), store, [settings()])
    assert len(spawned) == 1  # the lock is taken and its owner never comes back
    time.sleep(0.4)
    engine.collect(Config(), store, [settings()])
    assert len(spawned) == 2


def test_failed_spawn_releases_the_lock(store, monkeypatch):
    monkeypatch.setattr(refresh, "spawn", lambda claims: False)
    engine.collect(Config(), store, [settings()])
    assert not store.locked("fake")


def test_figures_that_vanish_under_the_same_plan_are_a_parse_error_and_the_last_ones_stay(store):
    s = settings()
    first = good(used=64.0)
    first.plan = "plus"
    refresh.record_outcome(store, s, first, NOW, 300)
    # Strings or nulls where the numbers belong: the plan still reads, the windows do not.
    empty = ProviderResult(id="fake", name="Fake", plan="plus", fetched_at=first.fetched_at)
    recorded = refresh.record_outcome(store, s, empty, NOW + 400, 300)
    assert isinstance(recorded, FetchError) and recorded.kind == "parse"
    record = store.read("fake")
    assert record["result"]["windows"][0]["used_percent"] == 64.0
    assert record["error"]["kind"] == "parse"
    assert view(s, record, datetime.fromtimestamp(NOW + 400, timezone.utc)).status == "stale"


def test_a_reply_with_only_a_new_plan_keeps_the_figures_stale(store):
    """Issue 13 item 13: ``{"plan_type": "team"}`` alone once showed a bare icon in green."""
    s = settings()
    first = good()
    first.plan = "plus"
    refresh.record_outcome(store, s, first, NOW, 300)
    team = ProviderResult(id="fake", name="Fake", plan="team", fetched_at=first.fetched_at)
    recorded = refresh.record_outcome(store, s, team, NOW + 400, 300)
    assert isinstance(recorded, FetchError) and recorded.kind == "parse"
    assert recorded.message.endswith("it names plan 'team'")
    record = store.read("fake")
    assert (record["result"]["plan"], record["result"]["windows"][0]["used_percent"]) == ("plus", 42.0)
    assert view(s, record, datetime.fromtimestamp(NOW + 400, timezone.utc)).status == "stale"


async def test_a_reply_with_neither_figures_nor_a_plan_is_a_parse_error():
    class Empty:
        async def fetch(self, session, settings):
            return ProviderResult(id="fake", name="Fake")

    outcome = await refresh._fetch_one(None, settings(), Empty())  # type: ignore[arg-type]
    assert isinstance(outcome, FetchError) and outcome.kind == "parse"
    assert outcome.message == "the response carried no usage figures (unexpected shape)"


def test_unknown_provider_is_a_config_error_before_any_fetch():
    shown = view(settings("nope"), None, datetime.fromtimestamp(NOW, timezone.utc))
    assert (shown.status, shown.error.kind, shown.error.label) == ("error", "config", "cfg")
    assert shown.error.message == "unknown provider 'nope': check general.providers"
    assert view(settings("claude"), None, datetime.fromtimestamp(NOW, timezone.utc)).status == "loading"
