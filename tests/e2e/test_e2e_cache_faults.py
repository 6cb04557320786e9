"""A locked cache database or a full disk is a transient fault, not corruption
(issue 13, item 4): a render waits well under a second, then serves the output
cache or a marker; nothing is renamed, no record or 429 wait is lost. Only a
database SQLite itself calls malformed is set aside, under a name that never
overwrites another, with its -wal and -shm.

Full disk: RLIMIT_FSIZE at 0 for the render (SIGXFSZ ignored), so every write that
grows a file fails with EFBIG, the error SQLite reports as "database or disk is
full" exactly as for ENOSPC; chosen over a tmpfs mount, which needs root and leaves
a mount behind when a test dies.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from support import allproviders, cli, e2e, procs

CODEX = "/backend-api/wham/usage"
GOOD_CODEX = {"plan_type": "plus", "rate_limit": {
    "primary_window": {"used_percent": 41, "limit_window_seconds": 18000, "reset_after_seconds": 7200}}}


@pytest.fixture
def world(tmp_path, isolated_home, fake_server):
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(allproviders.config(lambda p: fake_server.url, timeout=2, providers=("codex",)))
    fake_server.reply(CODEX, GOOD_CODEX)
    assert e2e.run("--format", "json", "--wait", env=env).json()["providers"][0]["status"] == "ok"
    yield env, tmp_path, fake_server
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir())


class Holder:
    """Another process's connection holding the write lock (BEGIN EXCLUSIVE) on cache.db."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [str(Path(cli.SCRIPT).parent / "python"), "-c",
             "import sqlite3, sys, time\n"
             f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
             "c.execute('PRAGMA locking_mode = EXCLUSIVE')\n"
             "c.execute('BEGIN EXCLUSIVE')\n"
             "c.execute('UPDATE Settings SET value = value WHERE key = \"count\"')\n"
             "print('held', flush=True)\n"
             "time.sleep(120)\n"],
            stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        procs.reap([self.proc.pid])
        self.proc.wait()


def test_a_locked_database_is_waited_on_briefly_and_never_set_aside(world):
    env, root, server = world
    cache = root / "cache"
    e2e.run("--format", "tmux", env=env)  # the output cache holds this line now
    inode = (cache / "cache.db").stat().st_ino
    holder = Holder(cache / "cache.db")
    before = _files(cache)
    try:
        for fmt in e2e.BAR_FORMATS:
            run = e2e.run("--format", fmt, env=env, timeout=30)
            assert run.elapsed < 1.5, f"{fmt}: {run.elapsed:.1f} s"
            e2e.host_text(fmt, run)
        run = e2e.run("--format", "json", env=env, timeout=30)
        assert run.elapsed < 1.5 and run.returncode == 0 and run.stderr == ""
        assert _files(cache) == before, "something was renamed or created"
        assert (cache / "cache.db").stat().st_ino == inode
    finally:
        holder.release()
    shown = e2e.run("--format", "json", env=env).json()["providers"][0]
    assert shown["status"] == "ok" and shown["windows"][0]["used_percent"] == 41
    assert server.hits[CODEX] == 1


def _due(root: Path, keep_wait: bool = False) -> None:
    """The interval is over (a 429 not-before time, when kept, still holds)."""
    from llmeter_bar.store.cache import Store

    store = Store(root / "cache")
    for key in store.keys():
        store.update(key, next_at=0) if keep_wait else store.update(key, next_at=0, not_before=0)
    store.close()


def _fsize_zero() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_a_full_disk_keeps_the_records_and_the_429_wait(world):
    env, root, server = world
    cache = root / "cache"
    server.reply(CODEX, {"error": "rate limited"}, status=429, headers={"Retry-After": "3600"})
    _due(root)
    assert e2e.run("--format", "json", "--wait", env=env).json()["providers"][0]["error"]["kind"] == "rate_limit"
    assert server.hits[CODEX] == 2
    before = _files(cache)
    for _ in range(2):
        for fmt in [*e2e.BAR_FORMATS, "json"]:
            started = time.monotonic()
            done = subprocess.run([str(cli.SCRIPT), "--format", fmt], env=env, capture_output=True, text=True,
                                  preexec_fn=_fsize_zero, timeout=30, input="")
            assert time.monotonic() - started < 3.5, fmt
            assert done.returncode == 0 and done.stderr == "", (fmt, done)
            assert done.stdout.strip(), fmt
        refresh = subprocess.run([str(cli.SCRIPT), "refresh", "codex"], env=env, capture_output=True, text=True,
                                 preexec_fn=_fsize_zero, timeout=30)
        assert "Traceback" not in refresh.stderr
    assert not [n for n in _files(cache) if "corrupt" in n], _files(cache)
    assert set(before) <= set(_files(cache))
    shown = e2e.run("--format", "json", env=env).json()["providers"][0]
    assert shown["windows"][0]["used_percent"] == 41 and shown["error"]["kind"] == "rate_limit"
    _due(root, keep_wait=True)
    e2e.run("--format", "json", "--wait", env=env)
    assert server.hits[CODEX] == 2, "the 429 wait was lost"


def test_a_malformed_database_is_set_aside_with_its_wal_and_shm_never_overwriting(world):
    env, root, server = world
    cache = root / "cache"
    names = []
    for round_ in range(2):
        for name in ("cache.db-wal", "cache.db-shm"):
            (cache / name).write_bytes(b"wal or shm of round %d" % round_)
        (cache / "cache.db").write_bytes(b"this is not a database, round %d" % round_ + b"\0" * 4096)
        assert e2e.run("--format", "json", "--wait", env=env).json()["providers"][0]["status"] == "ok"
        names = [n for n in _files(cache) if "corrupt" in n]
        assert len(names) == 3 * (round_ + 1), names
    bodies = sorted((cache / n).read_bytes()[:31] for n in names if n.endswith("-corrupt") or "db.corrupt" in n)
    assert any(b"round 0" in b for b in bodies) and any(b"round 1" in b for b in bodies), bodies
