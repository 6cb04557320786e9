"""Normalized values every provider produces and every renderer consumes.

Results travel through the disk cache as plain JSON-ready dicts (``to_dict`` /
``from_dict``) so that a cache written by one version stays readable by the next
and never holds pickled code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

KINDS = ("subscription", "api")
STATUSES = ("ok", "stale", "error", "unconfigured", "loading")
ERROR_KINDS = ("auth", "rate_limit", "network", "parse", "config", "unavailable")
# A window shorter than a minute or longer than ~400 days is not a rate-limit window
# (a reply saying 1 s once made every render step a reset forward 86 400 times).
MIN_WINDOW = 60
MAX_WINDOW = 400 * 86400
# Dates every platform can convert to any local zone and format; a reset or
# expiry outside them (9999-12-31 is an "unset" sentinel upstream) is absent.
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2999, 12, 31, tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def clamp_percent(value: float) -> float:
    """Keep a percentage inside 0-100; NaN and infinities become 0 or 100."""
    if math.isnan(value):
        return 0.0
    return min(100.0, max(0.0, float(value)))


def window_length(value: Any) -> int | None:
    """Whole seconds of a window length, or None when it is not a plausible window."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or not MIN_WINDOW <= value <= MAX_WINDOW:
        return None
    return int(value)


def plausible_time(value: datetime | None) -> datetime | None:
    """``value`` (aware) when inside EARLIEST..LATEST, else None."""
    if value is None or not EARLIEST <= value <= LATEST:
        return None
    return value


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _parse_iso(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return plausible_time(parsed.astimezone(timezone.utc))
    except OverflowError:
        return None


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(slots=True)
class Window:
    """One rate-limit window: used share of a quota that resets at some time."""

    id: str
    label: str
    used_percent: float
    resets_at: datetime | None = None
    window_seconds: int | None = None
    used: float | None = None  # absolute count when the provider gives one
    limit: float | None = None
    unlimited: bool = False
    estimated: bool = False  # figure derived locally, e.g. a window past its reset
    scope: str | None = None  # a model (or other sub-account scope) the window is limited to
    # A side window (e.g. one model's own limit) is listed but never picked as the
    # headline while an account-wide window exists.
    side: bool = False
    # What ``used`` and ``limit`` count when it is money (a currency code, e.g. an
    # OpenRouter key limit in USD); None for requests, tokens or credits.
    unit: str | None = None
    # Derived at view time (insight/), never stored with the record: the used
    # percent this window is on pace to reach by its reset (100 when it runs out
    # first) and when (the run-out time, or the reset).
    projected_percent: float | None = None
    projected_at: datetime | None = None

    def __post_init__(self) -> None:
        self.used_percent = clamp_percent(self.used_percent)
        # Every parser and every cached record passes here: one check for all of them.
        self.window_seconds = window_length(self.window_seconds)
        self.resets_at = plausible_time(self.resets_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "used_percent": round(self.used_percent, 2),
            "resets_at": _iso(self.resets_at),
            "window_seconds": self.window_seconds,
            "used": self.used,
            "limit": self.limit,
            "unlimited": self.unlimited,
            "estimated": self.estimated,
            "scope": self.scope,
            "side": self.side,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Window:
        return cls(
            id=str(data["id"]),
            label=str(data.get("label") or data["id"]),
            used_percent=float(data.get("used_percent") or 0.0),
            resets_at=_parse_iso(data.get("resets_at")),
            window_seconds=data.get("window_seconds"),
            used=_num(data.get("used")),
            limit=_num(data.get("limit")),
            unlimited=bool(data.get("unlimited", False)),
            estimated=bool(data.get("estimated", False)),
            scope=data.get("scope"),
            side=bool(data.get("side", False)),
            unit=data.get("unit") if isinstance(data.get("unit"), str) else None,
        )


@dataclass(slots=True)
class Cost:
    """Money spent in a period, with an optional cap (a budget or a plan limit)."""

    used: float
    limit: float | None = None
    currency: str = "USD"
    period: str | None = None  # "month", "extra_usage", ...
    resets_at: datetime | None = None
    note: str | None = None  # e.g. "disabled: out_of_credits"

    @property
    def used_percent(self) -> float | None:
        if not self.limit or self.limit <= 0:
            return None
        return clamp_percent(self.used / self.limit * 100.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "used": round(self.used, 6),
            "limit": self.limit,
            "currency": self.currency,
            "period": self.period,
            "resets_at": _iso(self.resets_at),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cost:
        return cls(
            used=float(data.get("used") or 0.0),
            limit=_num(data.get("limit")),
            currency=str(data.get("currency") or "USD"),
            period=data.get("period"),
            resets_at=_parse_iso(data.get("resets_at")),
            note=data.get("note"),
        )


@dataclass(slots=True)
class Credits:
    """A prepaid balance; ``currency`` is None when the unit is not money."""

    balance: float
    currency: str | None = "USD"
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"balance": round(self.balance, 6), "currency": self.currency, "label": self.label}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credits:
        return cls(
            balance=float(data.get("balance") or 0.0),
            currency=data.get("currency"),
            label=data.get("label"),
        )


@dataclass(slots=True)
class Extra:
    """A figure beside the windows: a credit pool, banked resets, one pool's spend.

    ``unit`` is an ISO currency code for money, else a word such as ``count`` or
    ``credits``; ``expires_at`` is the earliest expiry when the items expire.
    Shown in the long view, the tooltip and json, never as a bar's headline.
    """

    id: str
    label: str
    value: float
    unit: str = "count"
    limit: float | None = None
    expires_at: datetime | None = None
    note: str | None = None  # a short reason, e.g. "disabled: out_of_credits"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "value": round(self.value, 6),
            "unit": self.unit,
            "limit": self.limit,
            "expires_at": _iso(self.expires_at),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extra:
        return cls(
            id=str(data["id"]),
            label=str(data.get("label") or data["id"]),
            value=float(data.get("value") or 0.0),
            unit=str(data.get("unit") or "count"),
            limit=_num(data.get("limit")),
            expires_at=_parse_iso(data.get("expires_at")),
            note=data.get("note"),
        )


@dataclass(slots=True)
class ErrorInfo:
    """Why the last fetch failed: a short label for bars, a message for humans."""

    kind: str
    label: str
    message: str
    retry_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "message": self.message,
            "retry_at": _iso(self.retry_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorInfo:
        return cls(
            kind=str(data.get("kind") or "unavailable"),
            label=str(data.get("label") or "err"),
            message=str(data.get("message") or ""),
            retry_at=_parse_iso(data.get("retry_at")),
        )


@dataclass(slots=True)
class CycleSummary:
    """Finished cycles of one window over the last ``days`` (store/cycles.py), derived at view time."""

    window: str
    label: str
    days: int
    finished: int  # cycles that ended in those days
    hits: int  # of which reached 100 % (or a 429 at the alert level)
    ends: list[float] = field(default_factory=list)  # used % at the last resets, oldest first
    window_seconds: int | None = None
    total_hit: int = 0  # since the first cycle recorded (monotonic: Prometheus counters)
    total_under: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"window": self.window, "label": self.label, "days": self.days, "finished": self.finished,
                "hits": self.hits, "recent_end_percent": [round(v, 2) for v in self.ends]}


@dataclass(slots=True)
class ProviderResult:
    """Everything known about one provider instance at one moment."""

    id: str
    name: str
    kind: str = "subscription"
    status: str = "ok"
    fetched_at: datetime | None = None
    windows: list[Window] = field(default_factory=list)
    cost: Cost | None = None
    credits: Credits | None = None
    plan: str | None = None
    account: str | None = None  # private identity (e-mail, org): shown only on request
    instance: str | None = None  # name of a configured account, e.g. "work"
    source: str = "api"
    error: ErrorInfo | None = None
    extras: list[Extra] = field(default_factory=list)
    # Names (never values) of keys in the reply the parser did not understand:
    # early warning of an upstream change (see providers/_drift.py).
    unknown_fields: list[str] = field(default_factory=list)
    # View-time values (store/state.py, insight/), not part of the stored record:
    interval: float | None = None  # seconds between fetches; silence is judged against it
    cycles: list[CycleSummary] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.id}:{self.instance}" if self.instance else self.id

    def age_seconds(self, now: datetime) -> float | None:
        if self.fetched_at is None:
            return None
        return max(0.0, (now - self.fetched_at).total_seconds())

    def with_(self, **changes: Any) -> ProviderResult:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "fetched_at": _iso(self.fetched_at),
            "windows": [w.to_dict() for w in self.windows],
            "cost": self.cost.to_dict() if self.cost else None,
            "credits": self.credits.to_dict() if self.credits else None,
            "plan": self.plan,
            "account": self.account,
            "instance": self.instance,
            "source": self.source,
            "error": self.error.to_dict() if self.error else None,
            "extras": [e.to_dict() for e in self.extras],
            "unknown_fields": list(self.unknown_fields),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderResult:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            kind=str(data.get("kind") or "subscription"),
            status=str(data.get("status") or "ok"),
            fetched_at=_parse_iso(data.get("fetched_at")),
            windows=[Window.from_dict(w) for w in data.get("windows") or ()],
            cost=Cost.from_dict(data["cost"]) if data.get("cost") else None,
            credits=Credits.from_dict(data["credits"]) if data.get("credits") else None,
            plan=data.get("plan"),
            account=data.get("account"),
            instance=data.get("instance"),
            source=str(data.get("source") or "api"),
            error=ErrorInfo.from_dict(data["error"]) if data.get("error") else None,
            extras=[Extra.from_dict(e) for e in data.get("extras") or ()],
            unknown_fields=[str(n) for n in data.get("unknown_fields") or ()],
        )
