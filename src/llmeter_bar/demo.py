"""Realistic sample results for every provider kind, relative to now, no network.

Used by ``--demo`` so a new user can style a bar before logging in, and by the
docs and screenshots.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from llmeter_bar.models import Cost, Credits, ProviderResult, Window, utcnow


def _month_end(now: datetime) -> datetime:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def demo_results(only: list[str] | None = None, now: datetime | None = None) -> list[ProviderResult]:
    now = now or utcnow()
    fetched = now - timedelta(seconds=95)
    hour = timedelta(hours=1)
    month_end = _month_end(now)
    results = [
        ProviderResult(
            id="claude", name="Claude", plan="max", source="demo", fetched_at=fetched,
            windows=[
                Window("five_hour", "5h", 42.0, now + 2 * hour + timedelta(minutes=13), 18000),
                Window("seven_day", "7d", 61.0, now + 76 * hour, 604800),
                Window("seven_day_sonnet", "Sonnet 7d", 18.0, now + 76 * hour, 604800),
            ],
            cost=Cost(used=4.20, limit=50.0, currency="USD", period="extra_usage"),
        ),
        ProviderResult(
            id="codex", name="Codex", plan="plus", source="demo", fetched_at=fetched,
            windows=[
                Window("five_hour", "5h", 17.0, now + 3 * hour + timedelta(minutes=40), 18000),
                Window("weekly", "7d", 74.0, now + 100 * hour, 604800),
            ],
            credits=Credits(balance=12.5, currency=None, label="credits"),
        ),
        ProviderResult(
            id="copilot", name="Copilot", plan="pro", source="demo", fetched_at=fetched,
            windows=[Window("premium", "premium", 91.0, month_end, None, used=273, limit=300)],
        ),
        ProviderResult(
            id="gemini", name="Gemini", plan="free", source="demo", fetched_at=fetched,
            windows=[
                Window("pro", "Pro", 8.0, now + 9 * hour, 86400),
                Window("flash", "Flash", 3.0, now + 9 * hour, 86400),
            ],
        ),
        ProviderResult(
            id="openrouter", name="OpenRouter", kind="api", source="demo", fetched_at=fetched,
            cost=Cost(used=12.34, limit=50.0, period="month", resets_at=month_end),
            credits=Credits(balance=37.66, currency="USD"),
        ),
        ProviderResult(
            id="anthropic-api", name="Anthropic API", kind="api", source="demo", fetched_at=fetched,
            cost=Cost(used=84.2, limit=None, period="month", resets_at=month_end),
        ),
    ]
    if only:
        wanted = {item.partition(":")[0] for item in only}
        results = [r for r in results + _on_request(now, fetched) if r.id in wanted]
    return results


def _on_request(now: datetime, fetched: datetime) -> list[ProviderResult]:
    """Providers shown in the demo only when named (``--demo --provider zai``), so
    the default demo bar keeps its length."""
    hour = timedelta(hours=1)
    month_end = _month_end(now)
    return [
        ProviderResult(
            id="deepseek", name="DeepSeek", kind="api", source="demo", fetched_at=fetched,
            credits=Credits(balance=63.4, currency="CNY", label="balance"),
        ),
        ProviderResult(
            id="factory", name="Factory", source="demo", fetched_at=fetched,
            windows=[
                Window("five_hour", "5h", 12.0, now + 3 * hour, 18000),
                Window("weekly", "7d", 34.0, now + 90 * hour, 604800),
                Window("monthly", "month", 56.0, month_end, None),
            ],
            credits=Credits(balance=25.0, currency="USD", label="extra usage"),
        ),
        ProviderResult(
            id="antigravity", name="Antigravity", plan="Google AI Pro", source="demo", fetched_at=fetched,
            windows=[
                Window("gemini_5h", "Gemini 5h", 38.0, now + 2 * hour, 18000),
                Window("gemini_weekly", "Gemini 7d", 22.0, now + 110 * hour, 604800),
                Window("3p_5h", "Claude/GPT 5h", 9.0, now + 4 * hour, 18000),
            ],
        ),
        ProviderResult(
            id="synthetic", name="Synthetic", plan="Starter", source="demo", fetched_at=fetched,
            windows=[
                Window("five_hour", "5h", 20.0, None, 18000, used=150, limit=750),
                Window("weekly", "7d", 1.9, None, 604800, used=0.7, limit=36.0),
            ],
        ),
        ProviderResult(
            id="zai", name="Z.ai", plan="GLM Coding Pro", source="demo", fetched_at=fetched,
            windows=[Window("five_hour", "5h", 33.0, now + 3 * hour, 18000),
                     Window("weekly", "7d", 12.0, now + 90 * hour, 604800),
                     Window("mcp", "MCP month", 4.0, now + 400 * hour, 2592000, used=40, limit=1000, side=True)],
        ),
        ProviderResult(
            id="kimi", name="Kimi", plan="Intermediate", source="demo", fetched_at=fetched,
            windows=[Window("five_hour", "5h", 27.0, now + 2 * hour, 18000, used=27, limit=100),
                     Window("weekly", "7d", 26.0, now + 70 * hour, 604800, used=26, limit=100)],
        ),
        ProviderResult(
            id="minimax", name="MiniMax", plan="Token Plan Plus", source="demo", fetched_at=fetched,
            windows=[Window("five_hour", "5h", 44.0, now + 4 * hour, 18000),
                     Window("weekly", "7d", 10.0, now + 120 * hour, 604800)],
        ),
        ProviderResult(
            id="grok", name="Grok", plan="SuperGrok", source="demo", fetched_at=fetched,
            windows=[Window("weekly", "7d", 18.0, now + 80 * hour, 604800)],
            credits=Credits(balance=12.5, currency="USD", label="prepaid"),
        ),
        ProviderResult(
            id="ollama", name="Ollama", plan="pro", source="demo", fetched_at=fetched,
            windows=[Window("session", "5h", 46.0, now + 1 * hour, 18000, estimated=True),
                     Window("weekly", "7d", 12.0, now + 60 * hour, 604800, estimated=True)],
        ),
    ]
