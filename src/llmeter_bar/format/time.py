"""Reset times and data ages as short text: countdowns, clocks, ages.

All arithmetic is done on aware datetimes (UTC from the engine); only the final
wall-clock text is converted to the display zone, so DST never skews a
countdown. Nothing here ever returns a negative duration.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

DAY = 86400
# Fixed English names: strftime("%a") follows the locale and bars want stable width.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def countdown(seconds: float) -> str:
    """``45m``, ``2h13m``, ``3d4h``; minutes round up so ``0m`` means it is due."""
    if not seconds or seconds <= 0 or math.isnan(seconds):
        return "0m"
    minutes = math.ceil(seconds / 60) if seconds < 1e12 else 10**10
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    days, rest = divmod(minutes, 24 * 60)
    hours = rest // 60  # coarse unit: floor, the countdown ticks down to the minute view
    return f"{days}d{hours}h" if hours else f"{days}d"


def until(when: datetime | None, now: datetime) -> str:
    """Countdown to ``when``; empty when unknown or already past (the window reset)."""
    if when is None or when <= now:
        return ""
    return countdown((when - now).total_seconds())


def age(seconds: float | None) -> str:
    """Compact age of data, rounded down: ``40s``, ``5m``, ``3h``, ``2d``."""
    if seconds is None or math.isnan(seconds):
        return ""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < DAY:
        return f"{s // 3600}h"
    return f"{s // DAY}d"


def clock(
    when: datetime | None,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    hour12: bool = False,
    weekday: bool | None = None,
) -> str:
    """``14:05`` (or ``2:05pm``), prefixed by the weekday when it is not today: at
    19:01, tomorrow's 18:55 reads ``Sun 18:55``, never as a time already past.

    ``weekday`` forces the prefix on or off; ``tz`` None means the local zone.
    """
    if when is None:
        return ""
    try:
        local = when.astimezone(tz)
    except (OverflowError, OSError, ValueError):
        return ""  # a date the platform cannot put in this zone is no time to show
    if weekday is None:
        try:
            other_day = local.date() != now.astimezone(tz).date()
        except (OverflowError, OSError, ValueError):
            other_day = False
        weekday = (when - now).total_seconds() >= DAY or other_day
    if hour12:
        hour = local.hour % 12 or 12
        text = f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    else:
        text = f"{local.hour:02d}:{local.minute:02d}"
    return f"{_WEEKDAYS[local.weekday()]} {text}" if weekday else text
