"""Disk, config and credential-file faults end to end: a short marker, exit 0, a
clear message in --format json and doctor, the cache rebuilt where that is
safe, and the user's own files left exactly as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support import allproviders, cli, e2e, procs, unprivileged


@pytest.fixture
def world(faults, tmp_path, isolated_home):
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(allproviders.config(lambda p: faults.base_url("good", p), timeout=10))
    started: list[int] = []
    yield env, tmp_path, started
    procs.reap(started + list(procs.refreshers(tmp_path / "cache")))


def _fingerprint(*paths: Path) -> dict[str, tuple[bytes, int, int]]:
    """Bytes, mtime and mode of each file (lstat: a symlink is judged as a link)."""
    out = {}
    for path in paths:
        st = os.lstat(path)
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        out[str(path)] = (data, st.st_mtime_ns, st.st_mode)
    return out


def _every_format(env: dict[str, str]) -> dict[str, str]:
    """Render every bar format at once; each must be a valid host line. Returns the texts."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(e2e.BAR_FORMATS, pool.map(lambda f: e2e.run("--format", f, env=env), e2e.BAR_FORMATS)))
    return {fmt: e2e.host_text(fmt, run) for fmt, run in runs.items()}


def _doctor(env: dict[str, str]) -> dict:
    run = e2e.run("doctor", "--format", "json", env=env)
    assert run.stderr == "" and run.returncode in (0, 1)
    return run.json()


def _check(report: dict, area: str, status: str, words: str) -> None:
    found = [c for c in report["checks"] if c["area"] == area and c["status"] == status and words in c["message"]]
    assert found, f"no {status} {area} check saying {words!r}: {[c for c in report['checks'] if c['area'] == area]}"


# -- the cache directory -------------------------------------------------------------------------

def test_cache_dir_below_a_regular_file(world):
    env, root, _ = world
    blocker = root / "blocker"
    blocker.write_text("a user's file where a directory was expected\n")
    before = _fingerprint(blocker)
    env = dict(env, LLMETER_BAR_CACHE_DIR=str(blocker / "cache"))
    texts = _every_format(env)
    assert texts["plain"] == "llmeter !cfg"
    assert "cache directory unusable" in e2e.run("--format", "json", env=env).stdout
    report = _doctor(env)
    _check(report, "cache", "error", str(blocker))
    assert report["ok"] is False
    assert _fingerprint(blocker) == before


def test_cache_dir_replaced_by_a_file_is_left_alone(world):
    env, root, _ = world
    assert e2e.run("--format", "json", "--wait", env=env).returncode == 0
    shutil.rmtree(root / "cache")
    (root / "cache").write_bytes(b"someone's notes\n")
    before = _fingerprint(root / "cache")
    texts = _every_format(env)
    assert all(len(t) < 40 for t in texts.values()), texts
    _check(_doctor(env), "cache", "error", str(root / "cache"))
    assert _fingerprint(root / "cache") == before


def test_corrupt_cache_database_is_set_aside_and_rebuilt(world):
    env, root, _ = world
    cache = root / "cache"
    cache.mkdir()
    (cache / "cache.db").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    (cache / "notes.txt").write_text("not ours to touch\n")
    before = _fingerprint(cache / "notes.txt")
    _every_format(env)
    shown = e2e.run("--format", "json", "--wait", env=env).json()
    assert {p["status"] for p in shown["providers"]} == {"ok"}
    kept = sorted(p.name for p in cache.iterdir())
    assert any(name.startswith("cache.db.corrupt-") for name in kept), kept
    assert _fingerprint(cache / "notes.txt") == before
    _check(_doctor(env), "cache", "warn", "corrupt")


def test_cache_dir_deleted_under_a_running_watcher(world):
    env, root, started = world
    assert e2e.run("--format", "json", "--wait", env=env).returncode == 0
    watcher = subprocess.Popen([str(cli.SCRIPT), "--format", "waybar", "--watch"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started.append(watcher.pid)
    assert e2e.strict_json(watcher.stdout.readline())["class"] == "ok"
    shutil.rmtree(root / "cache")
    (root / "config" / "config.toml").touch()  # a change the watcher notices within its poll
    line = watcher.stdout.readline()
    assert e2e.strict_json(line)["text"], line
    assert watcher.poll() is None, "the watcher died"
    # A one-shot render rebuilds the cache; the watcher keeps going.
    assert e2e.run("--format", "json", "--wait", env=env).json()["providers"][0]["status"] == "ok"
    assert (root / "cache" / "cache.db").is_file()
    procs.reap([watcher.pid])
    assert watcher.stderr.read() == ""


def _full_tmpfs(target: Path) -> bool:
    target.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(target)],
                          capture_output=True)
    return done.returncode == 0


def test_full_filesystem(world):
    """Cache and log on a full filesystem: a real 8 MB tmpfs filled up when mount works
    (root in CI), else RLIMIT_FSIZE at the current sizes, which makes every growing write
    fail with EFBIG the way ENOSPC does (SIGXFSZ ignored so the write returns the error)."""
    env, root, started = world
    disk = root / "disk"
    mounted = _full_tmpfs(disk)
    try:
        env = dict(env, LLMETER_BAR_CACHE_DIR=str(disk / "cache"), LLMETER_BAR_STATE_DIR=str(disk / "state"))
        assert e2e.run("--format", "json", "--wait", env=env).json()["providers"][0]["status"] == "ok"
        assert e2e.run("--format", "tmux", env=env).returncode == 0  # logs something, creates the log
        from llmeter_bar.store.cache import Store

        store = Store(disk / "cache")  # the interval passes: the next render starts a refresh
        for key in store.keys():
            store.update(key, next_at=0)
        store.close()
        preexec = None
        if mounted:
            with open(disk / "filler", "wb") as filler:
                try:
                    while True:
                        filler.write(b"\0" * 65536)
                        filler.flush()
                except OSError:
                    pass
        else:
            import resource
            import signal

            def preexec() -> None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        texts = {}
        for fmt in e2e.BAR_FORMATS:
            done = subprocess.run([str(cli.SCRIPT), "--format", fmt], env=env, capture_output=True, text=True,
                                  input="", preexec_fn=preexec, timeout=30)
            texts[fmt] = e2e.host_text(fmt, e2e.Run((fmt,), done.returncode, done.stdout, done.stderr, 0))
        waited = subprocess.run([str(cli.SCRIPT), "--format", "json", "--wait"], env=env, capture_output=True,
                                text=True, preexec_fn=preexec, timeout=30)
        assert waited.returncode == 0 and waited.stderr == ""
        shown = e2e.strict_json(waited.stdout)["providers"]
        if texts["plain"] == "llmeter !busy":  # SQLite could not even open the cache for writing
            assert "cache busy or disk full" in shown[0]["error"]["message"]
            assert not list((disk / "cache").glob("*corrupt*")), "a full disk is no corruption"
        else:  # the figures already there are still shown
            assert "37%" in texts["plain"] and all(p["windows"] or p["cost"] for p in shown)
    finally:
        procs.reap(list(procs.refreshers(disk / "cache")))
        if mounted:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# -- the config file ------------------------------------------------------------------------------

CONFIGS = {
    "syntax error": ("[general\nproviders = [\n", r"config\.toml"),
    "wrong type": ('[general]\ninterval = "often"\n', "general.interval must be a number"),
    "unknown provider": ('[general]\nproviders = ["claude", "nope"]\n', "unknown provider 'nope'"),
}


@pytest.mark.parametrize("case", [*CONFIGS, "symlink loop"])
def test_broken_config(world, case):
    env, root, _ = world
    config = root / "config" / "config.toml"
    if case == "symlink loop":
        config.unlink()
        (root / "config" / "loop.toml").symlink_to(config)
        config.symlink_to(root / "config" / "loop.toml")
        words = "symbolic links"
        files = [config, root / "config" / "loop.toml"]
    else:
        text, words = CONFIGS[case]
        config.write_text(text)
        files = [config]
    before = _fingerprint(*files)
    texts = _every_format(env)
    shown = e2e.run("--format", "json", env=env).json()["providers"]
    messages = " ".join((p["error"] or {}).get("message", "") for p in shown)
    import re

    assert re.search(words, messages), messages
    if case == "unknown provider":
        assert "!cfg" in texts["plain"] and "Claude" in texts["plain"]
    else:
        assert texts["plain"] == "llmeter !cfg"
    report = _doctor(env)
    assert report["ok"] is False
    assert [c for c in report["checks"] if c["area"] == "config" and c["status"] == "error"]
    assert _fingerprint(*files) == before


# -- credential files -----------------------------------------------------------------------------

def test_truncated_and_binary_credential_files(world, isolated_home):
    env, root, _ = world
    claude = isolated_home / ".claude" / ".credentials.json"
    claude.write_bytes(claude.read_bytes()[:25])
    codex = isolated_home / ".codex" / "auth.json"
    codex.write_bytes(os.urandom(300))
    gemini = isolated_home / ".gemini" / "oauth_creds.json"
    gemini.write_bytes(b"\xff\xfe\x00binary\x00" * 20)
    cursor = isolated_home / ".config" / "Cursor" / "User" / "globalStorage" / "state.vscdb"
    cursor.write_bytes(os.urandom(2048))
    files = [claude, codex, gemini, cursor]
    before = _fingerprint(*files)
    shown = {p["id"]: p for p in e2e.run("--format", "json", "--wait", env=env).json()["providers"]}
    for pid, path in (("claude", claude), ("codex", codex), ("gemini", gemini), ("cursor", cursor)):
        error = shown[pid]["error"]
        assert shown[pid]["status"] == "error" and error["kind"] in ("auth", "config"), (pid, error)
        assert str(path) in error["message"], (pid, error)
    assert shown["copilot"]["status"] == "ok"
    texts = _every_format(env)
    assert "!auth" in texts["plain"] and "15%" in texts["plain"]
    report = _doctor(env)
    assert report["ok"] is False
    for pid in ("claude", "codex", "gemini", "cursor"):
        assert [c for c in report["checks"] if c["name"] == pid and c["status"] == "error"], pid
    assert _fingerprint(*files) == before


def test_unreadable_credential_file(world, isolated_home):
    """Mode 000 cannot stop root: as root, the command runs as an unprivileged user."""
    env, root, _ = world
    acct = None
    command = [str(cli.SCRIPT)]
    home = isolated_home
    if os.geteuid() == 0:
        acct = unprivileged.account()
        if isinstance(acct, str):
            pytest.skip(f"as root mode 000 does not bite, and there is no unprivileged user: {acct}")
        shutil.copytree(root, acct.home / "w", symlinks=True, ignore=shutil.ignore_patterns("cache", "state"))
        for dirpath, dirnames, filenames in os.walk(acct.home / "w"):
            for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
                os.lchown(name, acct.uid, acct.gid)
        home = acct.home / "w" / "home"
        env = e2e.isolated_env(acct.home / "w", home=home)
        words = unprivileged.command(acct, env)
        if isinstance(words, str):
            acct.cleanup()
            pytest.fail(words)
        command = [*acct.prefix, *words]
    try:
        claude = home / ".claude" / ".credentials.json"
        os.chmod(claude, 0)
        before = _fingerprint(claude) if os.geteuid() == 0 else None
        done = subprocess.run([*command, "--format", "json", "--wait"], env=env, capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0 and done.stderr == ""
        shown = {p["id"]: p for p in e2e.strict_json(done.stdout)["providers"]}
        log = next(iter(Path(env["LLMETER_BAR_STATE_DIR"]).glob("*.log")), None)
        assert "claude" in shown, (done.stdout, log and log.read_text()[-3000:])
        assert shown["claude"]["status"] == "error", done.stdout
        assert "Permission denied" in shown["claude"]["error"]["message"]
        assert shown["codex"]["status"] == "ok"
        bar = subprocess.run([*command, "--format", "tmux"], env=env, capture_output=True, text=True, timeout=30)
        assert "!auth" in e2e.host_text("tmux", e2e.Run(("tmux",), bar.returncode, bar.stdout, bar.stderr, 0))
        if before is not None:
            assert _fingerprint(claude) == before
    finally:
        if acct is not None:
            acct.cleanup()
