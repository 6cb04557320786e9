"""What llmeter-bar creates is private whatever the umask (issue 13, item 17): dirs
0700, files 0600, and the parents it makes (~/.cache, ~/.local/state, ~/.config)
never wider than 0755. A fresh HOME with the usual XDG defaults, umask 000."""

from __future__ import annotations

import os
import stat
import subprocess

from support import allproviders, cli, e2e, procs


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli.SCRIPT), *args], env=env, capture_output=True, text=True, input=stdin,
                          timeout=60, preexec_fn=lambda: os.umask(0))


def test_umask_000_creates_nothing_wider_than_private(faults, tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    home.chmod(0o755)
    allproviders.plant(home)
    before = {p for p in home.rglob("*")}
    env = e2e.isolated_env(tmp_path, home=home)
    for name in ("LLMETER_BAR_CONFIG_DIR", "LLMETER_BAR_CONFIG", "LLMETER_BAR_CACHE_DIR", "LLMETER_BAR_STATE_DIR",
                 "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env.pop(name, None)
    try:
        init = _run("config", "init", env=env)
        assert init.returncode == 0, init
        config = home / ".config" / "llmeter-bar" / "config.toml"
        config.write_text(allproviders.config(lambda p: faults.base_url("good", p), timeout=5))
        assert _run("login", "openrouter", "--key-stdin", env=env, stdin="sk-or-v1-SCRUBME-modes-0000\n").returncode == 0
        assert _run("--format", "json", "--wait", env=env).returncode == 0
        assert _run("--format", "tmux", env=env).returncode == 0
        config.write_text('[general]\ninterval = "often"\n')
        assert _run("--format", "waybar", env=env).returncode == 0  # a config error is logged: the log appears
        logs = list(home.rglob("llmeter-bar.log"))
        assert logs
        created = sorted(p for p in home.rglob("*") if p not in before)
        assert any(p.name == "cache.db" for p in created)
        wide = []
        for path in created:
            mode = stat.S_IMODE(path.lstat().st_mode)
            ours = "llmeter-bar" in path.parts
            limit = (0o700 if ours else 0o755) if path.is_dir() else 0o600
            if mode & ~limit:
                wide.append(f"{path.relative_to(home)} {mode:04o}")
        assert wide == []
    finally:
        procs.reap(list(procs.refreshers(home / ".cache" / "llmeter-bar")))
