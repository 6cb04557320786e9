"""Load and concurrency end to end: many bars at once, a refresher killed
mid-fetch, and a wall clock that jumps."""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from llmeter_bar.store import fastpath
from llmeter_bar.store.cache import Store
from support import allproviders, cli, e2e, procs

RENDERS = 50
WATCHERS = 5


@pytest.fixture
def world(faults, tmp_path, isolated_home):
    """Every provider, one cache; ``point(mode)`` rewrites the config for a server mode."""
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)

    def point(mode: str, timeout: float = 10) -> None:
        config.write_text(allproviders.config(lambda p: faults.base_url(mode, p), timeout=timeout))

    started: list[int] = []
    yield env, point, tmp_path / "cache", started
    procs.reap(started + list(procs.refreshers(tmp_path / "cache")))


def _batch(formats: list[str], env: dict[str, str]) -> tuple[float, list[e2e.Run]]:
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(formats)) as pool:
        runs = list(pool.map(lambda fmt: e2e.run("--format", fmt, env=env), formats))
    return time.monotonic() - t0, runs


def _records(cache: Path) -> dict[str, dict]:
    store = Store(cache)
    try:
        return {key: store.read(key) or {} for key in store.keys()}
    finally:
        store.close()


def _interval_ends(cache: Path) -> None:
    """What the passing of an interval does, without the wait: every record is
    due, and every cached line's due time (fastpath.encode) is past. Nothing
    shown changes, so the generation stays: the lines themselves remain good."""
    store = Store(cache)
    try:
        for key in store.keys():
            record = store.read(key) or {}
            record["next_at"] = 0.0
            store.write(key, record)
        for name in list(store.cache.iterkeys()):
            value = store.cache.get(name)
            if isinstance(name, str) and name.startswith("out") and isinstance(value, str):
                assert value.startswith("due "), value[:40]
                store.cache.set(name, "due 0.0\n" + value.partition("\n")[2],
                                expire=store.cache.get(name, expire_time=True)[1] - time.time())
    finally:
        store.close()


def _shift(cache: Path, **fields: float) -> None:
    """Rewrite every record's stored times by the given offsets (seconds), as a clock jump would."""
    from datetime import datetime, timedelta

    store = Store(cache)
    for key in store.keys():
        record = store.read(key) or {}
        for name, offset in fields.items():
            if name == "fetched_at" and record.get("result"):
                when = datetime.fromisoformat(record["result"]["fetched_at"].replace("Z", "+00:00"))
                record["result"]["fetched_at"] = (when + timedelta(seconds=offset)).isoformat().replace("+00:00", "Z")
            elif record.get(name):
                record[name] = float(record[name]) + offset
        store.write(key, record)
    fastpath.bump(store.cache)
    store.close()


def _settled(cache: Path, since: float) -> bool:
    records = _records(cache)
    store = Store(cache)
    try:
        locked = any(store.locked(key) for key in records)
    finally:
        store.close()
    return len(records) == len(allproviders.PROVIDERS) and not locked and all(
        float(r.get("attempt_at") or 0) >= since for r in records.values())


def _integrity(cache: Path) -> str:
    with sqlite3.connect(cache / "cache.db") as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_fifty_renders_and_five_watchers_on_an_expired_cache_fetch_each_endpoint_once(world, faults):
    env, point, cache, started = world
    point("good")
    assert e2e.run("--format", "json", "--wait", env=env).returncode == 0
    point("gated", timeout=60)  # answers are held until the renders are done: none can wait for them
    faults.gate.clear()
    hits = dict(faults.hits)
    formats = [e2e.BAR_FORMATS[i % len(e2e.BAR_FORMATS)] for i in range(RENDERS)]
    for fmt in e2e.BAR_FORMATS:  # the output cache holds each format's line: what a repeat render prints
        e2e.run("--format", fmt, env=env)
    hit_batch, hits_runs = _batch(formats, env)
    watchers = [subprocess.Popen([str(cli.SCRIPT), "--format", "waybar", "--watch"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(WATCHERS)]
    started += [w.pid for w in watchers]
    first = [w.stdout.readline() for w in watchers]
    _interval_ends(cache)
    since = time.time()
    batch, runs = _batch(formats, env)
    for fmt, run in zip(formats, runs):
        text = e2e.host_text(fmt, run)
        assert "!" not in text and "…" not in text, f"{fmt}: a render saw no figures: {text!r}"
    slowest = max(r.elapsed for r in runs)
    median, hit_median = (statistics.median(r.elapsed for r in rs) for rs in (runs, hits_runs))
    # An expired cache costs a full render (the output cache cannot serve a due
    # provider) and one spawn, nothing more: close to the same batch of cache hits.
    numbers = (f"{RENDERS} renders at once: expired cache {batch:.2f} s (median {median * 1000:.0f} ms, "
               f"slowest {slowest * 1000:.0f} ms), cache hits {hit_batch:.2f} s (median {hit_median * 1000:.0f} ms)")
    assert batch <= 3 * hit_batch and median <= 3 * hit_median, numbers
    assert procs.refreshers(cache), "nobody started a refresh"
    # The refresher yields the CPU to the bars: it runs niced while they render.
    cli.wait_until(lambda: all(procs.niceness(pid) >= 10 for pid in procs.refreshers(cache)), timeout=10)
    faults.gate.set()
    cli.wait_until(lambda: _settled(cache, since), timeout=30, step=0.2)
    fetched = {path: n - hits.get(path, 0) for path, n in faults.hits.items() if path.startswith("/gated/")}
    endpoints = {path for path in hits if path.startswith("/good/")}
    assert sorted(p.replace("/good/", "/gated/", 1) for p in endpoints) == sorted(fetched)
    assert set(fetched.values()) == {1}, f"not one request per endpoint: {fetched}"
    # The watchers saw the new figures arrive, every line a valid waybar line.
    for watcher, line in zip(watchers, first):
        later = watcher.stdout.readline()
        for text in (line, later):
            assert json.loads(text)["class"] in ("ok", "stale"), text
    procs.reap([w.pid for w in watchers])
    assert all(not w.stderr.read() for w in watchers)
    assert _integrity(cache) == "ok"
    print("\n" + numbers)


def test_a_refresher_killed_mid_fetch_blocks_only_until_its_lock_expires(world, faults):
    env, point, cache, started = world
    point("headers_then_stall", timeout=20)
    assert e2e.host_text("tmux", e2e.run("--format", "tmux", env=env))
    killed = cli.wait_until(lambda: procs.refreshers(cache), timeout=10)
    cli.wait_until(lambda: faults.count("headers_then_stall") >= 1, timeout=10)  # mid-fetch now
    procs.reap(list(killed))
    requests = faults.count("headers_then_stall")
    # Its locks still stand: renders show the placeholder and start nothing.
    for fmt in e2e.BAR_FORMATS:
        e2e.host_text(fmt, e2e.run("--format", fmt, env=env))
    time.sleep(0.5)
    assert procs.refreshers(cache) == {} and faults.count("headers_then_stall") == requests
    # The locks expire (simulated: their expiry is moved to now); the next render starts a new refresh.
    store = Store(cache)
    locks = [k for k in store.cache.iterkeys() if isinstance(k, str) and k.startswith("lock:")]
    assert len(locks) == len(allproviders.PROVIDERS)
    for key in locks:
        store.cache.touch(key, expire=0.001)
    store.close()
    time.sleep(0.01)
    point("good")
    since = time.time()
    e2e.host_text("waybar", e2e.run("--format", "waybar", env=env))
    cli.wait_until(lambda: _settled(cache, since), timeout=20, step=0.2)
    shown = e2e.run("--format", "json", env=env).json()
    assert {p["id"]: p["status"] for p in shown["providers"]} == {p: "ok" for p in allproviders.PROVIDERS}
    assert _integrity(cache) == "ok"


@pytest.mark.parametrize(("jump", "offset"), [("back an hour", 3600.0), ("forward a day", -86400.0)])
def test_clock_jumps_cause_one_refresh_no_storm_no_freeze_no_negative_age(world, faults, jump, offset):
    env, point, cache, started = world
    point("good")
    assert e2e.run("--format", "json", "--wait", env=env).returncode == 0
    # A clock moved back an hour finds every stored time an hour ahead; forward a day, a day behind.
    _shift(cache, attempt_at=offset, next_at=offset, fetched_at=offset, error_at=offset)
    before = faults.count("good")
    since = time.time()
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(lambda _: e2e.run("--format", "json", env=env), range(16)))
    for run in runs:
        for provider in run.json()["providers"]:
            assert provider["age_seconds"] is None or provider["age_seconds"] >= 0, provider
            assert provider["status"] in ("ok", "stale"), provider
    cli.wait_until(lambda: _settled(cache, since), timeout=20, step=0.2)
    once = faults.count("good") - before
    assert once == len([p for p in faults.hits if p.startswith("/good/")]), "not one fetch per endpoint"
    for _ in range(5):  # re-anchored: nothing is due any more
        shown = e2e.run("--format", "json", env=env).json()
    time.sleep(0.3)
    assert faults.count("good") - before == once, f"{jump}: a refresh storm"
    assert procs.refreshers(cache) == {}
    for provider in shown["providers"]:
        assert provider["status"] == "ok" and 0 <= provider["age_seconds"] < 60, provider
