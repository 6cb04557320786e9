"""Whatever breaks, every bar format exits 0, prints its segment and nothing on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmeter_bar import render
from support import cli

BAR_FORMATS = sorted(name for name in render.FORMATS if render.load(name).bar)
ALL_FORMATS = sorted(render.FORMATS)
MAX_LINES = {"i3blocks": 3}


def _assert_segment(run, fmt: str) -> None:
    assert run.returncode in (0, 33) if fmt == "i3blocks" else run.returncode == 0, run
    assert run.stderr == "", run.stderr
    lines = run.stdout.split("\n")
    assert lines[-1] == "" and 1 <= len(lines) - 1 <= MAX_LINES.get(fmt, 1), run.stdout
    assert lines[0].strip(), "an empty segment: waybar and Claude Code hide or blank it"


def _broken_cache_dir(tmp_path: Path) -> dict[str, str]:
    target = tmp_path / "not-a-dir"
    target.write_text("a file where the cache dir should be")
    return {"LLMETER_BAR_CACHE_DIR": str(target / "cache")}


def _garbage_cache_dir(tmp_path: Path) -> dict[str, str]:
    target = tmp_path / "garbage"
    target.mkdir()
    (target / "cache.db").write_bytes(b"\x00garbage, not sqlite\xff" * 100)
    (target / "junk.txt").write_text("left by someone else")
    return {"LLMETER_BAR_CACHE_DIR": str(target)}


SCENARIOS = {
    "corrupt config": ("[general\nproviders = [", {}),
    "wrong type in config": ('[general]\ninterval = "often"\n', {}),
    "unknown provider": ('[general]\nproviders = ["nope"]\n', {}),
    "cache dir is not a directory": ('[general]\nproviders = ["fake"]\n', "broken"),
    "cache dir holds garbage": ('[general]\nproviders = ["fake"]\n', "garbage"),
    "provider raises": (cli.fake_config("http://127.0.0.1:9") + "crash = true\n", {}),
}


@pytest.mark.parametrize("fmt", BAR_FORMATS + ["plain"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_format_survives(scenario, fmt, tmp_path, write_config):
    text, env = SCENARIOS[scenario]
    write_config(text)
    if env == "broken":
        env = _broken_cache_dir(tmp_path)
    elif env == "garbage":
        env = _garbage_cache_dir(tmp_path)
    if scenario == "provider raises":
        cli.run("refresh")
    run = cli.run("--format", fmt, input="", **env)
    _assert_segment(run, fmt)


def test_garbage_cache_is_set_aside_and_rebuilt(tmp_path, write_config, fake_server):
    env = _garbage_cache_dir(tmp_path)
    fake_server.reply("/usage/fake", {"used": 5})
    write_config(cli.fake_config(fake_server.url))
    run = cli.run("--format", "json", "--wait", **env)
    assert '"used_percent": 5' in run.stdout
    kept = sorted(p.name for p in (tmp_path / "garbage").iterdir())
    assert "junk.txt" in kept and any(n.startswith("cache.db.corrupt-") for n in kept)


def test_config_error_is_explained_in_json(write_config):
    write_config('[general]\ninterval = "often"\n')
    run = cli.run("--format", "json")
    assert run.returncode == 0
    assert "general.interval must be a number" in run.stdout


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_demo_renders_in_every_format(fmt):
    run = cli.run("--demo", "--format", fmt, input="")
    assert run.returncode in (0, 33) and run.stderr == ""
    assert run.stdout.strip()
