"""The dashboard on a real cache: the background refresher fetches from a local
server that counts requests; stored logins are removed through the accounts view."""

from __future__ import annotations

import asyncio
import time

import pytest

from llmeter_bar.dashboard.app import DashboardApp
from llmeter_bar.dashboard.screens import AccountsScreen, ConfirmScreen
from llmeter_bar.dashboard.source import Source
from llmeter_bar.dashboard.widgets import CardWidget
from llmeter_bar.store import credstore
from llmeter_bar.store.cache import Store
from support import cli
from support.screen import text_of


HELD = "one on-demand refresh per 30 s (refresh_debounce)"  # the shared on-demand debounce (fetch/refresh.py)


@pytest.fixture(autouse=True)
def refresher_finds_the_fake_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    # The detached refresher is a new interpreter: it imports support.fake_provider from here.
    monkeypatch.setenv("PYTHONPATH", cli.env()["PYTHONPATH"])


async def until(pilot, predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


def card(app: DashboardApp, key: str):  # type: ignore[no-untyped-def]
    return next(w.card for w in app.query(CardWidget) if w.card.key == key)


def config(url: str) -> str:
    """The fake provider with the shipped on-demand debounce (the test default switches it off)."""
    return cli.fake_config(url).replace("refresh_debounce = 0", "refresh_debounce = 30")


def age_record(key: str, seconds: float) -> None:
    """Make the last fetch look ``seconds`` old, yet not due by its interval."""
    store = Store()
    try:
        now = time.time()
        store.update(key, attempt_at=now - seconds, next_at=now + 600)
    finally:
        store.close()


async def test_r_fetches_the_selected_provider_once_and_a_second_press_is_held(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 9})
    write_config(config(fake_server.url))
    assert "fake: ok" in cli.run("refresh").stdout
    age_record("fake", 35)
    fake_server.reply("/usage/fake", {"used": 55})
    app = DashboardApp(Source())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        assert card(app, "fake").meters[0].used == "9%"
        assert fake_server.hits["/usage/fake"] == 1  # not due: opening the dashboard fetched nothing
        await pilot.press("r")
        assert app.status_text == "refreshing fake"
        await pilot.press("r")  # a double press: the fetch is running, or just done
        assert app.status_text == "fake: a fetch is already running" or HELD in app.status_text
        # The refresher's write bumps the generation; the next tick shows the new figure.
        await until(pilot, lambda: card(app, "fake").meters[0].used == "55%")
        await pilot.press("r")
        assert app.status_text.startswith("fake: fetched ") and app.status_text.endswith(HELD)
        await asyncio.sleep(1.0)
    assert fake_server.hits["/usage/fake"] == 2


async def test_r_says_so_and_fetches_nothing_during_a_429_wait(fake_server, write_config):
    fake_server.reply("/usage/fake", {"error": "slow down"}, status=429, headers={"Retry-After": "900"})
    write_config(config(fake_server.url))
    cli.run("refresh")
    assert fake_server.hits["/usage/fake"] == 1
    age_record("fake", 35)
    app = DashboardApp(Source())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("R")
        assert app.status_text.startswith("fake: rate limited (HTTP 429), no fetch before ")
        assert "(in 15m)" in app.status_text
        shown = card(app, "fake")
        assert shown.status == "error" and shown.error == "HTTP 429: rate limited, retry after 900 s"
        assert shown.retry  # the card says until when no fetch is made
        await pilot.press("enter")  # the details: the wait, its strikes, and the fetch that got the 429
        details = text_of(app)
        assert "rate limited (HTTP 429): no fetch before " in details and "(in 15m), 1 strike" in details
        assert "rate_limit  HTTP 429: rate limited, retry after 900 s" in details
        await asyncio.sleep(0.5)
    assert fake_server.hits["/usage/fake"] == 1


async def test_a_provider_due_on_opening_is_fetched_once_by_the_background_refresher(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 31})
    write_config(config(fake_server.url))
    app = DashboardApp(Source())
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: card(app, "fake").meters and card(app, "fake").meters[0].used == "31%")
        await pilot.press("r")
        assert HELD in app.status_text or "already running" in app.status_text
        await asyncio.sleep(1.0)
    assert fake_server.hits["/usage/fake"] == 1


async def test_an_error_card_shows_doctors_cause_and_fix(fake_server, write_config):
    fake_server.reply("/usage/fake", {"error": "bad token"}, status=401)
    write_config(config(fake_server.url))
    cli.run("refresh")
    app = DashboardApp(Source())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        shown = card(app, "fake")
        assert shown.status == "error"
        assert shown.cause.startswith("last fetch") and "failed (auth)" in shown.cause
        assert shown.fix == "renew the login, then `llmeter-bar refresh`"


async def test_accounts_view_removes_a_stored_login_after_confirmation_and_never_shows_the_secret(
        fake_server, write_config, monkeypatch):
    secret = "sk-or-v1-dashboard-test-secret"
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-from-the-environment")
    credstore.put("openrouter", "work", {"api_key": secret})
    write_config(f'[general]\nproviders = ["openrouter:work"]\n[provider.openrouter]\nbase_url = "{fake_server.url}"\n')
    app = DashboardApp(Source())
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("a")
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        keys = [row.key for row in screen.rows]
        assert keys[:2] == ["openrouter", "openrouter:work"]
        assert screen.rows[0].credential == "environment variable OPENROUTER_API_KEY"
        assert not screen.rows[0].removable and screen.rows[1].removable
        await pilot.press("d")  # the environment's key: not ours to remove
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("down", "d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert credstore.accounts("openrouter") == ["work"]
        await pilot.press("d", "y")
        assert credstore.accounts("openrouter") == []
        assert app.status_text == "removed the stored login openrouter:work"
        shown = app.export_screenshot()
        assert secret not in shown and "sk-or-v1-from-the-environment" not in shown


async def test_a_broken_config_or_no_provider_is_said_on_screen_not_a_crash(write_config):
    write_config("[general\nproviders = 3\n")
    app = DashboardApp(Source())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        shown = text_of(app)
        assert "config: " in shown and "0 providers" in shown, shown
        await pilot.press("r", "a", "escape", "q")
    assert app.return_value == 0
