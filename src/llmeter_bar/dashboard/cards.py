"""What one dashboard card says, as plain values: no Textual here.

A card is one provider instance: its header (name, account, plan, status, age,
source), one meter per window and one for a budget, the money lines (spend
without a budget, credits, balances), and, when something is wrong, the error
with doctor's cause and fix. Every figure is worded by the same code as the
bars (render/common.py ``values``) and judged by the same thresholds, so the
dashboard and the bar can never disagree on a level or a countdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmeter_bar.format import thresholds
from llmeter_bar.format import time as ftime
from llmeter_bar.render.common import clean, figure, values

if TYPE_CHECKING:
    from llmeter_bar.format.options import Options
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.render.base import RenderContext
    from llmeter_bar.store.history import History

ORDER = ("ok", "warn", "crit")
# Where figures came from, as a person says it (shared: from another machine, see share/).
SOURCES = {"api": "API", "log": "log", "claude-code": "status line", "cookie": "web session",
           "shared": "shared", "demo": "demo"}


@dataclass(slots=True)
class Meter:
    """One window, or a spend with a budget: what a gauge row shows."""

    series: str  # history series id (window id, or "cost")
    label: str
    percent: float | None  # what the gauge fills; None: no gauge (unlimited, no budget)
    level: str  # ok warn crit, or stale when the figures are old
    used: str  # "42%", "~0%", "∞", "$12.34"
    count: str = ""  # "273/300", "of $50.00"
    reset_in: str = ""
    reset_at: str = ""
    pace: str = ""
    eta: str = ""
    projected: str = ""  # "58%": where the window is on pace to be at its reset
    note: str = ""  # "reset passed, estimated"
    points: list[tuple[float, float]] = field(default_factory=list)  # this cycle's history
    hi: float = 100.0  # the sparkline's top (100 for percents, the budget for money)
    resets_at: float | None = None
    window_seconds: float | None = None


@dataclass(slots=True)
class Card:
    key: str
    title: str  # "Claude", "Claude:work"
    icon: str
    account: str  # only when show_account
    plan: str
    status: str  # ok stale error loading unconfigured
    level: str  # worst threshold level of the figures (ok when none)
    age: str
    source: str
    kind: str
    meters: list[Meter] = field(default_factory=list)
    money: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    error: str = ""  # "auth: token expired"
    retry: str = ""  # clock time of the 429 not-before
    cause: str = ""  # doctor's one line
    fix: str = ""  # doctor's hint
    result: ProviderResult | None = None

    @property
    def badge(self) -> str:
        """The status word of the header: ok, stale, error, setup, loading."""
        return {"unconfigured": "setup"}.get(self.status, self.status)

    @property
    def shown_level(self) -> str:
        """The colour of the card's edge: a threshold level, or the status when no figures are trusted."""
        return self.level if self.status == "ok" else self.status


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.3g}"


def _points(history: History | None, series_id: str, resets_at: Any, window_seconds: float | None,
            now: float, column: int) -> list[tuple[float, float]]:
    from llmeter_bar.store.history import cycle

    series = history.series.get(series_id) if history is not None else None
    return cycle(series, resets_at, window_seconds, now, column) if series is not None else []


def build(result: ProviderResult, ctx: RenderContext, opts: Options, history: History | None) -> Card:
    """The card of one result (as ``state.view`` made it)."""
    data = ctx.config.data
    icon_cfg = data.get("icons", {})
    tz = ctx.extra.get("tz")
    limits = thresholds.for_provider(data.get("thresholds", {}), result.key)
    has_data = result.status in ("ok", "stale")
    head = values(result, None, ctx, opts, icon_cfg, "ok")
    now = ctx.now.timestamp()
    card = Card(key=result.key, title=head["name"], icon=head["icon"], account=head["account"], plan=head["plan"],
                status=result.status, level="ok", age=head["age"],
                source=SOURCES.get(head["source"], head["source"]), kind=result.kind, result=result)
    worst = "ok"
    for window in result.windows if has_data else []:
        level = limits.classify(figure(result, window))[0] if not window.unlimited else "ok"
        worst = max(worst, level, key=ORDER.index)
        if level == "ok" and limits.is_surplus(window.projected_percent):
            level = "surplus"  # on pace to leave much unused: the bars' colour for it
        vals = values(result, window, ctx, opts, icon_cfg, level)
        meter = Meter(series=window.id, label=vals["window"], percent=None if window.unlimited else window.used_percent,
                      level="stale" if result.status == "stale" else level, used=vals["used"],
                      reset_in=vals.get("reset_in", ""), reset_at=vals.get("reset_at", ""),
                      pace=vals.get("pace", ""), eta=vals.get("eta", ""), projected=vals.get("projected", ""),
                      note="reset passed, estimated" if window.estimated else "",
                      resets_at=window.resets_at.timestamp() if window.resets_at else None,
                      window_seconds=window.window_seconds)
        if window.used is not None and window.limit:
            meter.count = f"{_num(window.used)}/{_num(window.limit)}"
        if not window.estimated and not window.unlimited:
            meter.points = _points(history, window.id, window.resets_at, window.window_seconds, now, 1)
        card.meters.append(meter)
    cost = result.cost
    if cost is not None and has_data:
        vals = values(result, None, ctx, opts, icon_cfg, "ok")
        period = clean(cost.period).replace("_", " ")
        label = period or "spend"
        reset = ftime.clock(cost.resets_at, ctx.now, tz=tz, hour12=opts.get("clock") == "12h")
        if cost.limit:
            level = limits.classify(cost.used_percent)[0]
            if result.kind == "api" or not result.windows:
                worst = max(worst, level, key=ORDER.index)
            card.meters.append(Meter(
                series="cost", label=label, percent=cost.used_percent,
                level="stale" if result.status == "stale" else level, used=vals.get("cost", ""),
                count=f"of {vals.get('limit', '')}", reset_in=ftime.until(cost.resets_at, ctx.now), reset_at=reset,
                points=_points(history, "cost", cost.resets_at, None, now, 2), hi=float(cost.limit),
                resets_at=cost.resets_at.timestamp() if cost.resets_at else None))
        else:
            text = vals.get("cost", "") + (f" · resets {reset}" if reset else "")
            card.money.append((f"spend ({period})" if period else "spend", text))
    if result.cycles and has_data:
        from llmeter_bar.insight.summary import line

        card.money.append(("cycles", line(result.cycles)))
    if result.credits is not None and has_data:
        label = clean(result.credits.label) if result.credits.currency is None else "balance"
        card.money.append((label or "credits", values(result, None, ctx, opts, icon_cfg, "ok").get("credits", "")))
    if result.error is not None:
        label, message = clean(result.error.label), clean(result.error.message)
        card.error = message if label in message else f"{label}: {message}".strip(": ")
        card.retry = ftime.clock(result.error.retry_at, ctx.now, tz=tz) if result.error.retry_at and \
            result.error.retry_at > ctx.now else ""
    card.level = worst
    return card
