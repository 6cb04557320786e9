"""Pure parsing of Anthropic's ``/api/oauth/usage`` body into windows and cost.

The endpoint is undocumented and has changed shape several times, so every field
is optional and every number may arrive as a string. Readings chosen where
published parsers disagree (each is covered by a fixture test):

* A null or missing bucket, or one without ``utilization``, is *unknown*, not
  0 %: no window is produced (ccstatusline shows 0 %, CodexBar omits it).
* Percentages above 100 are clamped to 100 (rounding noise or exhaustion).
* When the newer ``limits[]`` list carries ``session`` / ``weekly_all``
  entries, they win over the legacy top-level ``five_hour`` / ``seven_day``
  (quota-axi's reading; CodexBar keeps the top level). ``weekly_scoped``
  entries become per-model windows; entries without a model name, and
  placeholders (0 % with no reset time), are skipped.
* Every non-null ``seven_day_*`` key becomes a window, codenames included
  (CodexBar hides ``design``): a limit the user can hit is worth showing.
  ``cowork``/``routines`` and ``omelette``/``design`` are aliases of one window.
* ``extra_usage`` amounts are minor currency units: divided by
  ``10**decimal_places`` when given, else by the currency's ISO-4217 exponent
  (2 for USD/EUR/BRL, 0 for KRW/JPY). ``is_enabled: false`` or a null
  ``used_credits`` drops it; a missing ``is_enabled`` counts as enabled.
* A body with no window and no extra-usage spend (``{}``) is a ``parse`` error
  rather than a silent empty bar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from llmeter_bar.errors import FetchError
from llmeter_bar.models import Cost, Window
from llmeter_bar.providers._parse import as_dict, as_list, parse_time, to_float, to_int, to_str

FIVE_HOURS = 5 * 3600
SEVEN_DAYS = 7 * 86400

# Fixed labels for the keys users know; other seven_day_* keys are title-cased.
_MODEL_LABELS = {"sonnet": "Sonnet", "opus": "Opus", "oauth_apps": "Apps"}
# Codename keys that are the same window under two names (CodexBar's aliases).
_ALIASES = {"cowork": "routines", "omelette": "design"}
# ISO-4217 currencies whose minor unit is not the cent.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}


def _window(
    wid: str, label: str, bucket: Any, seconds: int, percent_key: str = "utilization"
) -> Window | None:
    data = as_dict(bucket)
    percent = to_float(data.get(percent_key))
    if percent is None:
        return None
    resets = parse_time(data.get("resets_at", data.get("reset_at")))
    return Window(id=wid, label=label, used_percent=percent, resets_at=resets, window_seconds=seconds)


def _model_windows(payload: dict[str, Any]) -> dict[str, Window]:
    found: dict[str, Window] = {}
    for key, bucket in payload.items():
        if not key.startswith("seven_day_") or not isinstance(bucket, dict):
            continue
        name = key[len("seven_day_"):]
        name = _ALIASES.get(name, name)
        label = _MODEL_LABELS.get(name, name.replace("_", " ").title())
        window = _window(f"seven_day_{name}", f"{label} 7d", bucket, SEVEN_DAYS)
        # Placeholders (0 % and no reset) say "no usage yet", not a real cap.
        if window is None or (window.used_percent == 0 and window.resets_at is None):
            continue
        # Of two aliases, keep the populated one; the first wins on a tie.
        found.setdefault(window.id, window)
    return found


def _limits_windows(limits: list[Any]) -> tuple[dict[str, Window], dict[str, Window]]:
    """(session/weekly overrides keyed by legacy id, scoped model windows)."""
    main: dict[str, Window] = {}
    scoped: dict[str, Window] = {}
    for entry in limits:
        data = as_dict(entry)
        kind = to_str(data.get("kind")) or ""
        if kind == "session":
            window = _window("five_hour", "5h", data, FIVE_HOURS, "percent")
        elif kind == "weekly_all":
            window = _window("seven_day", "7d", data, SEVEN_DAYS, "percent")
        elif kind == "weekly_scoped":
            model = to_str(as_dict(as_dict(data.get("scope")).get("model")).get("display_name"))
            if model is None:
                continue
            slug = "_".join(model.lower().split())
            window = _window(f"seven_day_{slug}", f"{model} 7d", data, SEVEN_DAYS, "percent")
            if window is None or (window.used_percent == 0 and window.resets_at is None):
                continue
            scoped.setdefault(window.id, window)
            continue
        else:
            continue  # an unknown kind: shape drift we cannot label honestly
        if window is not None:
            main.setdefault(window.id, window)
    return main, scoped


def parse_extra_usage(value: Any) -> Cost | None:
    data = as_dict(value)
    if not data or data.get("is_enabled") is False:
        return None
    used_minor = to_float(data.get("used_credits"))
    if used_minor is None:
        return None  # enabled but no figure: showing $0.00 would be invented
    currency = (to_str(data.get("currency")) or "USD").upper()
    exponent = to_int(data.get("decimal_places"))
    if exponent is None or not 0 <= exponent <= 4:
        exponent = _EXPONENTS.get(currency, 2)
    scale = 10.0**exponent
    limit_minor = to_float(data.get("monthly_limit"))
    limit = limit_minor / scale if limit_minor is not None and limit_minor > 0 else None
    return Cost(used=used_minor / scale, limit=limit, currency=currency, period="extra_usage")


def parse_usage(payload: Any, now: datetime | None = None) -> tuple[list[Window], Cost | None]:
    """Windows (5h, 7d, then per-model weekly) and extra-usage cost of one body."""
    if not isinstance(payload, dict):
        raise FetchError("parse", f"usage response is a {type(payload).__name__}, not an object")
    windows: dict[str, Window] = {}
    for window in (
        _window("five_hour", "5h", payload.get("five_hour"), FIVE_HOURS),
        _window("seven_day", "7d", payload.get("seven_day"), SEVEN_DAYS),
    ):
        if window is not None:
            windows[window.id] = window
    main, scoped = _limits_windows(as_list(payload.get("limits")))
    windows.update(main)
    models = _model_windows(payload)
    models.update(scoped)  # limits[] is the newer, authoritative per-model source
    windows.update(models)
    cost = parse_extra_usage(payload.get("extra_usage"))
    if not windows and cost is None:
        raise FetchError("parse", "usage response has no usable windows or extra usage")
    # Session and weekly first whatever the wire order: bars show the first ones.
    order = {"five_hour": 0, "seven_day": 1}
    return sorted(windows.values(), key=lambda w: order.get(w.id, 2)), cost
