"""The long view: every window of every provider, for ``plain --long`` and the
waybar tooltip. Lines are (text, level) so each host can paint them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmeter_bar.format import icons, sparkline, template, thresholds
from llmeter_bar.format import time as ftime
from llmeter_bar.render.common import clean, figure, projected, values

if TYPE_CHECKING:
    from llmeter_bar.format.options import Options
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.render.base import RenderContext

_HEADER = template.parse("{name}[ ({plan})] · {status}[ · {age} ago][ · via {source}][ · {account}]")
_WINDOW = template.parse(
    "  {window}: {used}[ {gauge}][ · resets in {reset_in}][ ({reset_at})]"
    "[ · {passed}][ · pace {pace}][ · {forecast}][ · {count}][ · trend {spark}]"
)
_COST = template.parse(
    "  spend[ ({period})]: {cost}[ of {limit}][ ({budget_used})][ · {note}][ · resets {cost_reset}][ · trend {spark}]"
)
_CREDITS = template.parse("  credits: {credits}")
_EXTRA = template.parse("  {label}: {value}[ of {limit}][ · {note}][ · earliest expiry {expires}]")
_CYCLES = template.parse("  cycles: {cycles}")
_ERROR = template.parse("  ! {error}[: {message}][ · retry {retry}]")
_NONE = template.parse("  no data yet")


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.3g}"


def _trend(ctx: RenderContext, result: ProviderResult, series_id: str, resets_at: Any,
           window_seconds: float | None, column: int, hi: float | None, chars: str) -> str:
    """Sparkline of this window cycle's history; empty without history (e.g. a bar's
    first run, or a caller that did not load it)."""
    from llmeter_bar.store.history import cycle

    history = ctx.history.get(result.key)
    series = history.series.get(series_id) if history is not None else None
    if series is None:
        return ""
    now = ctx.now.timestamp()
    points = cycle(series, resets_at, window_seconds, now, column)
    top = hi if hi else max((v for _, v in points), default=0.0)
    return sparkline.sparkline(points, now, hi=top, chars=chars) if top > 0 else ""


def _extra_values(extra: Any, ctx: RenderContext, tz: Any, hour12: bool) -> dict[str, str]:
    """A credit pool or a count of banked resets; money in its currency, else ``N unit``."""
    from llmeter_bar.format import units

    unit = clean(extra.unit)
    if len(unit) == 3 and unit.isalpha() and unit.isupper():
        value = units.money(extra.value, unit)
        limit = units.money(extra.limit, unit) if extra.limit is not None else ""
    else:
        suffix = "" if unit in ("", "count") else f" {unit}"
        value = f"{_num(extra.value)}{suffix}"
        limit = f"{_num(extra.limit)}{suffix}" if extra.limit is not None else ""
    expires = ""
    if extra.expires_at is not None:
        far = (extra.expires_at - ctx.now).total_seconds() > 6 * 86400  # a weekday alone is ambiguous
        expires = (extra.expires_at.astimezone(tz).strftime("%Y-%m-%d") if far
                   else ftime.clock(extra.expires_at, ctx.now, tz=tz, hour12=hour12))
    return {"label": clean(extra.label), "value": value, "limit": limit, "note": clean(extra.note),
            "expires": expires}


def forecast(window: Any, ctx: RenderContext, key: str, tz: Any, hour12: bool, shown: dict[str, str]) -> str:
    """``on pace to hit 100% at Tue 14:10`` or ``on pace to end at 29% (71% unused)``;
    empty where ``shown`` (the window's placeholders) has no projection (before pace_after)."""
    found = projected(window, ctx, key) if shown.get("projected") else None
    now = ctx.now
    if found is None or window.used_percent >= 100.0:
        return ""
    percent, at = found
    if percent >= 100.0:
        return f"on pace to hit 100% at {ftime.clock(at, now, tz=tz, hour12=hour12)}"
    end = int(percent + 0.5)
    return f"on pace to end at {end}% ({100 - end}% unused)"


def long_lines(results: list[ProviderResult], ctx: RenderContext, opts: Options, escape: Any) -> list[tuple[str, str]]:
    """Lines of the long view, provider text escaped with ``escape``."""
    data = ctx.config.data
    icon_cfg = data.get("icons", {})
    tz = ctx.extra.get("tz")
    hour12 = opts.get("clock") == "12h"
    chars = sparkline.chars_for(icons.icon_set(icon_cfg))
    lines: list[tuple[str, str]] = []
    for result in results:
        limits = thresholds.for_provider(data.get("thresholds", {}), result.key)
        has_data = result.status in ("ok", "stale")
        body: list[tuple[str, str]] = []
        worst = "ok"
        for window in result.windows if has_data else []:
            level = limits.classify(figure(result, window))[0] if not window.unlimited else "ok"
            worst = max(worst, level, key=("ok", "warn", "crit").index)
            vals = values(result, window, ctx, opts, icon_cfg, level)
            vals["passed"] = "reset passed, estimated" if window.estimated else ""
            vals["forecast"] = forecast(window, ctx, result.key, tz, hour12, vals)
            found = projected(window, ctx, result.key) if limits.surplus is not None else None
            if level == "ok" and found is not None and limits.is_surplus(found[0]):
                level = "surplus"
            if window.used is not None and window.limit:
                vals["count"] = f"{_num(window.used)}/{_num(window.limit)}"
            if not window.estimated and not window.unlimited:
                vals["spark"] = _trend(ctx, result, window.id, window.resets_at, window.window_seconds, 1, 100.0,
                                       chars)
            body.append((_WINDOW.render(vals, escape), result.status if result.status == "stale" else level))
        cost = result.cost
        if cost is not None and has_data:
            vals = values(result, None, ctx, opts, icon_cfg, "ok")
            vals["budget_used"] = vals.get("budget_used", "")
            vals["period"] = clean(cost.period).replace("_", " ")
            vals["note"] = clean(cost.note)
            vals["cost_reset"] = ftime.clock(cost.resets_at, ctx.now, tz=tz, hour12=hour12)
            vals["spark"] = _trend(ctx, result, "cost", cost.resets_at, None, 2, cost.limit, chars)
            level = limits.classify(cost.used_percent)[0]
            if result.kind == "api" or not result.windows:
                worst = max(worst, level, key=("ok", "warn", "crit").index)
            body.append((_COST.render(vals, escape), level))
        if result.cycles and has_data:
            from llmeter_bar.insight.summary import line

            body.append((_CYCLES.render({"cycles": line(result.cycles)}, escape), "ok"))
        if result.credits is not None and has_data:
            body.append((_CREDITS.render(values(result, None, ctx, opts, icon_cfg, "ok"), escape), "ok"))
        for extra in result.extras if has_data else []:
            body.append((_EXTRA.render(_extra_values(extra, ctx, tz, hour12), escape), "ok"))
        if result.error is not None:
            retry = ftime.clock(result.error.retry_at, ctx.now, tz=tz, hour12=hour12)
            vals = {"error": clean(result.error.label), "message": clean(result.error.message), "retry": retry}
            body.append((_ERROR.render(vals, escape), "error"))
        if not body:
            body.append((_NONE.render({}), result.status))
        status = worst if result.status == "ok" else result.status
        head = values(result, None, ctx, opts, icon_cfg, status)
        head["status"] = status
        lines.append((_HEADER.render(head, escape), status))
        lines.extend(body)
    return lines
