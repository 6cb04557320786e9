"""Pure parsing of Anthropic's ``/api/oauth/usage`` body into windows and cost.

The endpoint is undocumented and has changed shape several times, so every field
is optional and every number may arrive as a string. Readings chosen where
published parsers disagree (each is covered by a fixture test):

* A null or missing bucket, or one without ``utilization``, is *unknown*, not
  0 %: no window is produced (ccstatusline shows 0 %, CodexBar omits it).
* Percentages above 100 are clamped to 100 (rounding noise or exhaustion).
* ``limits[]`` entries are scoped. An account-wide entry (``scope`` null or
  empty) of kind ``session`` / ``weekly_all`` wins over the legacy top-level
  ``five_hour`` / ``seven_day`` (quota-axi's reading), but an entry without
  ``resets_at`` keeps the legacy key's reset. An entry whose ``scope`` names a
  model or a surface never replaces the account window: it becomes a
  per-model window of its period (``weekly_scoped`` -> 7 d, ``session`` -> 5 h).
  Placeholders (0 % and no reset time) are skipped.
* Every non-null ``<period>_<name>`` key (``five_hour_opus`` as well as
  ``seven_day_sonnet``) becomes a per-model window, codenames included
  (CodexBar hides ``design``); ``cowork``/``routines`` and
  ``omelette``/``design`` are aliases of one window. All windows compete for
  the headline: the highest-used one drives the level.
* Money (extra usage, ``spend``, credit pools, saved resets) is read in
  :mod:`claude_money`. A body with no window and no spend (``{}``) is a
  ``parse`` error rather than a silent empty bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from llmeter_bar.errors import FetchError
from llmeter_bar.models import Cost, Extra, Window
from llmeter_bar.providers import claude_money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, as_list, parse_time, to_float, to_str
from llmeter_bar.providers.claude_money import parse_extra_usage  # noqa: F401 - re-exported

FIVE_HOURS = 5 * 3600
SEVEN_DAYS = 7 * 86400
PERIODS = {"five_hour": (FIVE_HOURS, "5h"), "seven_day": (SEVEN_DAYS, "7d")}
_PERIOD_KEY = re.compile(r"(five_hour|seven_day)_(\w+)")
# Fixed labels for the names users know; other names are title-cased.
_MODEL_LABELS = {"sonnet": "Sonnet", "opus": "Opus", "oauth_apps": "Apps"}
# Codename keys that are the same window under two names (CodexBar's aliases).
_ALIASES = {"cowork": "routines", "omelette": "design"}
_KIND_PERIOD = {"session": "five_hour", "weekly_all": "seven_day", "weekly": "seven_day",
                "weekly_scoped": "seven_day", "session_scoped": "five_hour"}

_BUCKET: dict[str, Any] = {"utilization": None, "resets_at": None, "reset_at": None}
_MONEY: dict[str, Any] = {"*": None}
SHAPE: dict[str, Any] = {
    "five_hour": _BUCKET, "seven_day": _BUCKET, "~(five_hour|seven_day)_\\w+": _BUCKET,
    "limits": {"[]": {"kind": None, "group": None, "percent": None, "severity": None, "resets_at": None,
                      "scope": None, "is_active": None, "utilization": None}},
    "extra_usage": {"is_enabled": None, "monthly_limit": None, "used_credits": None, "utilization": None,
                    "currency": None, "decimal_places": None, "disabled_reason": None, "resets_at": None},
    "spend": _MONEY, "cedar_ember": None,
    "model_scoped": {"[]": {"display_name": None, "utilization": None, "resets_at": None}},
}


@dataclass(slots=True)
class ClaudeUsage:
    windows: list[Window]
    cost: Cost | None
    extras: list[Extra] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _label(name: str) -> str:
    return _MODEL_LABELS.get(name, name.replace("_", " ").title())


def _window(wid: str, label: str, bucket: Any, seconds: int, percent_key: str = "utilization",
            scope: str | None = None) -> Window | None:
    data = as_dict(bucket)
    percent = to_float(data.get(percent_key))
    if percent is None and percent_key != "utilization":
        percent = to_float(data.get("utilization"))
    if percent is None:
        return None
    resets = parse_time(data.get("resets_at", data.get("reset_at")))
    return Window(id=wid, label=label, used_percent=percent, resets_at=resets, window_seconds=seconds, scope=scope)


def _placeholder(window: Window | None) -> bool:
    """0 % and no reset: "no usage yet", not a real cap."""
    return window is None or (window.used_percent == 0 and window.resets_at is None)


def _model_windows(payload: dict[str, Any]) -> dict[str, Window]:
    found: dict[str, Window] = {}
    for key, bucket in payload.items():
        match = _PERIOD_KEY.fullmatch(key)
        if match is None or not isinstance(bucket, dict):
            continue
        period, name = match.groups()
        name = _ALIASES.get(name, name)
        seconds, suffix = PERIODS[period]
        window = _window(f"{period}_{name}", f"{_label(name)} {suffix}", bucket, seconds, scope=name)
        if _placeholder(window):
            continue
        found.setdefault(window.id, window)  # type: ignore[union-attr]  # of two aliases the first populated wins
    return found


_ALL_MODELS = ("all models", "all_models", "all", "weekly", "account")


def _scope(scope: Any) -> tuple[str, str, str | None] | None:
    """(slug, display name, API id) of the model or surface an entry is limited to;
    None for an account-wide entry (no scope, an empty one, or "All models")."""
    if isinstance(scope, str):  # a bare string: "account" (or similar) is account-wide, else a name
        text = scope.strip()
        return None if text.lower() in _ALL_MODELS + ("", "global", "org", "organization", "none") else (
            _slug(text), text, None)
    data = as_dict(scope)
    for dimension in ("model", "surface"):
        node = data.get(dimension)
        if isinstance(node, dict):
            ident = to_str(node.get("id"))
            name = to_str(node.get("display_name")) or to_str(node.get("name")) or ident
        else:
            ident, name = None, to_str(node)
        if not name:
            continue
        if name.lower() in _ALL_MODELS or (ident or "").lower().endswith("all_models"):
            return None  # "All models" is the account's own weekly lane (CodexBar's reading)
        # Named by its display name, so the legacy seven_day_<name> key and its
        # limits[] twin are one window; the API's id (when sent) collapses renames.
        return _slug(name), name, ident
    return None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "scoped"
    return _ALIASES.get(slug, slug)


def _limits_windows(limits: list[Any]) -> tuple[dict[str, Window], dict[str, Window]]:
    """(account-wide windows keyed by legacy id, scoped per-model windows)."""
    main: dict[str, Window] = {}
    scoped: dict[str, Window] = {}
    seen_ids: set[tuple[str, str]] = set()
    for entry in limits:
        data = as_dict(entry)
        kind = to_str(data.get("kind")) or ""
        period = _KIND_PERIOD.get(kind)
        group = to_str(data.get("group"))
        if period is None or (group and group not in ("session", "weekly")):
            continue  # an unknown kind or a contradicting group: drift we cannot label honestly
        seconds, suffix = PERIODS[period]
        found = _scope(data.get("scope"))
        if found is None and kind.endswith("_scoped"):
            continue  # scoped to nothing we can name
        if found is None:
            window = _window(period, suffix, data, seconds, "percent")
            if window is not None:
                main.setdefault(window.id, window)
            continue
        slug, name, ident = found
        if ident is not None and (period, ident) in seen_ids:
            continue  # the same model under another name
        window = _window(f"{period}_{slug}", f"{name} {suffix}", data, seconds, "percent", scope=name)
        if not _placeholder(window):
            scoped.setdefault(window.id, window)  # type: ignore[union-attr]
            if ident is not None:
                seen_ids.add((period, ident))
    return main, scoped


def _merge_main(legacy: Window | None, newer: Window | None) -> Window | None:
    """limits[] wins, but never erases the reset time the legacy key carries."""
    if newer is None:
        return legacy
    if newer.resets_at is None and legacy is not None:
        newer.resets_at = legacy.resets_at
    return newer


def _extras(payload: dict[str, Any]) -> list[Extra]:
    found: list[Extra] = []
    for key, value in payload.items():
        if key in SHAPE or _PERIOD_KEY.fullmatch(key) or not isinstance(value, dict):
            continue
        pool = claude_money.pool_extra(key, value)
        if pool is not None:
            found.append(pool)
    resets = claude_money.saved_resets(payload.get("cedar_ember"))
    if resets is not None:
        found.append(resets)
    return found


def parse_body(payload: Any, now: datetime | None = None) -> ClaudeUsage:
    """Windows (5h, 7d, then per-model), spend, extras and unknown keys of one body."""
    if not isinstance(payload, dict):
        raise FetchError("parse", f"usage response is a {type(payload).__name__}, not an object")
    main, scoped = _limits_windows(as_list(payload.get("limits")))
    for entry in as_list(payload.get("model_scoped")):  # Claude Code's get_usage spelling (t3code)
        data = as_dict(entry)
        name = to_str(data.get("display_name"))
        window = _window(f"seven_day_{_slug(name)}", f"{name} 7d", data, SEVEN_DAYS, scope=name) if name else None
        if not _placeholder(window):
            scoped.setdefault(window.id, window)  # type: ignore[union-attr]
    windows: dict[str, Window] = {}
    for period, (seconds, suffix) in PERIODS.items():
        merged = _merge_main(_window(period, suffix, payload.get(period), seconds), main.get(period))
        if merged is not None:
            windows[period] = merged
    models = _model_windows(payload)
    models.update(scoped)  # limits[] is the newer, authoritative per-model source
    windows.update(models)
    # spend and extra_usage describe one budget (t3code's reading): spend wins.
    cost = claude_money.parse_spend(payload.get("spend")) or parse_extra_usage(payload.get("extra_usage"))
    extras = _extras(payload)
    if not windows and cost is None:
        raise FetchError("parse", "usage response has no usable windows, spend or extra usage")
    # Session and weekly first whatever the wire order: bars show the first ones.
    order = {"five_hour": 0, "seven_day": 1}
    ordered = sorted(windows.values(), key=lambda w: order.get(w.id, 2))
    pools = {e.id[len("pool_"):] for e in extras if e.id.startswith("pool_")}
    unknown = [n for n in unknown_keys(payload, SHAPE) if n.split(".")[0].split("[")[0] not in pools]
    return ClaudeUsage(ordered, cost, extras, unknown)


def parse_usage(payload: Any, now: datetime | None = None) -> tuple[list[Window], Cost | None]:
    usage = parse_body(payload, now)
    return usage.windows, usage.cost
