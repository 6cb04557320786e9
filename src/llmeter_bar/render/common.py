"""What every host renderer shares: choosing windows, filling placeholders,
thresholds to levels, neutralising provider text.

A host renderer is a ``SegmentRenderer`` subclass that only says how to escape
provider text and how to paint one piece in a level's colour (py3status's
output-class split). Placeholders, all strings, empty when unknown:

=============== =============================================================
``name``        provider name, ``Claude:work`` for a named account
``icon``        provider icon of the configured set; ``instance``: account
``tag``         icon (or name when the icon set is none) plus ``:instance``
``value``       headline: used % of the shown window, or spend for API kinds
``used``        used % (``~0%`` when estimated); ``remaining``: 100 - used
``window``      window label (``5h``, ``7d``); ``gauge``: ``▰▰▱▱▱``
``reset``       ``reset_in`` or ``reset_at`` per the ``reset`` option
``reset_in``    countdown ``2h13m``; ``reset_at``: clock ``14:05``/``Mon 09:00``
``pace``        ``+12%`` ahead / ``-5%`` behind; ``eta``: ``runs out 16:40``
``projected``   used % the window is on pace to reach by its reset (``29%``)
``unused``      what that leaves unused (``71%``), empty when it runs out
``cost``        spend ``$12.34``; ``limit``: budget; ``budget_used``: ``25%``
``credits``     prepaid balance; ``plan``, ``source``, ``account`` (opt-in)
``age``         data age ``2m``; ``stale``: ``~`` when stale; ``level``
``error``       short error label (``auth``); ``message``: the long text
=============== =============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import ConfigError
from llmeter_bar.format import icons, options, pace, template, thresholds, units
from llmeter_bar.format import time as ftime
from llmeter_bar.render.base import Rendered, RenderContext, Renderer

if TYPE_CHECKING:
    from datetime import datetime

    from llmeter_bar.models import ProviderResult, Window

PLACEHOLDERS = frozenset(
    "name icon instance tag value used remaining window gauge reset reset_in reset_at pace eta projected unused "
    "cost limit budget_used credits plan source account age stale level error message".split()
)
# C0/C1 controls (newline, ESC, ...), line/paragraph separators, bidi overrides:
# none may reach a host from provider text. Lone surrogates and U+FFFE/U+FFFF
# cannot be encoded or are invalid XML: they become U+FFFD.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff]")
# Display-level severity, used for a bar's overall class/colour.
# ``surplus`` (an ok window on pace to leave much unused) ranks below ok: one
# window going well does not recolour a bar that another keeps busy.
RANK = {"crit": 7, "error": 6, "warn": 5, "stale": 4, "ok": 3, "surplus": 2, "loading": 1, "unconfigured": 0}


def clean(text: Any) -> str:
    """Provider text made safe for one line: controls become a space."""
    if text is None:
        return ""
    return _INVALID.sub("\ufffd", _CONTROL.sub(" ", str(text))).strip()


@dataclass(slots=True)
class Piece:
    """One rendered provider (or window, with ``window = "all"``)."""

    text: str  # already escaped for the host
    level: str  # display level: ok warn crit stale error loading unconfigured
    value_level: str | None  # threshold level of the figure, None when no figure
    percent: float | None
    result: ProviderResult


def pick_windows(result: ProviderResult, choice: str) -> list[Window]:
    """``auto``: the most constraining window (highest %, then nearest reset)."""
    windows = result.windows
    if not windows or choice == "all":
        return list(windows)
    if choice != "auto":
        fixed = [w for w in windows if w.id == choice]
        if fixed:
            return fixed
    far = 1e18  # unknown reset sorts last
    # A side window (one model's own limit) is listed, never the headline,
    # unless it is all there is.
    windows = [w for w in windows if not w.side] or windows
    return [min(windows, key=lambda w: (-w.used_percent, w.resets_at.timestamp() if w.resets_at else far))]


def _uses_cost(result: ProviderResult, window: Window | None) -> bool:
    return result.cost is not None and (result.kind == "api" or window is None)


def figure(result: ProviderResult, window: Window | None) -> float | None:
    """The percent that thresholds judge: the window's, or the share of a budget."""
    if _uses_cost(result, window):
        return result.cost.used_percent if result.cost else None
    if window is not None and not window.unlimited:
        return window.used_percent
    return None


def values(result: ProviderResult, window: Window | None, ctx: RenderContext, opts: options.Options,
           icon_cfg: dict[str, Any], level: str) -> dict[str, str]:
    """All placeholders of one provider (and one window), raw: the caller escapes."""
    key, now = result.key, ctx.now
    tz = ctx.extra.get("tz")
    hour12 = opts.get("clock", key) == "12h"
    name, instance = clean(result.name) or clean(result.id), clean(result.instance)
    icon = clean(icons.icon_for(icon_cfg, result.id, result.instance, name))
    out = {
        "name": f"{name}:{instance}" if instance else name,
        "icon": icon,
        "instance": instance,
        "tag": (icon or name) + (f":{instance}" if instance else ""),
        "plan": clean(result.plan),
        "source": clean(result.source),
        "account": clean(result.account) if ctx.show_account else "",
        "age": ftime.age(result.age_seconds(now)),
        "stale": "~" if result.status == "stale" else "",
        "level": level,
        "error": clean(result.error.label) if result.error else "",
        "message": clean(result.error.message) if result.error else "",
    }
    if window is not None:
        pct = units.percent(window.used_percent)
        out["used"] = "∞" if window.unlimited else ("~" if window.estimated else "") + pct
        out["remaining"] = "" if window.unlimited else units.percent(100.0 - window.used_percent)
        out["window"] = clean(window.label) or clean(window.id)
        chars = units.GAUGE_ASCII if icons.icon_set(icon_cfg) == "ascii" else units.GAUGE_UNICODE
        out["gauge"] = units.gauge(window.used_percent, int(opts.get("gauge_width", key)), chars)
        if not window.estimated:
            out["reset_in"] = ftime.until(window.resets_at, now)
            out["reset_at"] = ftime.clock(window.resets_at, now, tz=tz, hour12=hour12) if out["reset_in"] else ""
            p = pace.compute(window.used_percent, window.resets_at, window.window_seconds, now,
                             float(opts.get("pace_after", key)))
            if p is not None:
                out["pace"] = pace.pace_text(p.delta)
                if p.eta is not None:
                    out["eta"] = "runs out " + ftime.clock(p.eta, now, tz=tz, hour12=hour12)
            found = projected(window, ctx, key) if p is not None else None  # both wait for pace_after
            if found is not None:
                # The projection reads the cycle's history when the view loaded it
                # (insight/); it then supersedes the elapsed-time run-out.
                percent, at = found
                full = percent >= 100.0
                out["projected"] = units.percent(percent)
                out["unused"] = "" if full else units.percent(100.0 - percent)
                out["eta"] = ("runs out " + ftime.clock(at, now, tz=tz, hour12=hour12)
                              if full and window.used_percent < 100.0 else "")
        out["reset"] = out.get("reset_at" if opts.get("reset", key) == "clock" else "reset_in", "")
    cost = result.cost
    if cost is not None:
        currency = clean(cost.currency) or "USD"
        out["cost"] = units.money(cost.used, currency)
        out["limit"] = units.money(cost.limit, currency) if cost.limit else ""
        out["budget_used"] = units.percent(cost.used_percent)
    if result.credits is not None:
        credits = result.credits
        amount = units.money(credits.balance, clean(credits.currency) or None)
        out["credits"] = amount if credits.currency else f"{amount} {clean(credits.label) or 'credits'}"
    out["value"] = out.get("cost", "") if _uses_cost(result, window) else out.get("used", "") or out.get("credits", "")
    if not _uses_cost(result, window):
        out.pop("budget_used", None)  # a subscription's extra-usage budget is not the headline
    return out


def projected(window: Window, ctx: RenderContext, key: str) -> tuple[float, datetime] | None:
    """(percent, when) of the window's projection at its reset: the one set by
    insight.annotate, else (a caller that did not annotate) from the history in
    ``ctx`` or the elapsed time alone."""
    if window.unlimited or window.estimated:
        return None
    if window.projected_percent is None or window.projected_at is None:
        from llmeter_bar.insight.annotate import project_window

        found = project_window(window, ctx.now, ctx.history.get(key))
        return None if found is None else (round(found.percent, 2), found.at)
    return window.projected_percent, window.projected_at


def _template_key(status: str) -> str:
    return {"error": "format_error", "loading": "format_loading", "unconfigured": "format_unconfigured"}.get(
        status, "format")


def compile_format(opts: options.Options, key: str, provider: str | None) -> template.Template:
    source = opts.get(key, provider)
    where = f"format.{opts.host}.{key}" + (f" (provider {provider})" if provider else "")
    return template.parse(source, PLACEHOLDERS, where)


def pieces(results: list[ProviderResult], ctx: RenderContext, opts: options.Options, escape: Any,
           key: str | None = None, include_hidden: bool = False) -> list[Piece]:
    """Render every result with its format; ``key`` forces one format key (e.g. short_format)."""
    data = ctx.config.data
    icon_cfg = data.get("icons", {})
    icons.validate(icon_cfg)
    out: list[Piece] = []
    for result in results:
        try:
            out.extend(_piece(result, ctx, opts, escape, key, include_hidden, icon_cfg))
        except ConfigError:
            raise  # the user's format is wrong: the whole bar says !cfg
        except Exception:
            # One provider's odd figures stay in that provider's segment.
            from llmeter_bar import logs
            from llmeter_bar.models import ErrorInfo

            logs.exception("%s: could not render its figures", result.key)
            broken = result.with_(status="error", windows=[], cost=None, credits=None, extras=[],
                                  error=ErrorInfo("parse", "err", "figures that cannot be shown; see the log"))
            out.extend(_piece(broken, ctx, opts, escape, key, include_hidden, icon_cfg))
    return out


def _piece(result: ProviderResult, ctx: RenderContext, opts: options.Options, escape: Any, key: str | None,
           include_hidden: bool, icon_cfg: dict[str, Any]) -> list[Piece]:
    data = ctx.config.data
    out: list[Piece] = []
    provider = result.key
    status = result.status if result.status in RANK else "error"
    has_data = status in ("ok", "stale")
    tpl = compile_format(opts, key if key and has_data else _template_key(status), provider)
    limits = thresholds.for_provider(data.get("thresholds", {}), provider)
    windows = pick_windows(result, str(opts.get("window", provider))) if has_data else []
    chosen: list[Window | None] = list(windows) or [None]
    first = True
    texts: list[tuple[str, str, str | None, float | None]] = []
    for window in chosen:
        pct = figure(result, window) if has_data else None
        level_of_value, hidden = limits.classify(pct)
        if hidden and has_data and not include_hidden:
            continue
        value_level = level_of_value if pct is not None else None
        level = (value_level or "ok") if status == "ok" else status
        if level == "ok" and window is not None and limits.surplus is not None:
            found = projected(window, ctx, provider)
            if found is not None and limits.is_surplus(found[0]):
                level = "surplus"
        vals = values(result, window, ctx, opts, icon_cfg, level)
        if not first:  # window = "all": identify the provider once
            for name in ("name", "icon", "instance", "tag"):
                vals[name] = ""
        first = False
        texts.append((tpl.render(vals, escape), level, value_level, pct))
    if texts:
        sep = str(opts.get("window_separator", provider))
        top = max(texts, key=lambda t: RANK[t[1]])
        percents = [t[3] for t in texts if t[3] is not None]
        out.append(Piece(sep.join(t[0] for t in texts if t[0]), top[1], top[2],
                         max(percents) if percents else None, result))
    return out


def overall(items: list[Piece]) -> str:
    return max((p.level for p in items), key=RANK.__getitem__, default="ok")


class SegmentRenderer(Renderer):
    """A one-line bar segment: pieces painted by level, joined by the separator."""

    host: ClassVar[str] = ""
    # With ``hidden`` thresholds every provider may be omitted: most bars then
    # hide the segment (empty text); Claude Code would blank its whole line.
    blank_when_hidden: ClassVar[bool] = True
    # Set per render from ctx.demo: sample figures are always marked as such.
    demo: bool = False
    DEMO_MARK: ClassVar[str] = "(demo)"

    def escape(self, text: str) -> str:
        return text

    def paint(self, text: str, level: str, color: str) -> str:
        return text

    def options(self, ctx: RenderContext) -> options.Options:
        return options.load(ctx.config.data, self.host or self.name)

    def use_color(self, opts: options.Options, ctx: RenderContext) -> bool:
        return bool(opts.get("color"))

    def line(self, items: list[Piece], opts: options.Options, color: bool = True, had: bool = False) -> str:
        """Join painted pieces; ``had`` says results existed (so none shown means all hidden)."""
        painted = [self.paint(p.text, p.level, opts.colors.get(p.level, "")) if color else p.text
                   for p in items if p.text]
        if not painted:
            return "" if had and self.blank_when_hidden else self.escape(str(opts.get("empty")))
        return self.mark() + str(opts.get("separator")).join(painted)

    def mark(self) -> str:
        """The demo prefix, escaped for the host; empty for real data."""
        return self.escape(self.DEMO_MARK) + " " if self.demo else ""

    def render(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        self.demo = ctx.demo
        try:
            return self.build(results, ctx)
        except ConfigError as exc:
            if str(exc) not in ctx.config.errors:  # those are logged once per change (logs.warn_once)
                from llmeter_bar import logs

                logs.warning("format: %s", exc)
            return self.fallback("llm !cfg")

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        opts = self.options(ctx)
        items = pieces(results, ctx, opts, self.escape)
        return Rendered(self.line(items, opts, self.use_color(opts, ctx), bool(results)))

    def fallback(self, marker: str) -> Rendered:
        return Rendered(self.escape(clean(marker)))
