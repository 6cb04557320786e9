""""Quota is back": one alert when a window that ran out becomes usable again.

A window seen at or above ``back_level`` (95 % by default) is marked down
(``alert:KEY:WINDOW:down``, holding the reset time of that cycle). It is back
when a later recorded reading shows it below the level (a new cycle after the
reset, or a plan that refills), or when the recording process finds the reset
time passed with no newer figures (a fetch refused with 429 right after the
reset, say); the message then says the figures are not in yet. The alert is
claimed with an atomic ``add`` on ``alert:KEY:WINDOW:back:CYCLE``, so it is sent
once per cycle whichever process records the reading, and a window that goes
down and back twice in one cycle (a refill, then a burst) alerts once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from llmeter_bar.alerts.rules import PREFIX, Event, _iso

if TYPE_CHECKING:
    from llmeter_bar.alerts.rules import AlertSettings
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.store.cache import Store

TOLERANCE = 600.0  # one reset reported a few seconds apart from fetch to fetch
KEEP = 35 * 86400.0


def _down_key(key: str, window: str) -> str:
    return f"{PREFIX}{key}:{window}:down"


def _clock(epoch: float, now: float) -> str:
    from llmeter_bar.format import time as ftime

    return ftime.clock(datetime.fromtimestamp(epoch, UTC), datetime.fromtimestamp(now, UTC))


def back_events(store: Store, key: str, latest: ProviderResult | None, fresh: bool, cfg: AlertSettings,
                now: float) -> list[Event]:
    """``latest`` is the record's newest result; ``fresh`` says it was recorded just now."""
    if latest is None or not cfg.back:
        return []
    name = latest.name + (f":{latest.instance}" if latest.instance else "")
    events = []
    for w in latest.windows:
        if w.unlimited or w.estimated:
            continue
        reset = w.resets_at.timestamp() if w.resets_at else None
        used = w.used_percent
        down_key = _down_key(key, w.id)
        down = store.cache.get(down_key)
        if fresh and used >= cfg.back_level and (reset is None or reset > now):
            same = isinstance(down, list) and reset is not None and abs(down[0] - reset) <= TOLERANCE
            if not same and not (isinstance(down, list) and reset is None):
                store.cache.set(down_key, [int(reset or 0), int(now), w.window_seconds or 0], expire=KEEP)
            continue
        if not isinstance(down, list) or len(down) != 3:
            continue
        cycle, since, window_seconds = down
        if fresh and used < cfg.back_level:
            estimated = False
        elif cycle and cycle <= now:
            estimated = True  # the reset passed, no newer figures yet
        else:
            continue
        with store.cache.transact():
            store.cache.delete(down_key)
            claimed = store.cache.add(f"{PREFIX}{key}:{w.id}:back:{int(cycle or since)}", now, expire=KEEP)
        if not claimed:
            continue
        label = w.label or w.id
        if estimated:
            following = cycle + window_seconds if window_seconds else None
            message = f"reset at {_clock(cycle, now)}, new figures not in yet"
            used_now: float | None = None
        else:
            following = reset
            message = f"{int(used + 0.5)}% used"
            used_now = round(used, 2)
        if following is not None and following > now:
            message += f", next reset {_clock(following, now)}"
        events.append(Event(
            kind="back", provider=latest.id, account=latest.instance, name=name,
            summary=f"{name} {label} is back", message=message, window=w.id, label=label,
            level=cfg.back_level, used_percent=used_now, resets_at=_iso(following)))
    return events
