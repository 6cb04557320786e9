"""Where a GitHub token for Copilot's usage endpoint comes from (no network).

Order: llmeter-bar's own store (device-flow login), the ``token`` config
option, ``$COPILOT_TOKEN`` (or the variable named by option ``token_env``),
then the files the Copilot editor plugins write (``apps.json`` is newer than
``hosts.json``). ``GITHUB_TOKEN``/``GH_TOKEN`` are deliberately not read: they
are usually CI or ``gh`` tokens without Copilot access, and a silent 403 from
them would hide the real setup problem.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers.base import CredentialInfo, ProviderSettings
from llmeter_bar.providers.credfile import read_text_bounded

ENV_TOKEN = "COPILOT_TOKEN"
LOGIN_HINT = "run `llmeter-bar login copilot` or sign in to GitHub Copilot in your editor"


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    source: str  # "store", "config", "env:NAME" or a file path
    user: str | None = None


def plugin_dir() -> Path:
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "github-copilot"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "github-copilot"


def plugin_files() -> list[Path]:
    folder = plugin_dir()
    return [folder / "apps.json", folder / "hosts.json"]


def _from_store(settings: ProviderSettings) -> Token | None:
    try:
        from llmeter_bar.store import credstore
    except ImportError:
        return None
    try:
        entry = credstore.get("copilot", settings.instance)
    except Exception:  # a broken store must not hide the other sources
        return None
    token = entry.get("token") if isinstance(entry, dict) else None
    if isinstance(token, str) and token.strip():
        return Token(token.strip(), "store", entry.get("user") if isinstance(entry.get("user"), str) else None)
    return None


def _from_file(path: Path) -> Token | None:
    """The github.com token of a plugin file; raises FetchError("config") when unreadable."""
    try:
        found = read_text_bounded(path)
    except OSError as exc:
        raise FetchError("config", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:  # binary junk: as broken as invalid JSON
        found = "\0"
    if found is None:
        return None
    text = found
    if not text.strip():
        return None  # an empty file holds no login: same as no file
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise FetchError("config", f"{path} is not valid JSON; {LOGIN_HINT}") from None
    if not isinstance(data, dict):
        raise FetchError("config", f"{path} does not hold a JSON object; {LOGIN_HINT}")
    # Keys are "github.com" (hosts.json) or "github.com:<app id>" (apps.json);
    # GitHub Enterprise hosts come later so that github.com wins.
    entries = sorted(data.items(), key=lambda item: not str(item[0]).startswith("github.com"))
    for _key, entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("oauth_token"), str):
            token = entry["oauth_token"].strip()
            if token:
                user = entry.get("user")
                return Token(token, str(path), user if isinstance(user, str) else None)
    return None


def find_token(settings: ProviderSettings) -> Token:
    """The token to use, or NotConfigured / FetchError("config")."""
    found = _from_store(settings)
    if found:
        return found
    configured = settings.option("token")
    if isinstance(configured, str) and configured.strip():
        return Token(configured.strip(), "config")
    env_name = str(settings.option("token_env") or ENV_TOKEN)
    env_value = os.environ.get(env_name, "").strip()
    if env_value:
        return Token(env_value, f"env:{env_name}")
    for path in plugin_files():
        found = _from_file(path)
        if found:
            return found
    raise NotConfigured(f"no GitHub Copilot token found; {LOGIN_HINT}")


def describe(settings: ProviderSettings) -> CredentialInfo | None:
    try:
        token = find_token(settings)
    except NotConfigured:
        return None
    except FetchError as exc:
        return CredentialInfo(source=str(plugin_dir()), detail=exc.message, usable=False)
    detail = f"user {token.user}" if token.user else ""
    return CredentialInfo(source=token.source, detail=detail)
