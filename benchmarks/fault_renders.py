"""Every bar format under each fault of issue 13: wall time and peak RSS per render.

Run from the repository with the test venv: ``.venv/bin/python benchmarks/fault_renders.py``.
Each render is the installed command in a private HOME (tests/support/e2e.py); the
peak RSS is the render process's own (VmHWM, sampled), the limit is timeout + 1 s and 100 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support import allproviders, cli, e2e, payloads  # noqa: E402
from support.server import FakeServer  # noqa: E402

TIMEOUT = 2.0
CODEX = "/backend-api/wham/usage"
GOOD = {"plan_type": "plus", "rate_limit": {"primary_window": {"used_percent": 41, "limit_window_seconds": 18000,
                                                                "reset_after_seconds": 7200}}}


def world(server: FakeServer, root: Path) -> dict[str, str]:
    home = root / "home"
    home.mkdir(parents=True)
    allproviders.plant(home)
    env = e2e.isolated_env(root, home=home)
    (root / "config").mkdir()
    (root / "config" / "config.toml").write_text(allproviders.config(lambda p: server.url, timeout=TIMEOUT,
                                                                       providers=("codex", "claude", "gemini")))
    e2e.run("--format", "json", "--wait", env=env)
    return env


def main() -> None:
    rows = []
    with FakeServer() as server:
        server.reply(CODEX, GOOD)
        server.reply("/api/oauth/usage", payloads.good("/api/oauth/usage"))
        faults = {
            "fifo credentials": lambda r, e: (os.unlink(r / "home/.claude/.credentials.json"),
                                              os.mkfifo(r / "home/.claude/.credentials.json")),
            "/dev/zero credentials": lambda r, e: (os.unlink(r / "home/.gemini/oauth_creds.json"),
                                                   os.symlink("/dev/zero", r / "home/.gemini/oauth_creds.json")),
            "fifo config": lambda r, e: (os.unlink(r / "config/config.toml"), os.mkfifo(r / "config/config.toml")),
            "far-future reset, TZ=Asia/Tokyo": lambda r, e: (
                server.reply(CODEX, {"rate_limit": {"primary_window": {"used_percent": 41, "reset_at": 253402300799,
                                                                       "limit_window_seconds": 1}}}),
                e.update(TZ="Asia/Tokyo"), e2e.run("refresh", env=e)),
            "latin-1 locale": lambda r, e: (
                subprocess.run(["localedef", "-i", "en_US", "-f", "ISO-8859-1", str(r / "loc" / "en_US.ISO-8859-1")],
                               capture_output=True),
                e.update(LANG="en_US.ISO-8859-1", LOCPATH=str(r / "loc"))),
        }
        for name, make in faults.items():
            with tempfile.TemporaryDirectory() as folder:
                root = Path(folder)
                env = world(server, root)
                make(root, env)
                for fmt in e2e.BAR_FORMATS:
                    run = e2e.run("--format", fmt, env=env, timeout=30)
                    rows.append((name, fmt, run.elapsed, run.peak_kb, run.stdout.strip()[:40]))
                server.reply(CODEX, GOOD)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            env = world(server, root)
            db = root / "cache" / "cache.db"
            holder = subprocess.Popen([sys.executable, "-c",
                                       f"import sqlite3,time\nc=sqlite3.connect({str(db)!r},isolation_level=None)\n"
                                       "c.execute('PRAGMA locking_mode=EXCLUSIVE')\nc.execute('BEGIN EXCLUSIVE')\n"
                                       "c.execute('UPDATE Settings SET value=value')\nprint('held',flush=True)\n"
                                       "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
            holder.stdout.readline()
            for fmt in e2e.BAR_FORMATS:
                run = e2e.run("--format", fmt, env=env, timeout=30)
                rows.append(("cache.db locked (EXCLUSIVE)", fmt, run.elapsed, run.peak_kb, run.stdout.strip()[:40]))
            holder.kill()
            for label, source in (("stdin /dev/zero", "/dev/zero"),):
                with open(source, "rb") as stream:
                    started = time.monotonic()
                    proc = subprocess.Popen([str(cli.SCRIPT), "--format", "claude-code"], stdin=stream,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                    out = proc.stdout.read()  # type: ignore[union-attr]
                    peak = os.wait4(proc.pid, 0)[2].ru_maxrss  # this render's own peak
                    proc.returncode = 0
                    rows.append((label, "claude-code", time.monotonic() - started, peak, out.decode()[:40].strip()))
    worst_time = max(r[2] for r in rows)
    worst_rss = max(r[3] for r in rows)
    for name, fmt, elapsed, peak, text in rows:
        print(f"{name:34} {fmt:14} {elapsed:5.2f} s {peak / 1024:6.1f} MB  {text!r}")
    print(f"\nworst: {worst_time:.2f} s (limit {TIMEOUT + 1:g} s), {worst_rss / 1024:.1f} MB (limit 100 MB), "
          f"{len(rows)} renders")


if __name__ == "__main__":
    main()
