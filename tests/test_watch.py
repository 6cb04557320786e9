"""``--watch``: real watcher processes against a counting 127.0.0.1 server and a shared cache."""

from __future__ import annotations

import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from llmeter_bar.store import fastpath
from llmeter_bar.store.cache import Store
from support import cli
from support.watcher import Watcher, cpu_seconds, zombie_children

IDLE = 6.0  # seconds of wall time an idle watcher is measured over
IDLE_CPU = 0.35  # generous: an idle watcher wakes every 2 s; a 10 ms poll loop burns > 1 s here


def _filled(fake_server, write_config, used: float = 40, interval: float = 300) -> None:
    fake_server.reply("/usage/fake", {"used": used})
    write_config(cli.fake_config(fake_server.url, interval=interval))
    assert "fake: ok" in cli.run("refresh").stdout


def _poke(tmp_path: Path, used: float) -> None:
    """Another process changes the cache the way every writer does: record, then bump."""
    store = Store(tmp_path / "cache")
    record = store.read("fake")
    record["result"]["windows"][0]["used_percent"] = used
    store.write("fake", record)
    fastpath.bump(store.cache)
    store.close()


def _watcher_files(tmp_path: Path) -> list[str]:
    folder = tmp_path / "state" / "watchers"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_prints_on_a_cache_change_and_stays_quiet_otherwise(tmp_path, fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "plain") as w:
        assert w.next_line() == "Fake 40%"
        assert w.quiet_for(4.5) == []  # two generation checks and no change: no line
        _poke(tmp_path, 47)  # no signal: found through the generation counter
        started = time.monotonic()
        assert w.next_line(timeout=5) == "Fake 47%"
        assert time.monotonic() - started < 4
        assert w.quiet_for(3) == []
    assert fake_server.hits["/usage/fake"] == 1


def test_sigusr1_prints_at_once_and_fetches_on_demand(fake_server, write_config):
    _filled(fake_server, write_config)
    fake_server.reply("/usage/fake", {"used": 52})
    with Watcher("--format", "tmux") as w:
        first = w.next_line()
        assert "40%" in first
        time.sleep(1.2)  # renders are at least a second apart
        w.signal(signal.SIGUSR1)
        started = time.monotonic()
        assert w.next_line(timeout=3) == first  # the cache as it is, at once, though unchanged
        assert time.monotonic() - started < 1.0
        assert "52%" in w.next_line(timeout=5)  # then the fetch the signal asked for
        assert w.quiet_for(2.5) == []  # the refresher's notice starts no second fetch
    assert fake_server.hits["/usage/fake"] == 2


def test_sigusr1_never_skips_a_rate_limit_wait(tmp_path, fake_server, write_config):
    _filled(fake_server, write_config)
    store = Store(tmp_path / "cache")
    store.update("fake", not_before=time.time() + 600)  # a 429 asked for ten minutes' rest
    store.close()
    with Watcher("--format", "plain") as w:
        assert w.next_line() == "Fake 40%"
        time.sleep(1.2)
        w.signal(signal.SIGUSR1)
        assert w.next_line(timeout=3) == "Fake 40%"
        assert w.quiet_for(2) == []
    assert fake_server.hits["/usage/fake"] == 1


def test_refresh_command_makes_watchers_print_the_new_figures_quickly(tmp_path, fake_server, write_config):
    _filled(fake_server, write_config)
    watchers = [Watcher("--format", "plain") for _ in range(3)]
    try:
        for w in watchers:
            assert w.next_line() == "Fake 40%"
        cli.wait_until(lambda: len(_watcher_files(tmp_path)) == 3)
        fake_server.reply("/usage/fake", {"used": 63})
        assert "fake: ok" in cli.run("refresh").stdout
        started = time.monotonic()
        for w in watchers:
            assert w.next_line(timeout=5) == "Fake 63%"
        assert time.monotonic() - started < 1.5  # signalled, not found by the 2 s poll or the tick
    finally:
        for w in watchers:
            w.stop()
    assert fake_server.hits["/usage/fake"] == 2
    assert _watcher_files(tmp_path) == []  # each removed its pid file on exit


def test_ingest_by_another_process_shows_up(tmp_path, write_config):
    write_config('[general]\nproviders = ["claude"]\n')
    resets = int(time.time() + 7200)
    payload = f'{{"rate_limits": {{"five_hour": {{"used_percentage": 37, "resets_at": {resets}}}}}}}'
    with Watcher("--format", "plain", "--no-color") as w:
        first = w.next_line()
        assert "37%" not in first
        assert cli.run("ingest", "claude-code", input=payload).returncode == 0
        assert w.until(lambda line: "37%" in line, timeout=5)  # (a line for the failed claude fetch may come first)


def test_closing_stdout_ends_the_watcher_cleanly(fake_server, write_config):
    _filled(fake_server, write_config)
    proc = cli.start("--format", "waybar", "--watch")
    assert proc.stdout is not None and proc.stderr is not None
    assert '"text"' in proc.stdout.readline()
    time.sleep(0.5)
    proc.stdout.close()  # the bar went away while the watcher sleeps
    assert proc.wait(timeout=5) == 0
    assert proc.stderr.read() == ""


def test_closing_stdout_during_a_write_ends_the_watcher_cleanly(fake_server, write_config, tmp_path):
    _filled(fake_server, write_config)
    proc = cli.start("--format", "plain", "--watch")
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    os.close(proc.stdout.fileno())  # no reader left; the watcher learns it by poll or by EPIPE
    _poke(tmp_path, 55)
    assert proc.wait(timeout=5) == 0
    assert proc.stderr.read() == ""


def _idle_cpu(w: Watcher) -> float:
    w.next_line(timeout=15)
    time.sleep(0.5)  # start-up (imports, first render) is not what is measured
    before = w.cpu_seconds()
    time.sleep(IDLE)
    assert w.proc.poll() is None
    return w.cpu_seconds() - before


def test_an_idle_watcher_sleeps(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "waybar") as w:
        assert _idle_cpu(w) < IDLE_CPU


def test_an_idle_watcher_sleeps_when_the_cache_is_unusable(tmp_path, fake_server, write_config):
    write_config(cli.fake_config(fake_server.url))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")  # a cache dir below a file: unusable even for root
    with Watcher("--format", "plain", LLMETER_BAR_CACHE_DIR=str(blocker / "cache")) as w:
        assert _idle_cpu(w) < IDLE_CPU
        assert w.seen + w.quiet_for(0.2) == ["llmeter !cfg"]
    assert fake_server.hits["/usage/fake"] == 0


def test_an_idle_watcher_sleeps_when_the_network_is_down(write_config):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    write_config(cli.fake_config(dead))
    with Watcher("--format", "plain") as w:
        assert _idle_cpu(w) < IDLE_CPU
        assert (w.seen + w.quiet_for(0.2))[-1] == "Fake !net"  # one failed fetch, then quiet


def test_an_idle_watcher_sleeps_with_a_broken_config(write_config):
    write_config("[general\nproviders = 3\n")
    with Watcher("--format", "polybar") as w:
        assert _idle_cpu(w) < IDLE_CPU
        lines = w.seen + w.quiet_for(0.2)
        assert len(lines) == 1 and "!cfg" in lines[0]


def test_a_fixed_config_is_picked_up(fake_server, write_config):
    write_config("[general\n")
    fake_server.reply("/usage/fake", {"used": 12})
    with Watcher("--format", "plain") as w:
        assert "!cfg" in w.next_line()
        write_config(cli.fake_config(fake_server.url))
        assert w.until(lambda line: line == "Fake 12%", timeout=10)
    assert fake_server.hits["/usage/fake"] == 1


def test_ten_watchers_and_a_burst_of_renders_on_an_expired_cache_fetch_once(tmp_path, fake_server, write_config):
    _filled(fake_server, write_config, used=10)
    store = Store(tmp_path / "cache")
    store.update("fake", next_at=0)  # the interval has passed
    store.close()
    fake_server.reply("/usage/fake", {"used": 11}, delay=0.5)
    watchers = [Watcher("--format", "plain") for _ in range(10)]
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            runs = list(pool.map(lambda _: cli.run("--format", "tmux"), range(40)))
        assert all(r.returncode == 0 and r.stderr == "" for r in runs)
        for w in watchers:
            w.until(lambda line: line == "Fake 11%", timeout=20)
        time.sleep(2.5)  # every watcher has re-rendered after the fetch: none asks again
    finally:
        for w in watchers:
            w.stop()
    assert fake_server.hits["/usage/fake"] == 2  # the one for the fill, and exactly one more


def test_no_zombie_refreshers_are_left_behind(tmp_path, fake_server, write_config):
    _filled(fake_server, write_config, interval=1)
    with Watcher("--format", "plain") as w:
        w.next_line()
        # Due every second: each cycle the watcher itself starts a refresher.
        cli.wait_until(lambda: fake_server.hits["/usage/fake"] >= 5, timeout=40)
        fake_server.reply("/usage/fake", {"error": "slow"}, status=429, headers={"Retry-After": "600"})
        w.until(lambda line: line == "Fake ~40%", timeout=20)  # stale: the 429 stops the cycle
        time.sleep(1.5)
        assert zombie_children(w.pid) == []
        assert cpu_seconds(w.pid) < 5


def test_sigterm_ends_the_watcher_quietly(tmp_path, fake_server, write_config):
    _filled(fake_server, write_config)
    w = Watcher("--format", "plain")
    w.next_line()
    cli.wait_until(lambda: len(_watcher_files(tmp_path)) == 1)
    w.signal(signal.SIGTERM)
    assert w.proc.wait(timeout=5) == 0
    assert w.stderr_text() == ""
    assert _watcher_files(tmp_path) == []
    w.stop()


WATCH_PROBE = """
import sys
from llmeter_bar.cli.entry import main
code = main(sys.argv[1:])
sys.stderr.write("\\n".join(sorted(sys.modules)))
sys.exit(code)
"""


def test_a_watcher_never_imports_the_fetch_stack(fake_server, write_config):
    import subprocess
    import sys

    _filled(fake_server, write_config)
    fake_server.reply("/usage/fake", {"used": 41})
    proc = subprocess.Popen([sys.executable, "-c", WATCH_PROBE, "--format", "waybar", "--watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli.env())
    assert proc.stdout is not None
    assert "40%" in proc.stdout.readline()
    time.sleep(1.2)
    proc.send_signal(signal.SIGUSR1)  # a click: the fetch happens in a refresher, not here
    cli.wait_until(lambda: "41%" in proc.stdout.readline())
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    modules = set(err.split("\n"))
    assert "llmeter_bar.live.watch" in modules  # the probe works
    assert sorted(m for m in modules if m.split(".")[0] in ("aiohttp", "asyncio", "click")) == []
    assert not any(m.startswith("support.") for m in modules), "the provider module was imported"
    assert fake_server.hits["/usage/fake"] == 2


def test_notify_signals_only_a_pid_whose_start_time_still_matches(tmp_path):
    import subprocess

    from llmeter_bar.live import watchers

    reused = subprocess.Popen(["sleep", "30"])  # stands for a program that got a dead watcher's pid
    live = subprocess.Popen(["sleep", "30"])  # stands for a watcher (SIGUSR2 kills a sleep)
    try:
        folder = watchers.directory()
        folder.mkdir(parents=True)
        (folder / str(reused.pid)).write_text(f"{reused.pid} 12345\n")
        (folder / str(live.pid)).write_text(f"{live.pid} {watchers.start_time(live.pid)}\n")
        (folder / "999999999").write_text("999999999 1\n")  # a watcher that died without cleaning up
        (folder / "junk").write_text("not a pid file")
        assert watchers.notify() == 1
        assert live.wait(timeout=5) == -signal.SIGUSR2
        assert reused.poll() is None  # never signalled
        assert sorted(p.name for p in folder.iterdir()) == sorted([str(live.pid), "junk"])
    finally:
        for proc in (reused, live):
            proc.kill()
            proc.wait()


def test_a_click_before_the_watcher_is_ready_is_kept_not_fatal():
    """SIGUSR1's default action ends a process: between start-up and the
    watcher's own handlers, the early holder keeps the click for the loop."""
    from llmeter_bar.live import watch_io

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGUSR1, signal.SIGUSR2)}
    read_end, write_end = os.pipe()
    try:
        watch_io.hold_signals()
        os.kill(os.getpid(), signal.SIGUSR1)  # still alive: the holder took it
        waker = watch_io.Waker(write_end, None, None)
        waker.install()
        try:
            started = time.monotonic()
            assert waker.wait(5.0) == "forced" and waker.clicked
            assert time.monotonic() - started < 1.0  # acted on at once, not after the sleep
            assert waker.wait(0.05) == ""
        finally:
            waker.uninstall()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        os.close(read_end)
        os.close(write_end)
