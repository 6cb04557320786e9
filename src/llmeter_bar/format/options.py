"""Display options: the ``[format]`` and ``[colors]`` config tables, validated.

Lookup order for an option of host H and provider P (``claude`` or
``claude:work``), first hit wins::

    [format.H.provider.P]  >  [format.H]  >  [format.provider.P]  >  [format]
      >  the built-in default of host H  >  the built-in default

``[colors]`` maps a level (ok, warn, crit, stale, error, loading,
unconfigured, surplus) to ``#rrggbb``, or to ``""`` for the host's own colour.
"""

from __future__ import annotations

from typing import Any

from llmeter_bar.errors import ConfigError, did_you_mean

HOSTS = (
    "tmux", "waybar", "polybar", "i3blocks",
    "starship", "plain", "claude-code", "json",
)
# Option -> (accepted Python types, allowed string values or None).
KEYS: dict[str, tuple[tuple[type, ...], tuple[str, ...] | None]] = {
    "format": ((str,), None),
    "format_error": ((str,), None),
    "format_loading": ((str,), None),
    "format_unconfigured": ((str,), None),
    "short_format": ((str,), None),
    "separator": ((str,), None),
    "empty": ((str,), None),
    "window": ((str,), None),  # "auto", "all" or a window id
    "window_separator": ((str,), None),
    "reset": ((str,), ("countdown", "clock")),
    "clock": ((str,), ("24h", "12h")),
    "gauge_width": ((int,), None),
    "pace_after": ((int, float), None),
    "color": ((bool,), None),
    "urgent": ((bool,), None),
    # i3blocks/i3bar: colour each provider with Pango markup ("auto": when the
    # i3blocks block says markup=pango, always in --format i3bar's own block).
    "markup": ((str,), ("auto", "pango", "none")),
    # tmux: a background behind each coloured provider ("" for none), so the
    # colours read on any status-style, tmux's stock green included.
    "background": ((str,), None),
}
DEFAULTS: dict[str, Any] = {
    "format": "[{tag} ]{stale}{value}[ {budget_used}][ {reset}]",
    "format_error": "[{tag} ]!{error}",
    "format_loading": "[{tag} ]…",
    "format_unconfigured": "[{tag} ]setup",
    "short_format": "[{icon}]{stale}{value}",
    "separator": " · ",
    "empty": "llm –",
    "window": "auto",
    "window_separator": " ",
    "reset": "countdown",
    "clock": "24h",
    "gauge_width": 5,
    "pace_after": 5.0,
    "color": True,
    "urgent": False,
    "markup": "auto",
    "background": "",
}
HOST_DEFAULTS: dict[str, dict[str, Any]] = {
    "plain": {
        "format": "{name} {stale}{value}[ {budget_used}][ {reset}]",
        "format_error": "{name} !{error}",
        "format_loading": "{name} …",
        "format_unconfigured": "{name} setup",
    },
    "starship": {"color": False},  # starship styles the module itself
    "tmux": {"background": "#282c34"},  # the palette's own dark: readable on tmux's green bar
}
LEVEL_NAMES = ("ok", "warn", "crit", "stale", "error", "loading", "unconfigured", "surplus")
DEFAULT_COLORS: dict[str, str] = {
    "ok": "#98c379",
    "warn": "#e5c07b",
    "crit": "#e06c75",
    "stale": "#7f848e",
    "error": "#e06c75",
    "loading": "#7f848e",
    "unconfigured": "#7f848e",
    "surplus": "#61afef",  # only with a [thresholds] surplus level: quota on pace to go unused
}
_HEX = frozenset("0123456789abcdefABCDEF")


def _check_option(where: str, key: str, value: Any) -> None:
    spec = KEYS.get(key)
    if spec is None:
        hint = did_you_mean(key, KEYS) or f" (expected one of {', '.join(KEYS)})"
        raise ConfigError(f"{where}: unknown key '{key}'{hint}")
    types, choices = spec
    if isinstance(value, bool) and bool not in types or not isinstance(value, types):
        expected = "number" if float in types else types[0].__name__.replace("str", "string").replace("bool", "boolean")
        raise ConfigError(f"{where}.{key} must be a {expected}, got {type(value).__name__} {value!r}")
    if choices is not None and value not in choices:
        raise ConfigError(f"{where}.{key} must be one of {', '.join(choices)}, got {value!r}")
    if key in ("gauge_width", "pace_after") and not 0 <= value <= 100:
        raise ConfigError(f"{where}.{key} must be between 0 and 100, got {value!r}")


def _options(where: str, table: Any, nested: tuple[str, ...]) -> dict[str, Any]:
    """Validate one table; return its plain options (sub-tables are checked by the caller)."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table")
    plain: dict[str, Any] = {}
    for key, value in table.items():
        if key in nested:
            if not isinstance(value, dict):
                raise ConfigError(f"{where}.{key} must be a table")
            continue
        _check_option(where, key, value)
        plain[key] = value
    return plain


def _provider_tables(where: str, table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, section in table.get("provider", {}).items():
        out[name] = _options(f"{where}.provider.{name}", section, ())
    return out


def parse_colors(section: Any) -> dict[str, str]:
    if not isinstance(section, dict):
        raise ConfigError("[colors] must be a table")
    colors = dict(DEFAULT_COLORS)
    for key, value in section.items():
        if key not in LEVEL_NAMES:
            hint = did_you_mean(key, LEVEL_NAMES) or f" (expected one of {', '.join(LEVEL_NAMES)})"
            raise ConfigError(f"colors: unknown level '{key}'{hint}")
        ok = isinstance(value, str) and (value == "" or (len(value) == 7 and value[0] == "#" and set(value[1:]) <= _HEX))
        if not ok:
            raise ConfigError(f"colors.{key} must be a string \"#rrggbb\" or \"\", got {value!r}")
        colors[key] = value.lower()
    return colors


class Options:
    """The resolved options of one host; ``get`` adds the per-provider layers.

    A plain class rather than a dataclass to keep the render path's import cheap.
    """

    __slots__ = ("host", "layers", "host_providers", "providers", "colors")

    def __init__(
        self,
        host: str,
        layers: list[dict[str, Any]],  # most specific first, without provider layers
        host_providers: dict[str, dict[str, Any]] | None = None,
        providers: dict[str, dict[str, Any]] | None = None,
        colors: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        self.layers = layers
        self.host_providers = host_providers or {}
        self.providers = providers or {}
        self.colors = colors if colors is not None else dict(DEFAULT_COLORS)

    def get(self, key: str, provider: str | None = None) -> Any:
        if provider is not None:
            base = provider.partition(":")[0]
            for table in (self.host_providers, None, self.providers):
                if table is None:
                    if key in self.layers[0]:
                        return self.layers[0][key]
                    continue
                for name in (provider, base):
                    if key in table.get(name, {}):
                        return table[name][key]
        for layer in self.layers:
            if key in layer:
                return layer[key]
        raise KeyError(key)


def load(data: dict[str, Any], host: str) -> Options:
    """Validate ``[format]`` and ``[colors]`` and resolve the options of ``host``."""
    section = data.get("format", {})
    top = _options("format", section, (*HOSTS, "provider"))
    host_table = section.get(host, {})
    host_opts = _options(f"format.{host}", host_table, ("provider",))
    for other in HOSTS:  # report mistakes in any host's table, not only the one in use
        if other != host and other in section:
            _options(f"format.{other}", section[other], ("provider",))
            _provider_tables(f"format.{other}", section[other])
    return Options(
        host=host,
        layers=[host_opts, top, HOST_DEFAULTS.get(host, {}), DEFAULTS],
        host_providers=_provider_tables(f"format.{host}", host_table),
        providers=_provider_tables("format", section),
        colors=parse_colors(data.get("colors", {})),
    )
