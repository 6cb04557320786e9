"""Threshold and login alerts: which ones are due, claimed once across processes.

An alert is edge-triggered by a cache entry, not by comparing two readings:
``alert:KEY:WINDOW:RESETS_AT:LEVEL`` is created with diskcache's atomic ``add``
the first time a window is seen at or above LEVEL in the cycle that resets at
RESETS_AT. Whoever creates it sends the notification; every later reading, in
this process or any other, finds it and stays quiet. A new cycle has a new
reset time, hence new entries: the levels re-arm by themselves. The entries
expire a while after the reset so the cache does not grow.

Providers report the same reset a few seconds apart from fetch to fetch, so the
first reset time seen for a window is kept (``alert:KEY:WINDOW:cycle``) and
later ones within ``CYCLE_TOLERANCE`` reuse it. All claims of one window happen
in one transaction: a jump from 70 % to 97 % claims 80 and 95 together and
alerts once, for 95, even when two processes record it at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from llmeter_bar.errors import ConfigError

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config
    from llmeter_bar.models import ProviderResult

PREFIX = "alert:"
DEFAULT_LEVELS = (80.0, 95.0)
CYCLE_TOLERANCE = 600.0
KEEP_AFTER_RESET = 2 * 86400.0
NO_RESET_KEEP = 35 * 86400.0  # windows without a reset time re-arm when they fall
REARM_MARGIN = 5.0  # ... this many points below a level (no flapping at 79.9/80.1)
LOGIN_KEEP = 30 * 86400.0


@dataclass(frozen=True, slots=True)
class AlertSettings:
    enabled: bool = True
    levels: tuple[float, ...] = DEFAULT_LEVELS
    command: tuple[str, ...] = ()
    timeout: float = 5.0
    login: bool = True
    back: bool = True  # "quota is back" once a window that reached back_level is usable again
    back_level: float = 95.0


def settings(config: Config) -> AlertSettings:
    """The ``[alerts]`` table, checked; ConfigError names a wrong value."""
    section = config.section("alerts")
    levels = section.get("levels", list(DEFAULT_LEVELS))
    if not isinstance(levels, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 100 for v in levels
    ):
        raise ConfigError(f"alerts.levels must be a list of numbers from 1 to 100, got {levels!r}")
    command = section.get("command", [])
    if not isinstance(command, list) or not all(isinstance(a, str) and a for a in command):
        raise ConfigError(f"alerts.command must be a list of strings (argv, no shell), got {command!r}")
    back_level = section.get("back_level", 95.0)
    if isinstance(back_level, bool) or not isinstance(back_level, (int, float)) or not 0 < back_level <= 100:
        raise ConfigError(f"alerts.back_level must be a number from 1 to 100, got {back_level!r}")
    back = section.get("back", True)
    if not isinstance(back, bool):
        raise ConfigError(f"alerts.back must be true or false, got {back!r}")
    return AlertSettings(
        back=back,
        back_level=float(back_level),
        enabled=bool(section.get("enabled", True)),
        levels=tuple(sorted({float(v) for v in levels})),
        command=tuple(command),
        timeout=float(section.get("timeout", 5.0)),
        login=bool(section.get("login", True)),
    )


@dataclass(slots=True)
class Event:
    kind: str  # "threshold", "login" or "back"
    provider: str
    account: str | None
    name: str
    summary: str
    message: str
    urgency: str = "normal"
    window: str | None = None
    label: str | None = None
    level: float | None = None
    used_percent: float | None = None
    resets_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "kind": self.kind, "provider": self.provider, "account": self.account,
                "name": self.name, "window": self.window, "label": self.label, "level": self.level,
                "used_percent": self.used_percent, "resets_at": self.resets_at, "summary": self.summary,
                "message": self.message, "urgency": self.urgency}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def env(self) -> dict[str, str]:
        def text(value: Any) -> str:
            return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

        names = ("kind", "provider", "account", "name", "window", "label", "level", "resets_at", "summary",
                 "message", "urgency")
        out = {f"LLMETER_ALERT_{n.upper()}": text(getattr(self, n)) for n in names}
        out["LLMETER_ALERT_USED"] = text(self.used_percent)
        return out


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _cycle(store: Store, key: str, window: str, reset: float | None, now: float) -> str:
    """The reset time that names this window's cycle (see the module docstring)."""
    if reset is None:
        return "none"
    anchor_key = f"{PREFIX}{key}:{window}:cycle"
    anchor = store.cache.get(anchor_key)
    if isinstance(anchor, int) and abs(anchor - reset) <= CYCLE_TOLERANCE:
        return str(anchor)
    store.cache.set(anchor_key, int(reset), expire=max(reset - now, 0) + KEEP_AFTER_RESET)
    return str(int(reset))


def claim(store: Store, key: str, window: str, used: float, reset: float | None,
          levels: tuple[float, ...], now: float) -> float | None:
    """The highest level newly reached in this cycle, claimed; None when nothing is new."""
    reached = sorted((lv for lv in levels if used >= lv), reverse=True)
    if not reached and reset is not None:
        return None  # the common case: no write, no transaction
    with store.cache.transact():
        cycle = _cycle(store, key, window, reset, now)
        if reset is None:
            for level in levels:
                if used < level - REARM_MARGIN:
                    store.cache.delete(f"{PREFIX}{key}:{window}:none:{level:g}")
        expire = NO_RESET_KEEP if reset is None else max(reset - now, 0) + KEEP_AFTER_RESET
        fired = [lv for lv in reached if store.cache.add(f"{PREFIX}{key}:{window}:{cycle}:{lv:g}", now,
                                                          expire=expire)]
    return max(fired) if fired else None


def _figures(result: ProviderResult, now: float) -> list[tuple[str, str, float, float | None]]:
    """(id, label, used percent, reset epoch) of every window and of a budgeted spend."""
    out = []
    for w in result.windows:
        reset = w.resets_at.timestamp() if w.resets_at else None
        if w.unlimited or w.estimated or (reset is not None and reset <= now):
            continue
        out.append((w.id, w.label or w.id, w.used_percent, reset))
    cost = result.cost
    if cost is not None and cost.used_percent is not None:
        reset = cost.resets_at.timestamp() if cost.resets_at else None
        if reset is None or reset > now:
            out.append(("cost", "spend", cost.used_percent, reset))
    return out


def threshold_events(store: Store, key: str, result: ProviderResult, cfg: AlertSettings,
                     config: Config, now: float) -> list[Event]:
    from llmeter_bar.format import thresholds
    from llmeter_bar.format import time as ftime

    limits = thresholds.for_provider(config.data.get("thresholds", {}), key)
    now_dt = datetime.fromtimestamp(now, UTC)
    name = result.name + (f":{result.instance}" if result.instance else "")
    events = []
    for window, label, used, reset in _figures(result, now):
        level = claim(store, key, window, used, reset, cfg.levels, now)
        if level is None:
            continue
        percent = int(used + 0.5)
        message = f"crossed {level:g}%"
        if reset is not None:
            reset_dt = datetime.fromtimestamp(reset, UTC)
            message += f" · resets in {ftime.until(reset_dt, now_dt)} ({ftime.clock(reset_dt, now_dt)})"
        events.append(Event(
            kind="threshold", provider=result.id, account=result.instance, name=name,
            summary=f"{name} {label} at {percent}%", message=message,
            urgency="critical" if limits.classify(level)[0] == "crit" else "normal",
            window=window, label=label, level=level, used_percent=round(used, 2), resets_at=_iso(reset),
        ))
    return events


def login_event(store: Store, key: str, old: dict[str, Any], new: dict[str, Any], now: float) -> Event | None:
    """A login that stopped working (auth error, or credentials gone) after good figures."""
    error = new.get("error") or {}
    if not (new.get("unconfigured") or error.get("kind") == "auth"):
        return None
    if old.get("unconfigured") or (old.get("error") or {}).get("kind") == "auth":
        return None
    previous = old.get("result")
    if not previous or not old.get("attempt_at"):
        # Never fetched with success: setup, not an expiry. (Figures that only ever
        # came from Claude Code's status line say nothing about llmeter's own login.)
        return None
    if not store.cache.add(f"{PREFIX}{key}:login:{previous.get('fetched_at')}", now, expire=LOGIN_KEEP):
        return None
    provider, _, account = key.partition(":")
    name = str(previous.get("name") or provider) + (f":{account}" if account else "")
    what = "credentials gone" if new.get("unconfigured") else "login expired"
    return Event(kind="login", provider=provider, account=account or None, name=name,
                 summary=f"{name}: {what}", message=str(error.get("message") or what), urgency="critical")
