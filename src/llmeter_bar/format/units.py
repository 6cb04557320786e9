"""Numbers as short text: percents, money, gauges."""

from __future__ import annotations

import math

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}
GAUGE_UNICODE = ("▰", "▱")
GAUGE_ASCII = ("#", "-")


def percent(value: float | None) -> str:
    """``42%``; rounds half up so 99.5 reads as 100 (the crit level agrees)."""
    if value is None or math.isnan(value):
        return ""
    return f"{int(max(0.0, value) + 0.5)}%"


def money(amount: float | None, currency: str | None = "USD") -> str:
    """``$12.34``, ``€1.5k``; a non-money unit prints the bare number."""
    if amount is None or math.isnan(amount) or math.isinf(amount):
        return ""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount >= 1e12:
        number = ">999B"  # beyond any real spend: bounded width, never 300 digits
    elif amount >= 1e9:
        number = f"{amount / 1e9:.1f}B"
    elif amount >= 1e6:
        number = f"{amount / 1e6:.1f}M"
    elif amount >= 10000:
        number = f"{amount / 1000:.0f}k"
    elif amount >= 1000:
        number = f"{amount / 1000:.1f}k"
    else:
        number = f"{amount:.2f}"
    if currency is None:
        return sign + (number if amount >= 1000 else f"{amount:g}")
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def gauge(value: float | None, width: int = 5, chars: tuple[str, str] = GAUGE_UNICODE) -> str:
    """``▰▰▱▱▱`` for 42 % at width 5; any used share shows at least one cell."""
    if value is None or math.isnan(value) or width <= 0:
        return ""
    value = min(100.0, max(0.0, value))
    filled = int(value / 100.0 * width + 0.5)
    if value > 0 and filled == 0:
        filled = 1
    return chars[0] * filled + chars[1] * (width - filled)
