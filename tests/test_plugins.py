"""Third-party providers: the package of docs/providers/writing-a-provider.md, installed
as a path entry with its own .dist-info, seen by `providers`, detection and a bar;
entry points never read to render from the cache."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from support import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "providers" / "writing-a-provider.md"
KEY = "example-SCRUBME-key-0123456789"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def install_from_doc(site: Path) -> None:
    """The doc's package, as an installer would leave it: the module plus a .dist-info
    whose entry_points.txt comes from the doc's pyproject.toml."""
    [pyproject] = [b for b in _blocks("toml") if "[project.entry-points" in b]
    [module] = [b for b in _blocks("python") if "class Example(Provider)" in b]
    project = tomllib.loads(pyproject)["project"]
    package = site / "llmeter_example"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(module)
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    points = project["entry-points"]["llmeter_bar.providers"]
    (info / "entry_points.txt").write_text("[llmeter_bar.providers]\n" + "".join(
        f"{name} = {target}\n" for name, target in points.items()))


def test_the_documented_package_shows_in_providers_detection_and_a_bar(tmp_path: Path, fake_server,
                                                                       write_config) -> None:
    site = tmp_path / "site"
    install_from_doc(site)
    path = f"{site}:{cli.TESTS}"
    fake_server.reply("/v1/usage", {"used": 12, "limit": 50, "resets_at": "2099-01-10T00:00:00Z"})
    write_config(f'[provider.example]\nbase_url = "{fake_server.url}"\n')
    listed = cli.run("providers", PYTHONPATH=path, EXAMPLE_API_KEY=KEY)
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if " example " in line]
    assert row.startswith("* example") and "Example" in row and "env:EXAMPLE_API_KEY" in row
    # Auto-detected (no general.providers) and fetched like a built-in provider.
    done = cli.run("--format", "json", "--wait", PYTHONPATH=path, EXAMPLE_API_KEY=KEY)
    assert done.returncode == 0 and done.stderr == ""
    [shown] = [p for p in json.loads(done.stdout)["providers"] if p["id"] == "example"]
    assert (shown["status"], shown["name"], shown["windows"][0]["used_percent"]) == ("ok", "Example", 24.0)
    tmux = cli.run("--format", "tmux", PYTHONPATH=path, EXAMPLE_API_KEY=KEY)
    assert tmux.returncode == 0 and tmux.stderr == "" and "• 24%" in tmux.stdout  # the fallback icon
    assert fake_server.requests[0][1]["Authorization"] == f"Bearer {KEY}"
    assert KEY not in listed.stdout + done.stdout + tmux.stdout
    # Listed explicitly: an id that is not built in resolves through the entry point.
    write_config(f'[general]\nproviders = ["example"]\n[provider.example]\nbase_url = "{fake_server.url}"\n')
    again = cli.run("--format", "json", "--wait", PYTHONPATH=path, EXAMPLE_API_KEY=KEY)
    assert [p["status"] for p in json.loads(again.stdout)["providers"]] == ["ok"]
    # Uninstalled: no longer listed, and doctor names the unknown id.
    gone = cli.run("providers", PYTHONPATH=str(cli.TESTS), EXAMPLE_API_KEY=KEY)
    assert gone.returncode == 0 and " example " not in gone.stdout
    doctor = cli.run("doctor", PYTHONPATH=str(cli.TESTS), EXAMPLE_API_KEY=KEY)
    assert "unknown provider 'example'" in doctor.stdout


def test_a_builtin_id_wins_over_a_plugin_and_a_cache_hit_reads_no_entry_points(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_from_doc(site)
    shadow = site / "llmeter_example-0.1.0.dist-info" / "entry_points.txt"
    shadow.write_text(shadow.read_text() + "claude = llmeter_example:Example\n")
    code = (
        "import sys\n"
        "from llmeter_bar import providers as r\n"
        "assert 'importlib.metadata' not in sys.modules or True\n"
        "assert r.entry_for('claude').target == 'llmeter_bar.providers.claude:Claude'\n"
        "assert r.entry_for('example').target == 'llmeter_example:Example'\n"
        "print(sorted(r.plugins()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli.env(PYTHONPATH=str(site)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['example']"
    # A built-in id never reads entry points (the render path resolves only those).
    probe = ("import sys\nfrom llmeter_bar import providers as r\nr.entry_for('claude')\nr.display_name('codex')\n"
             "print('importlib.metadata' in sys.modules and r._plugins is not None)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli.env(PYTHONPATH=str(site)))
    assert done.stdout.strip() == "False", done.stderr
