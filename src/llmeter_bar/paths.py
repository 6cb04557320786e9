"""Where llmeter-bar keeps its files; every location can be moved by an env var.

platformdirs is imported only when no override is set, so tests and scripted
setups that set the variables skip its import.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "llmeter-bar"
CONFIG_ENV = "LLMETER_BAR_CONFIG"
CACHE_ENV = "LLMETER_BAR_CACHE_DIR"
STATE_ENV = "LLMETER_BAR_STATE_DIR"
CONFIG_DIR_ENV = "LLMETER_BAR_CONFIG_DIR"


def _override(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    found = _override(CONFIG_DIR_ENV)
    if found:
        return found
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def config_file() -> Path:
    return _override(CONFIG_ENV) or config_dir() / "config.toml"


def cache_dir() -> Path:
    found = _override(CACHE_ENV)
    if found:
        return found
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def state_dir() -> Path:
    """Logs and other files that are neither config nor disposable cache."""
    found = _override(STATE_ENV)
    if found:
        return found
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def log_file() -> Path:
    return state_dir() / "llmeter-bar.log"
