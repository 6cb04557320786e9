"""login/logout: GitHub device flow, key validation before storing, cookie reduction."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from click.testing import CliRunner

from llmeter_bar.store import credstore
from llmeter_bar.cli.commands import device_flow
from llmeter_bar.cli.commands.auth import login, logout

GH = "https://github.test"
CODE_URL = GH + "/login/device/code"
TOKEN_URL = GH + "/login/oauth/access_token"
TOKEN = "gho_FAKEtoken0123456789abcdef"
OR_KEY = "sk-or-v1-FAKE-login-0123456789"



@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the poll waits instead of sleeping; a fake clock advances by each wait."""
    slept: list[float] = []
    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(device_flow, "_sleep", fake_sleep)
    monkeypatch.setattr(device_flow, "_clock", lambda: now[0])
    return slept


def _device_code(mocked: aioresponses, interval: int = 5, expires_in: int = 900) -> None:
    mocked.post(CODE_URL, payload={
        "device_code": "dev-123", "user_code": "ABCD-1234", "verification_uri": "https://github.com/login/device",
        "interval": interval, "expires_in": expires_in,
    })


def run_login(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(login, list(args), input=input, env={"LLMETER_BAR_GITHUB_URL": GH})


def test_device_flow_happy_path(waits: list[float]) -> None:
    with aioresponses() as mocked:
        _device_code(mocked)
        mocked.post(TOKEN_URL, payload={"error": "authorization_pending"})
        mocked.post(TOKEN_URL, payload={"access_token": TOKEN, "token_type": "bearer", "scope": "read:user"})
        result = run_login("copilot")
    assert result.exit_code == 0, result.output
    assert "ABCD-1234" in result.output and "https://github.com/login/device" in result.output
    assert TOKEN not in result.output
    assert credstore.get("copilot") == {"token": TOKEN}
    assert waits == [5, 5]
    calls = [c for (m, u), items in mocked.requests.items() for c in items if str(u) == TOKEN_URL]
    assert calls[0].kwargs["data"]["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
    assert calls[0].kwargs["data"]["device_code"] == "dev-123"
    assert calls[0].kwargs["headers"]["Accept"] == "application/json"


def test_device_flow_slow_down_increases_interval(waits: list[float]) -> None:
    with aioresponses() as mocked:
        _device_code(mocked, interval=5)
        mocked.post(TOKEN_URL, payload={"error": "slow_down"})
        mocked.post(TOKEN_URL, payload={"error": "slow_down", "interval": 20})
        mocked.post(TOKEN_URL, payload={"error": "authorization_pending"})
        mocked.post(TOKEN_URL, payload={"access_token": TOKEN})
        result = run_login("copilot", "--account", "work")
    assert result.exit_code == 0, result.output
    assert waits == [5, 10, 20, 20]
    assert credstore.get("copilot", "work") == {"token": TOKEN}
    assert credstore.get("copilot") is None


@pytest.mark.parametrize(
    ("error", "message"), [("expired_token", "expired"), ("access_denied", "denied"), ("unsupported_grant_type", "failed")],
)
def test_device_flow_terminal_errors_store_nothing(waits: list[float], error: str, message: str) -> None:
    with aioresponses() as mocked:
        _device_code(mocked)
        mocked.post(TOKEN_URL, payload={"error": "authorization_pending"})
        mocked.post(TOKEN_URL, payload={"error": error})
        result = run_login("copilot")
    assert result.exit_code == 1
    assert message in result.output
    assert credstore.get("copilot") is None


def test_device_flow_gives_up_after_expiry(waits: list[float]) -> None:
    with aioresponses() as mocked:
        _device_code(mocked, interval=5, expires_in=12)
        mocked.post(TOKEN_URL, payload={"error": "authorization_pending"}, repeat=True)
        result = run_login("copilot")
    assert result.exit_code == 1 and "expired" in result.output
    assert len(waits) == 3


def test_key_validation_failure_keeps_nothing() -> None:
    with aioresponses() as mocked:
        mocked.get("https://openrouter.ai/api/v1/key", status=401, body=f"bad key {OR_KEY}")
        mocked.get("https://openrouter.ai/api/v1/credits", status=401, body="bad")
        result = run_login("openrouter", "--key-stdin", input=OR_KEY + "\n")
    assert result.exit_code == 1
    assert "rejected" in result.output and "nothing was stored" in result.output
    assert OR_KEY not in result.output
    assert credstore.get("openrouter") is None and not credstore.path().exists()


def test_key_validation_network_failure_keeps_nothing() -> None:
    with aioresponses() as mocked:
        mocked.get("https://openrouter.ai/api/v1/key", exception=aiohttp.ClientConnectionError("down"))
        mocked.get("https://openrouter.ai/api/v1/credits", exception=aiohttp.ClientConnectionError("down"))
        result = run_login("openrouter", "--key-stdin", input=OR_KEY + "\n")
    assert result.exit_code == 1 and credstore.get("openrouter") is None


def test_valid_key_is_stored_under_the_account() -> None:
    with aioresponses() as mocked:
        mocked.get("https://openrouter.ai/api/v1/key", payload={"data": {"usage_monthly": 1}})
        mocked.get("https://openrouter.ai/api/v1/credits", payload={"data": {"total_credits": 1, "total_usage": 0}})
        result = run_login("openrouter", "--account", "work", "--key-stdin", input=OR_KEY + "\n")
    assert result.exit_code == 0, result.output
    assert OR_KEY not in result.output
    assert credstore.get("openrouter", "work") == {"api_key": OR_KEY}
    calls = [c for items in mocked.requests.values() for c in items]
    assert all(c.kwargs["headers"]["Authorization"] == f"Bearer {OR_KEY}" for c in calls)


def test_prompted_key_is_hidden() -> None:
    key = "sk-admin-FAKE-prompted-0123456789"
    with aioresponses() as mocked:
        mocked.get(re.compile(r"^https://api\.openai\.com/v1/organization/costs.*"),
                   payload={"data": [], "has_more": False, "next_page": None})
        result = run_login("openai-api", input=key + "\n")
    assert result.exit_code == 0, result.output
    assert key not in result.output
    assert credstore.get("openai-api") == {"api_key": key}


def test_azure_login_stores_resource_and_key() -> None:
    key = "azure-FAKE-login-key-0123456789"
    with aioresponses() as mocked:
        mocked.get(re.compile(r"^https://myres\.openai\.azure\.com/openai/models.*"), payload={"data": []})
        result = run_login("azure-openai", "--resource", "myres", "--key-stdin", input=key + "\n")
    assert result.exit_code == 0, result.output
    assert credstore.get("azure-openai") == {"api_key": key, "resource": "myres"}


@pytest.mark.parametrize(
    ("provider", "pasted", "stored_as", "stored"),
    [
        ("cursor", "Cookie: _ga=1; WorkosCursorSessionToken=user%3A%3Atok123456789; other=2",
         "cursor", "WorkosCursorSessionToken=user%3A%3Atok123456789"),
        ("opencode", "theme=dark; auth=Fe26.2**sealed0123456789; x=y", "opencode", "auth=Fe26.2**sealed0123456789"),
        ("opencode-go", "Fe26.2**bare0123456789*abc", "opencode", "auth=Fe26.2**bare0123456789*abc"),
    ],
)
def test_cookie_login_keeps_only_the_needed_cookie(provider: str, pasted: str, stored_as: str, stored: str) -> None:
    result = run_login(provider, "--key-stdin", input=pasted + "\n")
    assert result.exit_code == 0, result.output
    assert credstore.get(stored_as) == {"cookie": stored}


def test_cookie_login_without_the_cookie_stores_nothing() -> None:
    result = run_login("cursor", "--key-stdin", input="_ga=1; theme=dark\n")
    assert result.exit_code == 1 and credstore.get("cursor") is None


def test_logout() -> None:
    credstore.put("openrouter", "work", {"api_key": OR_KEY})
    runner = CliRunner()
    result = runner.invoke(logout, ["openrouter"])
    assert result.exit_code == 0 and "Nothing stored" in result.output
    result = runner.invoke(logout, ["openrouter", "--account", "work"])
    assert result.exit_code == 0 and "Logged out" in result.output
    assert credstore.accounts("openrouter") == []


def test_unknown_provider_is_refused() -> None:
    result = CliRunner().invoke(login, ["nonsense"])
    assert result.exit_code == 2


def test_corrupt_store_is_reported_not_overwritten() -> None:
    credstore.path().parent.mkdir(parents=True)
    credstore.path().write_text("{broken")
    result = run_login("cursor", "--key-stdin", input="WorkosCursorSessionToken=abc123456789\n")
    assert result.exit_code == 1 and "corrupt" in result.output
    assert credstore.path().read_text() == "{broken"


def test_a_login_shared_by_several_providers_makes_each_of_them_due():
    """Zen and Go read the one opencode login: a new login must reach both."""
    from llmeter_bar.store.cache import Store
    from llmeter_bar.store.credstore import changed

    store = Store()
    for key in ("opencode-zen", "opencode-go", "claude"):
        store.write(key, {"attempt_at": 1.0, "next_at": 4e9})
    store.close()
    changed("opencode", None)
    store = Store()
    try:
        assert [store.read(k)["next_at"] for k in ("opencode-zen", "opencode-go", "claude")] == [0.0, 0.0, 4e9]
    finally:
        store.close()
