"""A bar prints whatever the locale (issue 13, item 7), and a click reader ignores
what it cannot parse (item 9). Real command, private HOME, a server on 127.0.0.1.

Locale choice: llmeter-bar always writes UTF-8 to stdout (bars read their
command's bytes as UTF-8, waybar and i3bar by protocol), so under a latin-1 or a C
locale the icons arrive as UTF-8 bytes instead of an empty line. The latin-1
locale is compiled with localedef into a private LOCPATH (Debian: the ``locales``
package holds its source)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from support import allproviders, cli, e2e, procs
from support.watcher import Watcher

CODEX = "/backend-api/wham/usage"
GOOD_CODEX = {"plan_type": "plus", "rate_limit": {
    "primary_window": {"used_percent": 41, "limit_window_seconds": 18000, "reset_after_seconds": 7200}}}


@pytest.fixture(scope="session")
def latin1_locpath(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("locale")
    if not shutil.which("localedef") or not Path("/usr/share/i18n/locales/en_US").exists():
        pytest.skip("localedef or the locale sources (Debian package locales) missing")
    done = subprocess.run(["localedef", "-i", "en_US", "-f", "ISO-8859-1", str(folder / "en_US.ISO-8859-1")],
                          capture_output=True, timeout=120)
    if not (folder / "en_US.ISO-8859-1").is_dir():
        pytest.skip(f"localedef failed: {done.stderr[-200:]!r}")
    return folder


@pytest.fixture
def world(tmp_path, isolated_home, fake_server):
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(allproviders.config(lambda p: fake_server.url, timeout=2, providers=("codex",)))
    fake_server.reply(CODEX, GOOD_CODEX)
    assert e2e.run("--format", "json", "--wait", env=env).json()["providers"][0]["status"] == "ok"
    yield env, tmp_path
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _locale_env(env: dict[str, str], lang: str, locpath: Path | None) -> dict[str, str]:
    env = {k: v for k, v in env.items() if not k.startswith("LC_") and k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    env["LANG"] = lang
    if locpath is not None:
        env["LOCPATH"] = str(locpath)
    return env


@pytest.mark.parametrize("lang", ["en_US.ISO-8859-1", "C"])
def test_every_format_prints_utf8_whatever_the_locale(world, latin1_locpath, lang):
    env, _ = world
    env = _locale_env(env, lang, latin1_locpath if lang != "C" else None)
    probe = subprocess.run([str(Path(cli.SCRIPT).parent / "python"), "-c", "import sys; print(sys.stdout.encoding)"],
                           env=env, capture_output=True, text=True)
    if lang != "C":
        assert probe.stdout.strip() == "iso8859-1", "the latin-1 locale is not in effect"
    for fmt in e2e.BAR_FORMATS + ["json"]:
        done = subprocess.run([str(cli.SCRIPT), "--format", fmt], env=env, capture_output=True, timeout=30, input=b"")
        text = done.stdout.decode("utf-8")  # strict: UTF-8 bytes, or this raises
        assert done.returncode == 0 and done.stderr == b"", (fmt, done)
        if fmt == "json":
            assert json.loads(text)["providers"][0]["windows"][0]["used_percent"] == 41
            continue
        run = e2e.Run((fmt,), done.returncode, text, "", 0)
        shown = e2e.host_text(fmt, run)
        assert "41%" in shown, (fmt, shown)
        if fmt == "tmux":
            assert "◎" in shown  # the icon, as UTF-8, not replaced
    doctor = subprocess.run([str(cli.SCRIPT), "doctor"], env=env, capture_output=True, timeout=60)
    assert doctor.stdout and b"Traceback" not in doctor.stderr


def test_an_i3bar_watcher_ignores_digits_and_deep_json_on_stdin(world):
    env, root = world
    extra = {k: env[k] for k in ("HOME", "LLMETER_BAR_CONFIG", "LLMETER_BAR_CACHE_DIR", "LLMETER_BAR_STATE_DIR",
                                 "LLMETER_BAR_CONFIG_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}
    with Watcher("--format", "i3bar", stdin=True, **extra) as w:
        for _ in range(3):
            w.next_line()
        w.send("[\n")
        w.send("9" * 5000 + "\n")
        w.send("," + '{"a":' * 100000 + "1" + "}" * 100000 + "\n")
        w.send("," + json.dumps({"name": "llmeter", "button": "9" * 5000}) + "\n")
        w.quiet_for(1.5)
        assert w.proc.poll() is None, w.stderr_text()
        w.send("," + json.dumps({"name": "llmeter", "button": 1}) + "\n")  # still listening
        w.quiet_for(1.0)
        assert w.proc.poll() is None
    assert w.stderr_text() == ""
