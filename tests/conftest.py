"""Test isolation: every test gets its own HOME, config, cache and state dirs,
and no test can open a connection outside 127.0.0.0/8."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from support.fixtures import FIXTURES, load_fixture  # noqa: F401  (re-exported for fixtures below)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("LLMETER_BAR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LLMETER_BAR_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("LLMETER_BAR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LLMETER_BAR_STATE_DIR", str(tmp_path / "state"))
    # A test that crosses an alert level may run a real notify-send: with no
    # session bus or display it reaches nobody's desktop.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    for name in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    for name in (
        "CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME", "NO_COLOR", "TMUX",
        "ANTHROPIC_ADMIN_KEY", "OPENAI_ADMIN_KEY", "OPENROUTER_API_KEY",
        "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_RESOURCE", "GITHUB_TOKEN", "GH_TOKEN",
        "COPILOT_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN", "LLMETER_BAR_DEBUG",
        "ZAI_API_KEY", "ZHIPUAI_API_KEY", "KIMI_CODE_API_KEY", "KIMI_API_KEY", "KIMI_CODE_HOME",
        "MINIMAX_CODING_API_KEY", "MINIMAX_API_KEY", "OLLAMA_API_KEY", "GROK_OAUTH_TOKEN", "GROK_HOME",
        "DEEPSEEK_API_KEY", "FACTORY_API_KEY", "SYNTHETIC_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise OSError(f"tests may not reach {host}: use aioresponses or a 127.0.0.1 server")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)



@pytest.fixture
def fake_server():
    from support.server import FakeServer

    with FakeServer() as server:
        yield server


@pytest.fixture
def write_config(tmp_path: Path):
    """Write the isolated config file; returns its path."""

    def write(text: str) -> Path:
        path = tmp_path / "config" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write


@pytest.fixture(autouse=True)
def _aioresponses_compat(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioresponses 0.7.9 builds ClientResponse without aiohttp 3.14's ``stream_writer``."""
    import types

    import aiohttp
    import aioresponses.core

    class Response(aiohttp.ClientResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", types.SimpleNamespace(output_size=0))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(aioresponses.core, "ClientResponse", Response)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Where the real-host tests left their screenshots (tests/integrations)."""
    import sys

    hosts = sys.modules.get("support.hosts")
    if hosts is not None and hosts.kept:
        terminalreporter.write_sep("-", "host test artifacts")
        for path in hosts.kept:
            terminalreporter.write_line(str(path))
