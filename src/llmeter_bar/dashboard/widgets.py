"""The card widget and the pieces of text it is drawn with (Textual and Rich).

Colours are the bars' own (``[colors]``, by level); with ``NO_COLOR`` Textual
drops them and the gauge's two glyphs (▰ used, ▱ left) still tell the share.
Narrow cards shorten their labels rather than wrap: below ``NARROW`` columns
a meter is one line, gauge, percent and countdown only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from llmeter_bar.format import sparkline, units

if TYPE_CHECKING:
    from llmeter_bar.dashboard.cards import Card, Meter

NARROW = 44
DIM = "#7f848e"


def _style(colors: dict[str, str], level: str) -> str:
    return colors.get(level, "") or ""


def _figures(meter: Meter, width: int) -> str:
    return meter.used


def _details(meter: Meter, room: int) -> str:
    """Reset, pace, run-out and notes, most important first, as many as fit whole."""
    items = [meter.count]
    if meter.reset_in:
        items.append(f"resets in {meter.reset_in}" + (f" ({meter.reset_at})" if meter.reset_at else ""))
    elif meter.reset_at:
        items.append(f"resets {meter.reset_at}")
    on_pace = f"on pace for {meter.projected}" if meter.projected and not meter.eta else ""
    items += [meter.note, meter.eta, on_pace, f"pace {meter.pace}" if meter.pace else ""]
    text = ""
    for item in filter(None, items):
        joined = f"{text} · {item}" if text else item
        if len(joined) <= room:
            text = joined  # else skip it: a shorter one after it may still fit
    return text


def meter_lines(meter: Meter, width: int, colors: dict[str, str], now: float, chars: str,
                gauge_chars: tuple[str, str], label_width: int = 10, fig_width: int = 0) -> list[Text]:
    """One meter as one line (narrow: gauge, percent, countdown) or two (label, gauge, figures,
    trend; then reset, run-out and pace)."""
    colour = _style(colors, meter.level)
    label = meter.label if len(meter.label) <= label_width else meter.label[:label_width - 1] + "…"
    figures = _figures(meter, width)
    fig_width = max(fig_width, len(figures))
    line = Text(f"{label:<{label_width}} ")
    if width < NARROW:
        reset = meter.reset_in
        gauge_width = max(3, width - label_width - fig_width - len(reset) - 3)
        line.append(units.gauge(meter.percent, gauge_width, gauge_chars) if meter.percent is not None
                    else " " * gauge_width, style=colour)
        line.append(f" {figures:>{fig_width}}", style=f"bold {colour}".strip())
        if reset:
            line.append(f" {reset}", style=DIM)
        return [line]
    trend = sparkline.sparkline(meter.points, now, hi=meter.hi, width=8, chars=chars) if meter.points else ""
    gauge_width = max(6, width - label_width - fig_width - 12)
    line.append(units.gauge(meter.percent, gauge_width, gauge_chars) if meter.percent is not None
                else " " * gauge_width, style=colour)
    line.append(f" {figures:>{fig_width}}", style=f"bold {colour}".strip())
    if trend:
        line.append(f"  {trend}", style=colour)
    details = _details(meter, width - label_width - 1)
    if not details:
        return [line]
    return [line, Text(" " * (label_width + 1)).append(details, style=DIM)]


def card_text(card: Card, width: int, colors: dict[str, str], now: float, chars: str,
              gauge_chars: tuple[str, str]) -> Text:
    lines: list[Text] = []
    cap = 6 if width < NARROW else 12
    label_width = min(cap, max((len(m.label) for m in card.meters), default=2))
    fig_width = max((len(_figures(m, width)) for m in card.meters), default=0)
    for meter in card.meters:
        lines += meter_lines(meter, width, colors, now, chars, gauge_chars, label_width, fig_width)
    for label, value in card.money:
        line = Text(f"{label}: ")
        line.append(value, style="bold")
        lines.append(line)
    if card.error:
        lines.append(Text(f"! {card.error}", style=_style(colors, "error")))
        if card.retry:
            lines.append(Text(f"  no fetch before {card.retry} (HTTP 429)", style=DIM))
    if card.cause and card.status in ("error", "unconfigured", "stale", "loading"):
        if card.cause not in card.error:
            lines.append(Text(card.cause, style=_style(colors, "error") if card.status != "stale" else DIM))
        if card.fix:
            lines.append(Text(f"→ {card.fix}", style=DIM))
    if not lines:
        lines.append(Text({"loading": "waiting for the first fetch…", "unconfigured": "not set up"}.get(
            card.status, "no figures"), style=DIM))
    out = Text("\n").join(lines)
    out.no_wrap = width < NARROW
    out.overflow = "ellipsis"
    return out


def look_for(config: Any, now: float, tz: Any) -> dict[str, Any]:
    """What every card is drawn with: the bars' colours by level, the glyphs of the icon set, the clock."""
    from llmeter_bar.format import icons, options

    data = config.data if config is not None else {}
    try:
        colors = options.parse_colors(data.get("colors", {}))
        icon_set = icons.icon_set(data.get("icons", {}))
    except Exception:  # a broken [colors]: the bars say !cfg, the dashboard keeps the defaults
        colors, icon_set = dict(options.DEFAULT_COLORS), "unicode"
    ascii_only = icon_set in ("ascii", "none")
    return {"colors": colors, "now": now, "chars": sparkline.chars_for(icon_set),
            "gauge": units.GAUGE_ASCII if ascii_only else units.GAUGE_UNICODE, "tz": tz, "ascii": ascii_only}


def title_text(card: Card, width: int) -> str:
    parts = [f"{card.icon} {card.title}".strip()]
    if card.plan and width >= 30:
        parts.append(f"({card.plan})")
    if card.account and width >= NARROW:
        parts.append(f"· {card.account}")
    return " ".join(parts)


def subtitle_text(card: Card, width: int) -> str:
    parts = [card.badge]
    if card.age:
        parts.append(f"{card.age} ago")
    if card.source and width >= NARROW:
        parts.append(card.source)
    return " · ".join(parts)


class CardWidget(Static, can_focus=True):
    """One provider instance. Focus it (arrows, Tab, a click) and Enter for details."""

    DEFAULT_CSS = """
    CardWidget { height: auto; border: round $panel-lighten-2; padding: 0 1; }
    """

    def __init__(self, card: Card, look: dict[str, object], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.card = card
        self.look = look

    def show(self, card: Card, look: dict[str, object]) -> None:
        self.card, self.look = card, look
        self._paint()
        self.refresh(layout=True)

    def _paint(self) -> None:
        """Edge colour by level (heavier when selected), title and subtitle for the width."""
        width = max(10, self.size.width - 4)
        colors = self.look["colors"]
        edge = colors.get(self.card.shown_level, "") or DIM  # type: ignore[union-attr]
        self.styles.border = ("heavy" if self.has_focus else "round", edge)
        self.border_title = title_text(self.card, width)
        self.border_subtitle = subtitle_text(self.card, width)

    def render(self) -> Text:
        width = max(10, self.content_size.width or self.size.width - 4)
        return card_text(self.card, width, self.look["colors"], float(self.look["now"]),  # type: ignore[arg-type]
                         str(self.look["chars"]), self.look["gauge"])  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def on_focus(self) -> None:
        self._paint()

    def on_blur(self) -> None:
        self._paint()
