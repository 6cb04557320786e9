"""The dashboard driven by Textual's pilot: keys, navigation, details, help, accounts."""

from __future__ import annotations

from datetime import datetime, timezone

from llmeter_bar.dashboard.app import DashboardApp
from llmeter_bar.demo import demo_results
from support.screen import text_of
from llmeter_bar.dashboard.screens import AccountsScreen, ConfirmScreen, DetailsScreen, HelpScreen
from llmeter_bar.dashboard.source import Source
from llmeter_bar.dashboard.widgets import CardWidget

FIXED = datetime(2026, 11, 24, 14, 5, tzinfo=timezone.utc)  # a Tuesday
DEMO_IDS = [r.id for r in demo_results(now=FIXED)]


def demo_app(**kw: object) -> DashboardApp:
    return DashboardApp(Source(demo=True, clock=lambda: FIXED, tz=timezone.utc, **kw))  # type: ignore[arg-type]


async def test_every_demo_provider_has_a_card_with_its_gauge_percent_and_reset():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        cards = {w.card.key: w.card for w in app.query(CardWidget)}
        assert list(cards) == DEMO_IDS and {"claude", "codex", "copilot", "gemini", "openrouter"} <= set(DEMO_IDS)
        claude = cards["claude"]
        assert [(m.label, m.used, m.reset_in, m.reset_at) for m in claude.meters[:2]] == [
            ("5h", "42%", "2h13m", "16:18"), ("7d", "61%", "3d4h", "Fri 18:05")]
        assert claude.meters[3].label == "extra usage" and claude.meters[3].used == "$4.20"
        assert cards["copilot"].meters[0].count == "273/300" and cards["copilot"].level == "crit"
        assert cards["codex"].level == "warn" and cards["gemini"].level == "ok"
        assert ("balance", "$37.66") in cards["openrouter"].money
        shown = text_of(app)
        assert "DEMO DATA" in shown and "resets in 2h13m (16:18)" in shown
        assert "▰" in shown and "▱" in shown


async def test_arrows_move_the_selection_enter_opens_details_and_escape_comes_back():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.focused.card.key == "claude"
        await pilot.press("down", "down")
        assert app.focused.card.key == "copilot"
        await pilot.press("up")
        assert app.focused.card.key == "codex"
        await pilot.press("enter")
        assert isinstance(app.screen, DetailsScreen) and app.screen.entry.key == "codex"
        details = text_of(app)
        assert "History, last 8 days" in details and "Last fetches" in details
        assert details.count(" ok") >= 6  # the demo's six quiet fetches
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailsScreen)
        assert app.focused.card.key == "codex"


async def test_a_click_selects_a_card_and_a_double_click_opens_it():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        gemini = next(w for w in app.query(CardWidget) if w.card.key == "gemini")
        await pilot.click(gemini)
        assert app.focused is gemini
        await pilot.double_click(gemini)
        assert isinstance(app.screen, DetailsScreen) and app.screen.entry.key == "gemini"


async def test_help_opens_with_question_mark_and_q_closes_it_then_q_quits_with_0():
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_value == 0


async def test_refresh_in_the_demo_says_there_is_nothing_to_refresh():
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        assert app.status_text == "demo data: nothing to refresh"


async def test_the_demo_accounts_view_lists_sources_and_never_removes_anything():
    app = demo_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AccountsScreen)
        shown = text_of(app)
        assert "environment variable OPENROUTER_API_KEY" in shown and "~/.claude/.credentials.json" in shown
        await pilot.press("down", "down", "d")  # copilot: a stored login
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert app.status_text == "demo data: copilot was not removed"


async def test_no_color_draws_no_level_colour_and_keeps_the_gauge_glyphs(monkeypatch):
    from llmeter_bar.format.options import DEFAULT_COLORS

    coloured = demo_app()
    async with coloured.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        svg = coloured.export_screenshot().lower()
    assert DEFAULT_COLORS["crit"] in svg and DEFAULT_COLORS["warn"] in svg  # the check below can fail
    monkeypatch.setenv("NO_COLOR", "1")
    plain = demo_app()
    async with plain.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        svg = plain.export_screenshot().lower()
        shown = text_of(plain)
    assert not any(DEFAULT_COLORS[level] in svg for level in ("ok", "warn", "crit"))
    assert "▰" in shown and "▱" in shown and "91%" in shown
