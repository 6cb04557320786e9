"""Money and counts in Anthropic's ``/api/oauth/usage`` body: extra usage, the
``spend`` object, dollar credit pools under codenames, saved resets.

Readings (each covered by a fixture or a test in test_claude_fixtures.py):

* Amounts are minor currency units. The exponent comes from the object itself
  (``exponent``, ``decimal_places``), else from the currency's ISO-4217
  exponent (2 for USD/EUR/BRL, 0 for KRW/JPY, 3 for KWD). A field whose name
  ends in ``_minor`` is minor units even without an exponent.
* ``extra_usage`` without ``used_credits`` but with a cap and ``utilization``
  spends that share of the cap. With ``is_enabled: false`` it is dropped, unless the cap was hit
  (used >= limit) or a ``disabled_reason`` says why (``out_of_credits``,
  ``spend_limit_reached``): then it is shown as spend with the reason, since a
  disabled overage at its cap is exactly what the user must see.
* ``spend`` (enterprise and usage-based accounts, often with null windows):
  used and limit, each a number or an ``{amount_minor, exponent, currency}``
  object; the limit may be missing (uncapped). ``spend`` and ``extra_usage``
  describe one budget: when both are there, ``spend`` is the one shown.
* A top-level object that is not a known window and carries money fields
  (``used_credits``, ``amount_minor``, ``balance_minor``...) is a credit pool
  under a codename: shown as an extra in its currency.
* ``cedar_ember`` (saved usage-limit resets, returned for ``?cedar_ember=1``):
  when eligible, the number of grants and the earliest ``expires_at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from llmeter_bar.models import Cost, Extra
from llmeter_bar.providers._parse import as_dict, as_list, parse_time, to_float, to_int, to_str

# ISO-4217 currencies whose minor unit is not the cent.
EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}
_EXPONENT_KEYS = ("exponent", "decimal_places", "minor_unit_exponent", "scale")
_CURRENCY_KEYS = ("currency", "currency_code")
_USED_KEYS = ("used", "used_minor", "amount_minor", "spent", "spent_minor", "used_amount", "amount",
              "current", "total", "used_credits", "value", "value_minor")
_LIMIT_KEYS = ("limit", "limit_minor", "cap", "cap_minor", "budget", "budget_minor", "limit_amount",
               "monthly_limit", "spend_limit", "max")
_POOL_KEYS = ("used_credits", "amount_minor", "used_minor", "balance_minor", "remaining_minor", "balance",
              "remaining_credits", "granted_minor")
EXHAUSTED_REASONS = ("out_of_credits", "spend_limit_reached", "limit_reached", "credits_depleted")


def _exponent(data: dict[str, Any], currency: str | None, inherited: int | None) -> int:
    for key in _EXPONENT_KEYS:
        value = to_int(data.get(key))
        if value is not None and 0 <= value <= 6:
            return value
    if inherited is not None:
        return inherited
    return EXPONENTS.get((currency or "USD").upper(), 2)


def _currency(data: dict[str, Any], default: str | None) -> str | None:
    for key in _CURRENCY_KEYS:
        text = to_str(data.get(key))
        if text:
            return text.upper()[:8]
    return default


def _explicit_exponent(data: dict[str, Any]) -> int | None:
    for key in _EXPONENT_KEYS:
        value = to_int(data.get(key))
        if value is not None and 0 <= value <= 6:
            return value
    return None


def money(value: Any, currency: str | None, exponent: int | None) -> tuple[float, str | None] | None:
    """(major units, currency) of a number of minor units or an amount object."""
    if isinstance(value, dict):
        cur = _currency(value, currency)
        exp = _exponent(value, cur, _explicit_exponent(value) if _explicit_exponent(value) is not None else exponent)
        for key in ("amount_minor", "minor", "minor_units", "value_minor", "amount", "value", "units"):
            number = to_float(value.get(key))
            if number is not None:
                return number / 10.0**exp, cur
        return None
    number = to_float(value)
    if number is None:
        return None
    exp = exponent if exponent is not None else EXPONENTS.get((currency or "USD").upper(), 2)
    return number / 10.0**exp, currency


def _first(data: dict[str, Any], keys: tuple[str, ...], currency: str | None,
           exponent: int | None) -> tuple[float, str | None] | None:
    for key in keys:
        if key in data and data[key] is not None:
            found = money(data[key], currency, exponent)
            if found is not None:
                return found
    return None


def parse_extra_usage(value: Any) -> Cost | None:
    data = as_dict(value)
    if not data:
        return None
    currency = _currency(data, None) or "USD"
    exponent = _exponent(data, currency, None)
    used = money(data.get("used_credits"), currency, exponent)
    limit_found = money(data.get("monthly_limit"), currency, exponent)
    limit = limit_found[0] if limit_found is not None and limit_found[0] > 0 else None
    share = to_float(data.get("utilization"))
    if used is None and limit is not None and share is not None:
        used = (limit * share / 100.0, currency)  # the server's own share of the cap
    if used is None:
        return None  # enabled but no figure: showing $0.00 would be invented
    note = None
    if data.get("is_enabled") is False:
        reason = to_str(data.get("disabled_reason"))
        at_cap = limit is not None and used[0] >= limit
        if not reason and not at_cap:
            return None  # switched off by the user: nothing to watch
        note = f"disabled: {reason}" if reason else "disabled at the cap"
    return Cost(used=used[0], limit=limit, currency=currency, period="extra_usage", note=note)


def parse_spend(value: Any) -> Cost | None:
    data = as_dict(value)
    if not data:
        return None
    currency = _currency(data, None)
    exponent = _explicit_exponent(data)
    enabled = data.get("enabled", data.get("is_enabled"))
    used = _first(data, _USED_KEYS, currency, exponent)
    if used is None:
        return None
    limit = _first(data, _LIMIT_KEYS, used[1] or currency, exponent)
    cur = used[1] or (limit[1] if limit else None) or currency or "USD"
    resets = parse_time(data.get("resets_at") or data.get("period_end") or data.get("reset_at"))
    cap = limit[0] if limit is not None and limit[0] > 0 else None
    note = to_str(data.get("status")) if data.get("status") not in (None, "active", "ok") else None
    if enabled is False:
        reason = to_str(data.get("disabled_reason")) or note
        if not reason and not (cap is not None and used[0] >= cap):
            return None
        note = f"disabled: {reason}" if reason else "disabled at the cap"
    return Cost(used=used[0], limit=cap, currency=cur, period="spend", resets_at=resets, note=note)


def pool_extra(key: str, value: Any) -> Extra | None:
    """A dollar credit pool under a codename, or None when ``value`` is not money."""
    data = as_dict(value)
    if not data or not any(k in data for k in _POOL_KEYS):
        return None
    currency = _currency(data, None) or "USD"
    exponent = _exponent(data, currency, None)
    used = _first(data, _POOL_KEYS, currency, exponent)
    if used is None:
        return None
    limit = _first(data, _LIMIT_KEYS + ("granted", "total_credits"), currency, exponent)
    label = f"{key.replace('_', ' ')} credits"
    return Extra(id=f"pool_{key}", label=label, value=used[0], unit=used[1] or currency,
                 limit=limit[0] if limit else None, expires_at=parse_time(data.get("expires_at")))


def saved_resets(value: Any) -> Extra | None:
    data = as_dict(value)
    if not data or data.get("eligible") is False:
        return None
    grants = [as_dict(g) for g in as_list(data.get("grants")) if isinstance(g, dict)]
    live = [g for g in grants if to_str(g.get("status")) in (None, "available", "active", "granted")]
    count = to_int(data.get("available_count"))
    if count is None:
        count = len(live)
    expiries = [t for t in (parse_time(g.get("expires_at")) for g in live) if t is not None]
    earliest: datetime | None = min(expiries) if expiries else None
    if not grants and count == 0 and "eligible" not in data:
        return None
    return Extra(id="saved_resets", label="saved resets", value=float(count), unit="count", expires_at=earliest)
