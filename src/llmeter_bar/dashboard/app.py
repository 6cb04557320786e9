"""The dashboard application: a grid of cards, live from the bars' cache.

Once a second (the only timer) it asks the source whether the generation
counter or the config changed; only then, or when the snapshot said something
becomes due, stale or reset, does it read the cache again. Countdowns are
redrawn when the minute changes. So an idle dashboard does one SQLite read a
second and nothing else, and never a request of its own.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Static

from llmeter_bar.dashboard.screens import AccountsScreen, DetailsScreen, HelpScreen
from llmeter_bar.dashboard.widgets import CardWidget, look_for

if TYPE_CHECKING:
    from llmeter_bar.dashboard.accounts import Account
    from llmeter_bar.dashboard.source import Snapshot, Source

TICK = 1.0
WIDE = 100  # two columns of cards from this many terminal columns


class DashboardApp(App[int]):
    TITLE = "llmeter-bar"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { layout: vertical; }
    #top { height: 1; padding: 0 1; background: $panel; color: $text; }
    #problem { height: auto; padding: 0 1; color: $error; }
    #scroll { height: 1fr; }
    #cards { grid-size: 1; grid-gutter: 0 1; height: auto; padding: 0 1; grid-rows: auto; }
    #cards.wide { grid-size: 2; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("q,escape", "quit", "Quit"),
        Binding("r", "refresh_selected", "Refresh"),
        Binding("R", "refresh_all", "Refresh all"),
        Binding("enter", "details", "Details"),
        Binding("a", "accounts", "Accounts"),
        Binding("question_mark", "help", "Help"),
        Binding("down,right,j,l", "app.focus_next", "Next", show=False),
        Binding("up,left,k,h", "app.focus_previous", "Previous", show=False),
    ]

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source
        self.snapshot: Snapshot | None = None
        self.seen: tuple[object, ...] = ()
        self.reload_at = 0.0
        self.minute = -1
        self.widgets: dict[str, CardWidget] = {}
        self.status_text = ""
        self.look: dict[str, Any] = {}

    # -- building -------------------------------------------------------------
    def compose(self) -> Any:
        yield Static(id="top")
        yield Static(id="problem")
        with VerticalScroll(id="scroll"):
            yield Grid(id="cards")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(TICK, self.tick)

    def on_resize(self) -> None:
        self.query_one("#cards").set_class(self.size.width >= WIDE, "wide")

    def reload(self, trigger: bool = True) -> None:
        self.source.open()
        self.seen = self.source.identity()  # before the records: a write meanwhile shows at the next tick
        snapshot = self.source.snapshot(trigger=trigger)
        self.snapshot = snapshot
        self.look = look_for(self.source.config, snapshot.now.timestamp(), self.source.tz)
        self.reload_at = time.monotonic() + snapshot.reload_in
        self.minute = int(snapshot.now.timestamp() // 60)
        self._show(snapshot)

    def _show(self, snapshot: Snapshot) -> None:
        grid = self.query_one("#cards", Grid)
        keys = [e.key for e in snapshot.entries]
        if keys != list(self.widgets):
            focused = self.focused.card.key if isinstance(self.focused, CardWidget) else None
            grid.remove_children()
            self.widgets = {e.key: CardWidget(e.card, self.look, id=None) for e in snapshot.entries}
            grid.mount(*self.widgets.values())
            target = self.widgets.get(focused or "") or next(iter(self.widgets.values()), None)
            if target is not None:
                self.call_after_refresh(target.focus)
        else:
            for entry in snapshot.entries:
                self.widgets[entry.key].show(entry.card, self.look)
        problem = self.query_one("#problem", Static)
        problem.update(f"{snapshot.problem}\n→ {snapshot.hint}" if snapshot.problem and snapshot.hint
                       else snapshot.problem)
        problem.display = bool(snapshot.problem)
        self._top(snapshot)
        screen = self.screen
        if isinstance(screen, DetailsScreen):
            entry = self.entry(screen.entry.key)
            if entry is not None:
                screen.show(entry, self.look)

    def _top(self, snapshot: Snapshot) -> None:
        from datetime import datetime

        now = datetime.fromtimestamp(snapshot.now.timestamp(), self.source.tz).strftime("%H:%M")
        count = len(snapshot.entries)
        worst = [e for e in snapshot.entries if e.card.status in ("error", "unconfigured")]
        text = f"[b]llmeter-bar[/b] · {count} provider{'s' * (count != 1)}"
        if worst:
            text += f" · [b]{len(worst)} need{'s' * (len(worst) == 1)} attention[/b]"
        if self.source.demo:
            text += " · [reverse] DEMO DATA [/reverse]"
        if self.size.width >= 60 or not self.size.width:
            text += f" · {now}"
        self.query_one("#top", Static).update(text)

    # -- the one timer --------------------------------------------------------
    def tick(self) -> None:
        identity = self.source.identity()
        if identity != self.seen or time.monotonic() >= self.reload_at:
            self.reload()
            return
        now = self.source.clock()
        if int(now.timestamp() // 60) != self.minute and self.snapshot is not None:
            self.reload(trigger=False)  # countdowns moved on; also notices a window that reset

    # -- keys -----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The cards' keys belong to the cards: hidden while a details or accounts screen is up."""
        if action in ("refresh_selected", "refresh_all", "details", "accounts") and len(self.screen_stack) > 1:
            return False
        return True

    def entry(self, key: str) -> Any:
        if self.snapshot is None:
            return None
        return next((e for e in self.snapshot.entries if e.key == key), None)

    def selected(self) -> Any:
        focused = self.focused
        if isinstance(focused, CardWidget):
            return self.entry(focused.card.key)
        return self.snapshot.entries[0] if self.snapshot and self.snapshot.entries else None

    def say(self, text: str) -> None:
        self.status_text = text
        self.query_one("#status", Static).update(text)

    def refresh_keys(self, keys: list[str] | None) -> None:
        """Ask for a fetch of these instances (None: all) through the background refresher."""
        from llmeter_bar.dashboard import actions

        if self.source.demo:
            self.say("demo data: nothing to refresh")
            return
        store = self.source.store
        if store is None or self.snapshot is None:
            self.say("the cache cannot be used: nothing to refresh")
            return
        entries = [e for e in self.snapshot.entries if e.settings is not None and (keys is None or e.key in keys)]
        asked = actions.request(store, [e.settings for e in entries])
        self.say(asked.message())

    def action_refresh_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.refresh_keys([entry.key])

    def action_refresh_all(self) -> None:
        self.refresh_keys(None)

    def action_details(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.push_screen(DetailsScreen(entry, self.look))

    def action_accounts(self) -> None:
        self.push_screen(AccountsScreen(self.account_rows()))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    def on_click(self, event: Any) -> None:
        """A click selects a card; a click on the selected card opens its details."""
        widget = event.widget
        if isinstance(widget, CardWidget):
            if widget.has_focus and event.chain >= 2:
                self.action_details()

    # -- accounts -------------------------------------------------------------
    def account_rows(self) -> list[Account]:
        from llmeter_bar.config import Config
        from llmeter_bar.dashboard import accounts

        if self.source.demo:
            from llmeter_bar.dashboard import demo

            return demo.accounts(self.source.providers)
        try:
            return accounts.listing(self.source.config or Config())
        except Exception as exc:
            self.say(f"accounts unreadable: {exc}")
            return []

    def remove_account(self, row: Account) -> None:
        from llmeter_bar.dashboard import accounts

        if self.source.demo:
            self.say(f"demo data: {row.key} was not removed")
            return
        try:
            removed = accounts.remove(row)
        except Exception as exc:
            message = f"could not remove {row.key}: {exc}"
        else:
            message = f"removed the stored login {row.key}" if removed else f"nothing stored for {row.key}"
        screen = self.screen
        if isinstance(screen, AccountsScreen):
            screen.fill(self.account_rows())
            screen.note(message)
        self.say(message)
        self.reload()
