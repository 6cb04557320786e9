"""Where llmeter-bar keeps its files; every location can be moved by an env var.

The ``*_str`` functions are what a cached render uses: plain strings, and on
Linux with the usual XDG/HOME values no import at all (platformdirs and pathlib
cost a render more than reading the cache does). Anything unusual, and every
other platform, is left to platformdirs, which stays the authority.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself costs a cached render ~4 ms
if TYPE_CHECKING:
    from pathlib import Path

APP = "llmeter-bar"
CONFIG_ENV = "LLMETER_BAR_CONFIG"
CACHE_ENV = "LLMETER_BAR_CACHE_DIR"
STATE_ENV = "LLMETER_BAR_STATE_DIR"
CONFIG_DIR_ENV = "LLMETER_BAR_CONFIG_DIR"
# Set with CONFIG_ENV by --config: a file named on purpose must exist (a typo is
# an error, not the defaults). Through the environment so the background
# refresher started by this render sees it too.
CONFIG_REQUIRED_ENV = "LLMETER_BAR_CONFIG_REQUIRED"


def name_config(path: str) -> None:
    """``--config PATH``: use this file and insist that it exists."""
    os.environ[CONFIG_ENV] = os.path.abspath(os.path.expanduser(path))
    os.environ[CONFIG_REQUIRED_ENV] = "1"


def config_required() -> bool:
    return os.environ.get(CONFIG_REQUIRED_ENV, "") not in ("", "0")

# (XDG variable, its default under HOME, the platformdirs function)
_KINDS = {
    "config": ("XDG_CONFIG_HOME", ".config", "user_config_dir"),
    "cache": ("XDG_CACHE_HOME", ".cache", "user_cache_dir"),
    "state": ("XDG_STATE_HOME", ".local/state", "user_state_dir"),
}


def xdg_quick(kind: str) -> str | None:
    """The user directory as the XDG spec and platformdirs agree on it, or None
    where they might not (not Linux, a relative or odd value): then ask platformdirs."""
    if not sys.platform.startswith("linux"):
        return None
    variable, default, _ = _KINDS[kind]
    value = os.environ.get(variable, "")
    if not value:
        home = os.environ.get("HOME", "")
        if not home.startswith("/"):
            return None
        value = os.path.expanduser("~/" + default)  # as platformdirs does: HOME's trailing slashes go
    elif not value.startswith("/"):
        return None
    return os.path.join(value, APP)


def _user_dir(kind: str) -> str:
    found = xdg_quick(kind)
    if found is not None:
        return found
    import platformdirs

    return str(getattr(platformdirs, _KINDS[kind][2])(APP, appauthor=False))


def _override(name: str) -> str | None:
    value = os.environ.get(name)
    return os.path.expanduser(value) if value else None


def config_dir_str() -> str:
    return _override(CONFIG_DIR_ENV) or _user_dir("config")


def config_file_str() -> str:
    return _override(CONFIG_ENV) or os.path.join(config_dir_str(), "config.toml")


def cache_dir_str() -> str:
    return _override(CACHE_ENV) or _user_dir("cache")


def _path(value: str) -> Path:
    from pathlib import Path

    return Path(value)


def config_dir() -> Path:
    return _path(config_dir_str())


def config_file() -> Path:
    return _path(config_file_str())


def cache_dir() -> Path:
    return _path(cache_dir_str())


def state_dir_str() -> str:
    return _override(STATE_ENV) or _user_dir("state")


def state_dir() -> Path:
    """Logs and other files that are neither config nor disposable cache."""
    return _path(state_dir_str())


def log_file() -> Path:
    return state_dir() / "llmeter-bar.log"
