"""Every problem in the display tables ([format], [colors], [thresholds], [icons]),
found once when the config is read, not one per renderer at render time.

The renderers still refuse a broken table (the bar shows ``!cfg``); this list is
how the reason reaches ``--format json``, the waybar tooltip, ``config show``,
``providers`` and ``doctor``. Each section is checked on its own so one typo
does not hide the next.
"""

from __future__ import annotations

from typing import Any, Callable

from llmeter_bar.errors import ConfigError
from llmeter_bar.format import icons, options, template, thresholds

_TEMPLATE_KEYS = ("format", "format_error", "format_loading", "format_unconfigured", "short_format")


def _tables(section: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, table) of every [format] layer that may hold templates."""
    out: list[tuple[str, dict[str, Any]]] = [("format", section)]
    for host in options.HOSTS:
        table = section.get(host)
        if isinstance(table, dict):
            out.append((f"format.{host}", table))
            for name, sub in (table.get("provider") or {}).items():
                if isinstance(sub, dict):
                    out.append((f"format.{host}.provider.{name}", sub))
    for name, sub in (section.get("provider") or {}).items() if isinstance(section.get("provider"), dict) else ():
        if isinstance(sub, dict):
            out.append((f"format.provider.{name}", sub))
    return out


def problems(data: dict[str, Any]) -> list[str]:
    """The messages of every display-table problem, in file order where it matters."""
    found: list[str] = []

    def attempt(check: Callable[[], object]) -> None:
        try:
            check()
        except ConfigError as exc:
            if str(exc) not in found:
                found.append(str(exc))

    section = data.get("format", {})
    for host in options.HOSTS:
        attempt(lambda host=host: options.load({"format": section}, host))
    if isinstance(section, dict):  # a host's table on its own, past a mistake in [format]
        for where, table in _tables(section)[1:]:
            nested = ("provider",) if where.count(".") == 1 else ()
            attempt(lambda w=where, t=table, n=nested: options._options(w, t, n))
    if isinstance(section, dict):
        from llmeter_bar.render.common import PLACEHOLDERS

        for where, table in _tables(section):
            for key in _TEMPLATE_KEYS:
                value = table.get(key)
                if isinstance(value, str):
                    attempt(lambda v=value, w=f"{where}.{key}": template.parse(v, PLACEHOLDERS, w))
    attempt(lambda: options.parse_colors(data.get("colors", {})))
    limits = data.get("thresholds", {})
    keys = ["_"] + (list(limits.get("provider", {})) if isinstance(limits, dict)
                    and isinstance(limits.get("provider"), dict) else [])
    for key in keys:
        attempt(lambda key=key: thresholds.for_provider(limits, key))
    attempt(lambda: icons.validate(data.get("icons", {})))
    return found
