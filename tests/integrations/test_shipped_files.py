"""The shipped snippets: one source (the top-level integrations/, shipped in the wheel),
and ``init`` printing them with this install's command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from llmeter_bar import integrations
from support import cli

REPO = Path(__file__).resolve().parents[2] / "integrations"
FILES = [(host, name) for host, entry in integrations.HOSTS.items() for name in entry.files]


def _wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO.parent)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    return zipfile.ZipFile(next(out.glob("llmeter_bar-*.whl")))


def test_the_wheel_ships_the_top_level_integrations_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One copy: what the README links is what ``init`` prints from an installed wheel."""
    wheel = _wheel(tmp_path_factory)
    members = {info.filename: info for info in wheel.infolist()}
    for host, name in FILES:
        info = members[f"llmeter_bar/integrations/shipped/{host}/{name}"]
        source = REPO / host / name
        assert wheel.read(info) == source.read_bytes(), (host, name)
        assert (info.external_attr >> 16) & 0o111 == source.stat().st_mode & 0o111, (host, name)
    # No second copy inside the package sources.
    assert not [m for m in members if m.startswith("llmeter_bar/integrations/") and "/shipped/" not in m
                and not m.endswith("__init__.py")]


def test_every_host_folder_has_a_readme_and_the_listed_files() -> None:
    for host, entry in integrations.HOSTS.items():
        assert (REPO / host / "README.md").is_file(), host
        assert all((REPO / host / name).is_file() for name in entry.files), host
    package = Path(integrations.__file__).parent
    assert sorted(p.name for p in package.iterdir() if p.name not in ("__pycache__", "shipped")) == ["__init__.py"]


def test_init_fills_in_the_running_console_script() -> None:
    for host, entry in integrations.HOSTS.items():
        for name in entry.files:
            run = cli.run("init", host, "--file", name)
            expected = (REPO / host / name).read_text().replace(integrations.PLACEHOLDER, str(cli.SCRIPT))
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


def test_no_document_suggests_installing_an_unpublished_package() -> None:
    """llmeter-bar is not on PyPI: `pipx install llmeter-bar` would fail or fetch a stranger's package."""
    root = REPO.parent
    texts = [root / "README.md", root / "llmeter-bar.tmux", *REPO.rglob("*")]
    offenders = [str(p.relative_to(root)) for p in texts if p.is_file() and p.suffix != ".png"
                 and re.search(r"(pipx|pip) install llmeter-bar\b", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_kept_artifacts_go_to_a_directory_of_the_run_not_a_fixed_path(tmp_path):
    probe = "import sys; sys.path.insert(0, sys.argv[1]); from support import hosts; print(hosts.ARTIFACTS)"
    env = {k: v for k, v in os.environ.items() if k != "LLMETER_BAR_ARTIFACTS"}
    env["TMPDIR"] = str(tmp_path)
    seen = [subprocess.run([sys.executable, "-c", probe, str(REPO.parent / "tests")], capture_output=True,
                           text=True, env=env, timeout=30).stdout.strip() for _ in range(2)]
    assert seen[0] != seen[1] and all(Path(s).parent == tmp_path for s in seen), seen
