"""The screens over the cards: details (Enter), accounts (``a``), a confirmation, help (``?``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Static

from llmeter_bar.dashboard import chart
from llmeter_bar.dashboard.widgets import DIM, card_text, subtitle_text, title_text
from llmeter_bar.format import time as ftime

if TYPE_CHECKING:
    from llmeter_bar.dashboard.accounts import Account
    from llmeter_bar.dashboard.source import Entry

HELP = """\
[b]llmeter-bar dashboard[/b]: the bars' figures, live from their cache

  [b]↑ ↓ ← →[/b], Tab   select a provider (or click it)
  [b]Enter[/b]          details: every window, 8 days of history, last fetches
  [b]r[/b]              refresh the selected provider now
  [b]R[/b]              refresh every provider now
  [b]a[/b]              accounts: where each credential comes from; remove a login
  [b]?[/b]              this help
  [b]q[/b], Esc         back, or quit

Refreshing honours every rate-limit (HTTP 429) wait and the on-demand
debounce (refresh_debounce, 30 s by default); the status line says when
either holds a refresh back.
Colours and thresholds are the bars' own (\\[colors], \\[thresholds])."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static { width: auto; max-width: 90%; height: auto; border: round $accent; padding: 1 2;
                          background: $surface; }
    """

    def compose(self) -> Any:
        yield Static(HELP, id="help")

    def on_click(self) -> None:
        self.dismiss()


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape,q", "answer(False)", "No")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Static { width: auto; max-width: 90%; height: auto; border: heavy $error; padding: 1 2;
                             background: $surface; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> Any:
        yield Static(f"{self.question}\n\n[b]y[/b] yes    [b]n[/b] no", id="question")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DetailsScreen(Screen[None]):
    """Everything about one provider instance."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("r", "refresh_one", "Refresh")]
    DEFAULT_CSS = """
    DetailsScreen > VerticalScroll { padding: 0 1; }
    DetailsScreen Static { margin-bottom: 1; }
    """

    def __init__(self, entry: Entry, look: dict[str, Any]) -> None:
        super().__init__()
        self.entry = entry
        self.look = look

    def compose(self) -> Any:
        with VerticalScroll():
            yield Static(id="head")
            yield Static(id="meters")
            yield Static(id="history")
            yield Static(id="fetches")
        yield Footer()

    def on_mount(self) -> None:
        self.show(self.entry, self.look)

    def show(self, entry: Entry, look: dict[str, Any]) -> None:
        self.entry, self.look = entry, look
        width = max(20, self.size.width - 4)
        card = entry.card
        now = float(look["now"])
        tz = look.get("tz")
        head = Text(title_text(card, 200), style="bold")
        head.append("\n" + subtitle_text(card, 200), style=DIM)
        wait = entry.wait_left(now)
        if wait > 0:
            at = datetime.fromtimestamp(now + wait, tz).strftime("%H:%M")
            strikes = int(entry.record.get("strikes") or 0)
            head.append(f"\nrate limited (HTTP 429): no fetch before {at} (in {ftime.countdown(wait)}), "
                        f"{strikes} strike{'s' * (strikes != 1)}", style=look["colors"].get("warn", ""))
        next_at = float(entry.record.get("next_at") or 0)
        if next_at > now:
            head.append(f"\nnext fetch in {ftime.countdown(next_at - now)}", style=DIM)
        self.query_one("#head", Static).update(head)
        self.query_one("#meters", Static).update(card_text(card, min(width, 100), look["colors"], now,
                                                           look["chars"], look["gauge"]))
        self.query_one("#history", Static).update(self._history(width, now, tz))
        self.query_one("#fetches", Static).update(self._fetches(now, tz))

    def _history(self, width: int, now: float, tz: Any) -> Text:
        out = Text("History, last 8 days", style="bold")
        history = self.entry.history
        if history is None or not history.series:
            out.append("\nnothing recorded yet", style=DIM)
            return out
        levels = {m.series: m.level for m in self.entry.card.meters}
        for sid, series in history.series.items():
            money = sid == "cost"
            points = [(float(p[0]), float(p[2] if money else p[1])) for p in series.points
                      if (p[2] if money else p[1]) is not None]
            if not points:
                continue
            hi = max((p[3] for p in series.points if p[3]), default=0.0) if money else 100.0
            rows = chart.chart(points, now, float(hi or 0.0), width=min(width - 12, 96), height=3, tz=tz,
                               ascii_only=bool(self.look["ascii"]))
            label = series.label if len(series.label) <= 10 else series.label[:9] + "…"
            colour = self.look["colors"].get(levels.get(sid, "ok"), "")
            for i, row in enumerate(rows):
                out.append("\n" + (f"{label:<10}  " if i == 0 else " " * 12))
                out.append(row, style=colour if i < len(rows) - 1 else DIM)
        return out

    def _fetches(self, now: float, tz: Any) -> Text:
        out = Text("Last fetches", style="bold")
        fetches = self.entry.fetches
        if not fetches:
            out.append("\nnone recorded yet", style=DIM)
        for at, outcome, message in fetches[:10]:
            when = datetime.fromtimestamp(at, tz).strftime("%a %H:%M:%S")
            out.append(f"\n{when}  ")
            colour = self.look["colors"].get("ok" if outcome == "ok" else "error", "")
            out.append(outcome, style=colour)
            if message:
                out.append(f"  {message}", style=DIM)
        return out

    def action_refresh_one(self) -> None:
        self.app.refresh_keys([self.entry.key])  # type: ignore[attr-defined]


class AccountsScreen(Screen[None]):
    """Every account of every provider; ``d`` removes a stored login."""

    BINDINGS = [Binding("escape,q,a", "app.pop_screen", "Back"),
                Binding("d,delete", "remove", "Remove login")]
    DEFAULT_CSS = """
    AccountsScreen > Vertical { padding: 0 1; }
    AccountsScreen #note { color: $text-muted; height: auto; }
    """

    def __init__(self, rows: list[Account]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> Any:
        with Vertical():
            yield Static("[b]Accounts[/b]  (* shown in the bars; only a login stored by "
                         "`llmeter-bar login` can be removed here)", id="title")
            yield DataTable(id="accounts", cursor_type="row", zebra_stripes=True)
            yield Static("", id="note")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "account", "provider", "origin", "credential")
        self.fill(self.rows)

    def fill(self, rows: list[Account]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            credential = row.credential + ("  [removable]" if row.removable else "")
            table.add_row("*" if row.shown else "", row.key, row.name, row.origin, credential, key=row.key)
        if not rows:
            self.query_one("#note", Static).update("No account found: log in to a tool, or `llmeter-bar login`.")

    def selected(self) -> Account | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_remove(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.removable:
            self.query_one("#note", Static).update(
                f"{row.key}: its credential comes from {row.credential}; only logins stored by "
                "`llmeter-bar login` can be removed here.")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.app.remove_account(row)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmScreen(f"Remove the stored login [b]{row.key}[/b]?\n"
                                           f"(kept in {row.credential})"), done)

    def note(self, text: str) -> None:
        self.query_one("#note", Static).update(text)
