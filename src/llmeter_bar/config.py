"""The TOML config: where it lives, what it may hold, and the provider instances it yields.

A missing file is the normal case (defaults, providers auto-detected). A broken
file raises ConfigError with the key and the expected type; the render path turns
that into a short marker, never a traceback.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmeter_bar import paths
from llmeter_bar.errors import ConfigError, did_you_mean
from llmeter_bar.providers.base import ProviderSettings

DEFAULT_INTERVAL = 300.0
DEFAULT_TIMEOUT = 10.0
DEFAULT_DEBOUNCE = 30.0

_NUMBER = (int, float)
# Keys of [general] and their types. Sections owned by renderers ([format.*],
# [thresholds], ...) declare theirs in SECTION_KEYS so unknown keys are reported.
GENERAL_KEYS: dict[str, tuple[type, ...]] = {
    "providers": (list,),
    "interval": _NUMBER,
    "timeout": _NUMBER,
    "stale_after": _NUMBER,
    "show_account": (bool,),
    "log_file": (str,),
    "refresh_debounce": _NUMBER,
}
PROVIDER_KEYS: dict[str, tuple[type, ...]] = {
    "interval": _NUMBER,
    "timeout": _NUMBER,
    "stale_after": _NUMBER,
    "base_url": (str,),
    "user_agent": (str,),
    "enabled": (bool,),
    "module": (str,),
    "name": (str,),
    "kind": (str,),
    "accounts": (dict,),
    "source": (str,),  # "share": shown from the broker alone (share/)
    "share_as": (str,),
    "share_account": (str,),
    "refresh_debounce": _NUMBER,
}
# Number keys where 0 is meaningful (refresh_debounce 0: only the provider's own floor).
_ZERO_OK = {"refresh_debounce"}
# [alerts]: alerts.py checks the list contents (levels 1-100, command strings).
ALERT_KEYS: dict[str, tuple[type, ...]] = {
    "enabled": (bool,),
    "levels": (list,),
    "command": (list,),
    "timeout": _NUMBER,
    "login": (bool,),
    "back": (bool,),
    "back_level": _NUMBER,
}
# [share]: share/settings.py checks the values (broker URL, topic characters).
# No password key: it comes from LLMETER_BAR_SHARE_PASSWORD or `login share`.
SHARE_KEYS: dict[str, tuple[type, ...]] = {
    "broker": (str,),
    "ca_file": (str,),
    "topic": (str,),
    "machine": (str,),
    "publish": (bool,),
    "use_remote": (bool,),
    "home_assistant": (bool,),
    "key": (str,),
    "timeout": _NUMBER,
}
# Options a provider module reads besides PROVIDER_KEYS (the union over all
# providers; a test keeps it complete). Other keys under [provider.X] are typos.
PROVIDER_OPTION_KEYS: frozenset[str] = frozenset({
    "beta", "config_dir", "credentials_file", "token", "usage_query",  # claude
    "codex_home", "editor_plugin_version", "editor_version", "token_env", "cookie", "state_db",
    "currency", "project", "client_id", "client_secret", "token_url", "api_key", "key",
    "resource", "token_limit", "budget", "statusline_api_interval", "auth_file",
    "region",  # zai, minimax: the mainland-China endpoints
})
# Top-level sections other modules own; they validate their own content.
SECTION_KEYS: set[str] = {"general", "provider", "format", "thresholds", "colors", "icons", "alerts", "share"}


@dataclass(slots=True)
class Config:
    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Problems in the display tables ([format], [colors], [thresholds], [icons]):
    # bars show !cfg while there are any (render/check.py).
    errors: list[str] = field(default_factory=list)
    # errors then warnings, each prefixed with the file and line: what every
    # report (json, waybar tooltip, config show, providers, doctor) prints.
    problems: list[str] = field(default_factory=list)

    @property
    def general(self) -> dict[str, Any]:
        return self.data.get("general", {})

    @property
    def interval(self) -> float:
        return float(self.general.get("interval", DEFAULT_INTERVAL))

    @property
    def timeout(self) -> float:
        return float(self.general.get("timeout", DEFAULT_TIMEOUT))

    @property
    def providers(self) -> list[str] | None:
        """Enabled provider ids in display order; None means auto-detect."""
        listed = self.general.get("providers")
        return list(listed) if listed is not None else None

    def section(self, *names: str) -> dict[str, Any]:
        node: Any = self.data
        for name in names:
            node = node.get(name, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}

    def provider_options(self, provider_id: str) -> dict[str, Any]:
        return self.section("provider", provider_id)

    def settings_for(self, provider_id: str, instance: str | None = None) -> ProviderSettings:
        """Settings of one instance: general defaults < provider section < account section."""
        options = {k: v for k, v in self.provider_options(provider_id).items() if k != "accounts"}
        if instance is not None:
            options.update(self.section("provider", provider_id, "accounts", instance))
        return ProviderSettings(
            id=provider_id,
            instance=instance,
            interval=float(options.get("interval", self.interval)),
            timeout=float(options.get("timeout", self.timeout)),
            base_url=options.get("base_url"),
            user_agent=options.get("user_agent"),
            options=options,
            debounce=float(options.get("refresh_debounce", self.general.get("refresh_debounce", DEFAULT_DEBOUNCE))),
        )

    def instances(self, provider_ids: list[str]) -> list[ProviderSettings]:
        """Expand ids (``claude`` or ``claude:work``) into instances, accounts included."""
        out: list[ProviderSettings] = []
        for item in provider_ids:
            provider_id, _, instance = item.partition(":")
            if instance:
                out.append(self.settings_for(provider_id, instance))
                continue
            if self.provider_options(provider_id).get("enabled") is False:
                continue
            accounts = self.section("provider", provider_id, "accounts")
            if accounts:
                out.extend(self.settings_for(provider_id, name) for name in accounts)
            else:
                out.append(self.settings_for(provider_id))
        return out


def _check(section: str, values: dict[str, Any], keys: dict[str, tuple[type, ...]], warnings: list[str]) -> None:
    for key, value in values.items():
        expected = keys.get(key)
        if expected is None:
            warnings.append(f"unknown key '{section}.{key}' ignored{did_you_mean(key, keys)}")
            continue
        # bool is an int in Python; a number key must not accept true/false.
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            names = " or ".join("number" if t in _NUMBER else t.__name__ for t in expected)
            names = "number" if expected == _NUMBER else names
            raise ConfigError(f"{section}.{key} must be a {names}, got {type(value).__name__} {value!r}")
        if expected == _NUMBER and (value < 0 if key in _ZERO_OK else value <= 0):
            raise ConfigError(f"{section}.{key} must be greater than 0, got {value!r}")


def _unknown_options(where: str, options: dict[str, Any], warnings: list[str]) -> None:
    allowed = set(PROVIDER_KEYS) | PROVIDER_OPTION_KEYS
    for key in options:
        if key not in allowed:
            warnings.append(f"unknown key '{where}.{key}' ignored{did_you_mean(key, allowed)}")


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")
# The dotted key a message is about: "a.b must ...", "a.b: unknown key 'c'", "unknown key 'a.b' ...".
_SUBJECT = re.compile(r"^\[?([A-Za-z0-9_.:\"-]+)\]?(?: must|:| \()")
_QUOTED = re.compile(r"unknown (?:key|level|section) '\[?([^'\]]+)\]?'")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in dotted.split(".")]


def locate(text: str, message: str) -> int | None:
    """The line (1-based) a config message refers to, found by scanning table
    headers and keys; None when the message names no key or it is not found."""
    quoted = _QUOTED.search(message)
    subject = _SUBJECT.match(message)
    if quoted and message.startswith("unknown"):
        wanted = _parts(quoted.group(1))
    elif subject:
        wanted = _parts(subject.group(1)) + (_parts(quoted.group(1)) if quoted else [])
    else:
        return None
    table: list[str] = []
    best = None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = _parts(header.group(1))
            if table == wanted:
                return number
            continue
        key = _KEY.match(line)
        if key:
            full = table + _parts(key.group(1))
            if full == wanted:
                return number
            if best is None and full == wanted[:len(full)] and len(full) > len(table):
                best = number  # a dotted key or inline table holding it
    return best


def _located(path: Path, text: str, messages: list[str]) -> list[str]:
    out = []
    for message in messages:
        line = locate(text, message)
        out.append(f"{path}{f' line {line}' if line else ''}: {message}")
    return out


def _reject_non_finite(node: Any, where: str = "") -> None:
    """TOML allows ``nan`` and ``inf``; no setting means either (``interval = nan``
    would mean never refetch and never stale), wherever the key lives."""
    if isinstance(node, float) and not math.isfinite(node):
        raise ConfigError(f"{where} must be a finite number, got {node!r}")
    if isinstance(node, dict):
        for key, value in node.items():
            _reject_non_finite(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _reject_non_finite(value, f"{where}[{index}]")


def validate(data: dict[str, Any]) -> list[str]:
    """Raise ConfigError on a wrong type; return warnings for unknown keys."""
    _reject_non_finite(data)
    warnings: list[str] = []
    for name in data:
        if name not in SECTION_KEYS:
            warnings.append(f"unknown section '[{name}]' ignored{did_you_mean(name, SECTION_KEYS)}")
    general = data.get("general", {})
    if not isinstance(general, dict):
        raise ConfigError("[general] must be a table")
    _check("general", general, GENERAL_KEYS, warnings)
    for item in general.get("providers", []):
        if not isinstance(item, str):
            raise ConfigError(f"general.providers must list strings, got {item!r}")
    alerts = data.get("alerts", {})
    if not isinstance(alerts, dict):
        raise ConfigError("[alerts] must be a table")
    _check("alerts", alerts, ALERT_KEYS, warnings)
    share = data.get("share", {})
    if not isinstance(share, dict):
        raise ConfigError("[share] must be a table")
    if "password" in share:
        warnings.append("share.password ignored: a password never goes in the config; "
                        "set LLMETER_BAR_SHARE_PASSWORD or run `llmeter-bar login share`")
    _check("share", {k: v for k, v in share.items() if k != "password"}, SHARE_KEYS, warnings)
    providers = data.get("provider", {})
    if not isinstance(providers, dict):
        raise ConfigError("[provider] must hold tables such as [provider.claude]")
    for provider_id, options in providers.items():
        if not isinstance(options, dict):
            raise ConfigError(f"provider.{provider_id} must be a table")
        known = {k: v for k, v in options.items() if k in PROVIDER_KEYS}
        _check(f"provider.{provider_id}", known, PROVIDER_KEYS, warnings)
        for account, account_options in options.get("accounts", {}).items():
            if not isinstance(account_options, dict):
                raise ConfigError(f"provider.{provider_id}.accounts.{account} must be a table")
            if "module" not in options:
                _unknown_options(f"provider.{provider_id}.accounts.{account}", account_options, warnings)
        if "module" not in options:  # a module of your own may read any option
            _unknown_options(f"provider.{provider_id}", options, warnings)
    return warnings


def load(path: Path | None = None) -> Config:
    """Read and validate the config; a missing file gives the defaults."""
    path = path or paths.config_file()
    from llmeter_bar.providers.credfile import read_bounded

    try:
        raw = read_bounded(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw is None:
        if paths.config_required():
            raise ConfigError(f"{path}: no such file (named by --config)")
        return Config(path=path)
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    warnings = validate(data)
    from llmeter_bar.render import check

    errors = check.problems(data)
    text = raw.decode("utf-8-sig", "replace")
    return Config(path=path, data=data, warnings=warnings, errors=errors,
                  problems=_located(path, text, errors + warnings))


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
