"""The shipped snippets: one source (package data), identical copies in the repo's
integrations/ folders, and ``init`` printing them with this install's command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from llmeter_bar import integrations
from support import cli

REPO = Path(__file__).resolve().parents[2] / "integrations"
FILES = [(host, name) for host, entry in integrations.HOSTS.items() for name in entry.files]


@pytest.mark.parametrize(("host", "name"), FILES, ids=[f"{h}/{n}" for h, n in FILES])
def test_repo_copy_is_identical_to_the_package_data(host: str, name: str) -> None:
    shipped, copy = integrations.path(host, name), REPO / host / name
    fix = f"cp -p {shipped.relative_to(REPO.parent)} {copy.relative_to(REPO.parent)}"
    assert copy.read_bytes() == shipped.read_bytes(), f"integrations/ out of date: {fix}"
    assert copy.stat().st_mode & 0o111 == shipped.stat().st_mode & 0o111, f"mode differs: {fix}"


def test_every_host_folder_has_a_readme_and_only_the_listed_files() -> None:
    for host, entry in integrations.HOSTS.items():
        assert (REPO / host / "README.md").is_file(), host
        package_files = {p.name for p in (integrations.ROOT / host).iterdir() if p.name != "__pycache__"}
        assert package_files == set(entry.files), host


def test_init_fills_in_the_running_console_script() -> None:
    for host, entry in integrations.HOSTS.items():
        for name in entry.files:
            run = cli.run("init", host, "--file", name)
            expected = integrations.path(host, name).read_text().replace(integrations.PLACEHOLDER, str(cli.SCRIPT))
            assert run.returncode == 0 and run.stdout == expected, (host, name, run.stderr)
            assert integrations.PLACEHOLDER not in run.stdout
    waybar = cli.run("init", "waybar")
    assert waybar.stdout.startswith("// llmeter-bar in waybar")
    assert "init waybar --file style.css" in waybar.stderr


def test_init_output_parses_in_the_host_language() -> None:
    toml = tomllib.loads(cli.run("init", "starship").stdout)["custom"]["llmeter"]
    assert toml["command"] == f"{cli.SCRIPT} --format starship" and toml["when"] is True
    settings = json.loads(cli.run("init", "claude-code").stdout)["statusLine"]
    assert settings["command"] == f"{cli.SCRIPT} --format claude-code" and settings["type"] == "command"


def test_init_without_the_script_on_path_falls_back_to_python_m(tmp_path: Path) -> None:
    env = cli.env(PATH="/usr/bin:/bin")
    run = subprocess.run([sys.executable, "-m", "llmeter_bar", "init", "polybar"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=30)
    assert run.returncode == 0, run.stderr
    assert f"exec = {sys.executable} -m llmeter_bar --format polybar\n" in run.stdout


def test_init_list_and_unknown_host() -> None:
    listing = cli.run("init", "--list")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(integrations.HOSTS)
    # The summaries start in one column, however long a host's file list is.
    assert len({line.index(entry.summary) for line, entry in zip(lines, integrations.HOSTS.values())}) == 1
    unknown = cli.run("init", "conky")
    assert unknown.returncode == 2 and "conky" in unknown.stderr


def test_fill_quotes_a_path_with_spaces() -> None:
    text = integrations.fill("exec = @LLMETER_BAR@ --format polybar", ["/opt/my tools/llmeter-bar"])
    assert text == "exec = '/opt/my tools/llmeter-bar' --format polybar"
    assert os.sep in integrations.command_words()[0]
