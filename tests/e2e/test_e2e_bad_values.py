"""One bad value from upstream, the config or stdin: it never hangs a render, never
blanks the bar, never shows an impossible figure (issue 13, items 1, 3, 5, 6, 8,
12, 13, 14, 15). Real command, real files, a private HOME, a server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from support import allproviders, cli, e2e, procs
from support.server import FakeServer

TIMEOUT = 2.0
CODEX = "/backend-api/wham/usage"
CLAUDE = "/api/oauth/usage"
FAR = 253402300799  # 9999-12-31T23:59:59Z


def _codex(primary: dict, plan: str = "plus") -> dict:
    return {"plan_type": plan, "rate_limit": {"primary_window": primary, "secondary_window": {
        "used_percent": 9, "limit_window_seconds": 604800, "reset_after_seconds": 300000}}}


GOOD_CODEX = _codex({"used_percent": 41, "limit_window_seconds": 18000, "reset_after_seconds": 7200})
GOOD_CLAUDE = {"five_hour": {"utilization": 37.0, "resets_at": "2099-01-01T00:00:00Z"}}


@pytest.fixture
def world(tmp_path, isolated_home, fake_server: FakeServer):
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    yield env, tmp_path, fake_server
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _config(root: Path, url: str, providers: tuple[str, ...] = ("codex",), extra: str = "") -> None:
    path = root / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(allproviders.config(lambda p: url, timeout=TIMEOUT, providers=providers, extra=extra))


def _timed(*args: str, env: dict[str, str], stdin: str = "", limit: float = TIMEOUT + 1) -> e2e.Run:
    run = e2e.run(*args, env=env, stdin=stdin, timeout=limit + 30)
    assert run.elapsed < limit, f"{args}: {run.elapsed:.1f} s"
    assert run.peak_kb < 100 * 1024, f"{args}: {run.peak_kb} KB"
    return run


def _shown(env: dict[str, str], *extra: str) -> dict[str, dict]:
    run = _timed("--format", "json", *extra, env=env)
    assert run.returncode == 0 and run.stderr == "", run
    return {p["id"]: p for p in run.json()["providers"]}


def _every_bar(env: dict[str, str]) -> dict[str, str]:
    return {fmt: e2e.host_text(fmt, _timed("--format", fmt, env=env)) for fmt in e2e.BAR_FORMATS}


# -- item 1: reset roll-over ------------------------------------------------------------------------

@pytest.mark.parametrize("length,reset_at", [(1, 86400), (61, 1_000_000_000), (-300, 1_000_000_000),
                                              (0, 1_000_000_000)])
def test_a_tiny_window_with_an_ancient_reset_renders_at_once(world, length, reset_at):
    env, root, server = world
    _config(root, server.url)
    server.reply(CODEX, _codex({"used_percent": 41, "limit_window_seconds": length, "reset_at": reset_at}))
    codex = _shown(env, "--wait")["codex"]
    assert codex["status"] == "ok"
    assert all(w["window_seconds"] is None or w["window_seconds"] >= 60 for w in codex["windows"])
    texts = _every_bar(env)
    assert texts["plain"].startswith("Codex ") and "!" not in texts["plain"], texts


@pytest.mark.parametrize("length", [-300, 1, 0.5])
def test_a_cached_record_with_a_broken_window_length_renders_at_once(world, length):
    """A record written by an older version (or by hand) is checked on the way out too."""
    env, root, server = world
    _config(root, server.url)
    server.reply(CODEX, GOOD_CODEX)
    assert _shown(env, "--wait")["codex"]["status"] == "ok"
    from llmeter_bar.store.cache import Store

    store = Store(root / "cache")
    record = store.read("codex")
    record["result"]["windows"][0].update(window_seconds=length, resets_at="2001-09-09T01:46:40Z")
    store.write("codex", record)
    store.close()
    texts = _every_bar(env)
    assert texts["plain"] == "Codex 9% 3d11h", texts


# -- item 5: dates no platform can format ---------------------------------------------------------

@pytest.mark.parametrize("reset", [FAR, FAR * 1000, "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_a_far_future_reset_stays_in_its_own_segment(world, reset):
    env, root, server = world
    env["TZ"] = "Asia/Tokyo"
    _config(root, server.url, ("codex", "claude"), extra='[format.plain]\nreset = "clock"\n')
    server.reply(CODEX, _codex({"used_percent": 41, "limit_window_seconds": 18000, "reset_at": reset}))
    server.reply(CLAUDE, {"five_hour": {"utilization": 37.0, "resets_at": reset}})
    shown = _shown(env, "--wait")
    assert {shown["codex"]["status"], shown["claude"]["status"]} == {"ok"}
    assert shown["codex"]["windows"][0]["resets_at"] is None
    texts = _every_bar(env)
    for fmt, text in texts.items():
        assert "!err" not in text and "41%" in text and "37%" in text, (fmt, text)
    statusline = {"rate_limits": {"five_hour": {"used_percentage": 12, "resets_at": reset}}}
    line = e2e.host_text("claude-code", _timed("--format", "claude-code", env=env, stdin=json.dumps(statusline)))
    assert "!err" not in line and "41%" in line


# -- item 6: Retry-After ----------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["99999999999999", "1e400", "-5", "nan"])
def test_any_retry_after_is_recorded_and_honoured(world, header):
    env, root, server = world
    _config(root, server.url)
    server.reply(CODEX, {"error": "rate limited"}, status=429, headers={"Retry-After": header})
    started = time.time()
    first = e2e.run("refresh", "codex", env=env)
    assert first.returncode in (0, 1) and "Traceback" not in first.stderr, first
    codex = _shown(env)["codex"]
    assert codex["error"]["kind"] == "rate_limit", codex
    from datetime import datetime

    retry_at = datetime.fromisoformat(codex["error"]["retry_at"].replace("Z", "+00:00")).timestamp()
    assert started < retry_at <= time.time() + 86400 + 1
    for _ in range(5):
        e2e.run("refresh", "codex", env=env)
        e2e.run("--format", "tmux", env=env)
    assert server.hits[CODEX] == 1


# -- items 12 and 13: impossible figures, replies without figures ----------------------------------

def _due(root: Path) -> None:
    from llmeter_bar.store.cache import Store

    store = Store(root / "cache")
    for key in store.keys():
        store.update(key, next_at=0)
    store.close()


@pytest.mark.parametrize("used", [-123456, 1e300])
def test_impossible_spend_is_parse_or_stale_never_shown(world, used):
    env, root, server = world
    _config(root, server.url, ("claude",))
    bad = {"extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": used, "utilization": 10}}
    server.reply(CLAUDE, bad)
    claude = _shown(env, "--wait")["claude"]
    assert claude["status"] == "error" and claude["error"]["kind"] == "parse", claude
    assert "impossible spend" in claude["error"]["message"]
    assert e2e.host_text("plain", _timed("--format", "plain", env=env)) == "Claude !parse"
    server.reply(CLAUDE, GOOD_CLAUDE)
    _due(root)
    assert _shown(env, "--wait")["claude"]["status"] == "ok"
    server.reply(CLAUDE, dict(GOOD_CLAUDE, **bad))
    _due(root)
    claude = _shown(env, "--wait")["claude"]
    assert claude["status"] == "stale" and claude["cost"] is None and claude["windows"][0]["used_percent"] == 37
    for fmt, text in _every_bar(env).items():
        assert not e2e.nonsense(text) and len(text) < 120, (fmt, text)


def test_a_reply_without_figures_keeps_the_last_good_ones_stale(world):
    env, root, server = world
    _config(root, server.url)
    server.reply(CODEX, GOOD_CODEX)
    assert _shown(env, "--wait")["codex"]["status"] == "ok"
    server.reply(CODEX, {"plan_type": "team"})
    _due(root)
    codex = _shown(env, "--wait")["codex"]
    assert codex["status"] == "stale" and codex["windows"][0]["used_percent"] == 41, codex
    assert codex["plan"] == "plus" and "no longer carries usage figures" in codex["error"]["message"]
    assert "41%" in e2e.host_text("plain", _timed("--format", "plain", env=env))


# -- item 14: nan and inf in the config ----------------------------------------------------------

@pytest.mark.parametrize("text,where", [
    ("[general]\ninterval = nan\n", "general.interval"),
    ("[general]\ntimeout = inf\n", "general.timeout"),
    ("[provider.codex]\nstale_after = -inf\n", "provider.codex.stale_after"),
    ("[thresholds]\nwarn = nan\n", "thresholds.warn"),
    ("[provider.codex.accounts.work]\ninterval = nan\n", "provider.codex.accounts.work.interval"),
])
def test_non_finite_config_numbers_are_cfg(world, text, where):
    env, root, _ = world
    config = root / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    for fmt, shown in _every_bar(env).items():
        assert "!cfg" in shown, (fmt, shown)
    run = _timed("--format", "json", env=env)
    assert f"{where} must be a finite number" in run.stdout


# -- item 15: a UTF-8 byte order mark -------------------------------------------------------------

def test_a_bom_before_the_json_body_is_accepted(world):
    env, root, server = world
    _config(root, server.url)
    server.reply(CODEX, b"\xef\xbb\xbf" + json.dumps(GOOD_CODEX).encode(),
                 headers={"Content-Type": "application/json; charset=utf-8"})
    codex = _shown(env, "--wait")["codex"]
    assert codex["status"] == "ok" and codex["windows"][0]["used_percent"] == 41


# -- item 8: a lone surrogate in provider text -----------------------------------------------------

def test_a_lone_surrogate_never_stops_output(world):
    env, root, server = world
    _config(root, server.url)
    server.reply(CODEX, json.dumps(_codex({"used_percent": 41, "limit_window_seconds": 18000,
                                           "reset_after_seconds": 60}, plan="\ud800pro")))
    run = _timed("--format", "json", "--wait", env=env)
    assert run.stderr == "" and run.json()["providers"][0]["plan"] in ("\ufffdpro", "?pro")
    for fmt, text in _every_bar(env).items():
        assert "41%" in text, (fmt, text)
    for args in (("doctor", "--format", "json"), ("history", "--format", "json"), ("--long",),
                 ("providers",)):
        done = e2e.run(*args, env=env)
        assert "Traceback" not in done.stderr and done.stdout.strip(), (args, done)
        if "json" in args:
            e2e.strict_json(done.stdout)


# -- item 3: stdin that never ends, trickles or nests ------------------------------------------------

def test_endless_stdin_is_capped_in_size_and_time(world):
    env, root, server = world
    _config(root, server.url, ("claude",))
    server.reply(CLAUDE, GOOD_CLAUDE)
    assert _shown(env, "--wait")["claude"]["status"] == "ok"
    with open("/dev/zero", "rb") as zero:
        done = e2e.run("--format", "claude-code", stdin=zero, env=env, timeout=30)
    assert done.elapsed < 2.5
    assert 0 < done.peak_kb < 100 * 1024, f"{done.peak_kb} KB"  # its own VmHWM, not pytest's inherited maxrss
    assert done.returncode == 0 and done.stderr == "" and "37%" in done.stdout


def test_trickling_stdin_gives_up_after_about_a_second(world):
    env, root, server = world
    _config(root, server.url, ("claude",))
    server.reply(CLAUDE, GOOD_CLAUDE)
    _shown(env, "--wait")
    render = subprocess.Popen([str(cli.SCRIPT), "--format", "claude-code"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    started = time.monotonic()
    try:
        while render.poll() is None and time.monotonic() - started < 10:
            try:
                render.stdin.write(b" ")  # type: ignore[union-attr]
                render.stdin.flush()  # type: ignore[union-attr]
            except BrokenPipeError:
                break
            time.sleep(0.25)
        assert render.wait(timeout=10) == 0
    finally:
        procs.reap([render.pid])
    assert time.monotonic() - started < 2.5
    assert b"37%" in render.stdout.read()  # type: ignore[union-attr]


@pytest.mark.parametrize("payload", ["[" * 100000 + "]" * 100000, '{"a":' * 50000 + "1" + "}" * 50000,
                                     "9" * 5000], ids=["deep-list", "deep-object", "5000-digits"])
def test_deeply_nested_stdin_is_ignored(world, payload):
    env, root, server = world
    _config(root, server.url, ("claude",))
    server.reply(CLAUDE, GOOD_CLAUDE)
    _shown(env, "--wait")
    line = e2e.host_text("claude-code", _timed("--format", "claude-code", env=env, stdin=payload))
    assert "37%" in line and "!err" not in line
