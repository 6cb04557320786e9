"""Hostile upstream text and secrets, end to end through the local server.

Provider strings (plan names, labels, account names, error bodies) carry host
markup, command substitution, ANSI/OSC escapes and line breaks; they must reach
every format neutralised. Every fake secret must stay out of every output, log,
cache byte, temp file and the refresher's command line.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support import allproviders, cli, e2e, procs

HOSTILE_ERRORS = ("anthropic-api", "openai-api", "azure-openai")
# Every provider string into the bar text itself, accounts included.
EVERYTHING = """
[format]
window = "all"
format = "[{tag} ]{stale}{value}[ {window}][ {plan}][ {account}][ {error}][ {message}]"
format_error = "[{tag} ]!{error}[ {message}]"
"""


@pytest.fixture
def world(faults, tmp_path, isolated_home):
    secrets = allproviders.plant(isolated_home)
    # The config file lives apart, so llmeter-bar creates its own config dir (the credential store's).
    (tmp_path / "userconf").mkdir()
    env = e2e.isolated_env(tmp_path, home=isolated_home,
                           LLMETER_BAR_CONFIG=str(tmp_path / "userconf" / "config.toml"))
    yield env, tmp_path, secrets
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _write_config(root: Path, base_url, extra: str = "", timeout: float = 10) -> None:
    text = allproviders.config(base_url, timeout=timeout, extra=extra)
    if extra:
        text = text.replace("[general]\n", "[general]\nshow_account = true\n", 1)
    (root / "userconf" / "config.toml").write_text(text)


def test_hostile_provider_text_cannot_style_run_or_break_any_host(world, faults):
    env, root, _ = world
    _write_config(root, lambda p: faults.base_url("hostile_error" if p in HOSTILE_ERRORS else "hostile", p),
                  EVERYTHING)
    waited = e2e.run("--format", "json", "--wait", env=env)
    assert waited.returncode == 0 and waited.stderr == ""
    shown = {p["id"]: p for p in waited.json()["providers"]}
    assert {p for p, v in shown.items() if v["status"] == "error"} == set(HOSTILE_ERRORS), shown
    formats = [*e2e.BAR_FORMATS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(formats, pool.map(lambda f: e2e.run("--format", f, env=env), formats)))
    for fmt, run in runs.items():
        text = e2e.host_text(fmt, run)  # one line, no lone '#', no '%{', no markup, no control character
        # The hostile text did reach the bar (neutralised), so the checks above judged it.
        assert "touch /tmp/llmeter-pwned" in text and "rm -rf ~" in text, f"{fmt}: {text!r}"
        if fmt == "tmux":
            assert "##[fg=red,bg=blue]##(touch" in text and "##{pane_id}" in text
        if fmt == "polybar":
            assert "%\u200b{A1:rm -rf ~:}" in text
        if fmt == "waybar":
            assert "&lt;span color='red'&gt;" in run.stdout
    long = e2e.run("--format", "plain", "--long", env=env)
    assert long.returncode == 0 and long.stderr == ""
    assert "touch /tmp/llmeter-pwned" in long.stdout
    assert not any(c in long.stdout for c in "\x1b\x07\x9b\r\u2028\u202e"), repr(long.stdout)
    assert not Path("/tmp/llmeter-pwned").exists()


def _files(*roots: Path) -> list[Path]:
    return [p for base in roots if base.exists() for p in base.rglob("*") if p.is_file() and not p.is_symlink()]


def test_no_secret_in_outputs_logs_cache_bytes_temp_files_or_the_refresher_cmdline(world, faults):
    env, root, secrets = world
    started = time.time()
    stored_key = "sk-or-v1-SCRUBME-stored-llll3434"
    secrets = [*secrets, stored_key]
    _write_config(root, lambda p: faults.base_url("good", p))
    # A key kept in llmeter-bar's own store, given on stdin (never on a command line).
    login = e2e.run("login", "openrouter", "--key-stdin", env=env, stdin=stored_key + "\n")
    assert login.returncode == 0, login
    outputs = [login, e2e.run("--format", "json", "--wait", env=env)]
    # An upstream that echoes every header it was sent, in its error bodies.
    _write_config(root, lambda p: faults.base_url("echo", p))
    from llmeter_bar.store.cache import Store

    def expire() -> None:
        store = Store(root / "cache")
        for key in store.keys():
            store.update(key, next_at=0)
        store.close()

    expire()
    outputs += [e2e.run("refresh", env=env), e2e.run("--debug", "refresh", env=env),
                e2e.run("providers", env=env), e2e.run("doctor", env=env), e2e.run("doctor", "--format", "json", env=env)]
    for fmt in (*e2e.BAR_FORMATS, "json"):
        outputs.append(e2e.run("--format", fmt, env=env))
        outputs.append(e2e.run("--format", fmt, "--debug", "--wait", env=env))
    outputs.append(e2e.run("--format", "plain", "--long", env=env))
    assert faults.count("echo") >= len(allproviders.PROVIDERS), "the providers never called"
    assert any("HTTP 502" in o.stdout for o in outputs)
    # A refresher stalled mid-fetch: its command line (what `ps` shows) holds lock tokens only.
    _write_config(root, lambda p: faults.base_url("headers_then_stall", p), timeout=20)
    expire()
    e2e.run("--format", "tmux", env=env)
    refreshers = cli.wait_until(lambda: procs.refreshers(root / "cache"), timeout=10)
    cli.wait_until(lambda: faults.count("headers_then_stall") >= 1, timeout=10)
    cmdlines = [" ".join(argv) for argv in refreshers.values()]
    assert all("_refresh" in line for line in cmdlines)
    texts = [o.stdout + o.stderr for o in outputs] + cmdlines
    # Every file we wrote, raw bytes (cache.db and its WAL included), except the
    # user's own credential files and the store that exists to hold the key.
    store_file = root / "config" / "credentials.json"
    ours = [p for p in _files(root / "cache", root / "state", root / "config", root / "userconf") if p != store_file]
    assert any(p.name.startswith("cache.db") for p in ours) and any(p.suffix == ".log" for p in ours)
    texts += [p.read_bytes().decode("latin-1") for p in ours]
    temp = [p for p in _files(Path(tempfile.gettempdir()))
            if _newer(p, started) and p.stat().st_size < 4 * 1024 * 1024 and "pytest-of" not in str(p)]
    texts += [p.read_bytes().decode("latin-1") for p in temp if os.access(p, os.R_OK)]
    assert allproviders.scan(texts, secrets) == []
    procs.reap(list(refreshers))
    # Permissions: the store 0600 in a 0700 dir; the cache dir 0700.
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_file.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "cache").stat().st_mode) == 0o700
    assert stored_key in store_file.read_text()  # the scan above would have found it had we not skipped it


def _newer(path: Path, since: float) -> bool:
    try:
        return path.stat().st_mtime >= since
    except OSError:
        return False
