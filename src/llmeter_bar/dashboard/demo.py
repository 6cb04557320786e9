"""``dashboard --demo``: the demo results (demo.py) with a made-up week behind them.

The bars' demo has no history; a dashboard without sparklines and charts would
not show what it is for. Each window gets eight days of samples, one an hour,
that climb through every cycle to the demo's figure at the current one, and a
log of quiet, successful fetches. Everything is derived from ``now`` and the
series names, so the same clock always draws the same picture (the snapshot
tests rely on it). Never mixed with real data: ``--demo`` reads no cache.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from llmeter_bar.models import ProviderResult
from llmeter_bar.store.history import COST, MAX_AGE, History, Series, samples

STEP = 3600.0
MONTH = 30 * 86400.0


def _peak(name: str, cycle: int) -> float:
    """A stable "how busy was that cycle" between 0.25 and 0.95."""
    return 0.25 + (zlib.crc32(f"{name}/{cycle}".encode()) % 70) / 100.0


def _series(name: str, now: float, value_now: float, resets_at: float | None, length: float | None,
            limit: float | None) -> list[list[Any]]:
    length = length or MONTH
    end = resets_at if resets_at and resets_at > now else now + length / 2
    start_now = end - length
    elapsed_now = max(now - start_now, STEP)
    points: list[list[Any]] = []
    t = now - MAX_AGE + STEP
    while t <= now:
        index = int((t - start_now) // length)  # 0: the current cycle, negative: earlier ones
        start = start_now + index * length
        share = (t - start) / length
        if index == 0:
            value = value_now * min(1.0, ((t - start_now) / elapsed_now) ** 1.3)
        else:
            value = (limit or 100.0) * _peak(name, index) * share ** 1.3
        reset = int(start + length)
        if limit:  # money: [t, percent of the budget, amount, limit, reset]
            points.append([int(t), round(value / limit * 100.0, 2), round(value, 2), limit, reset])
        else:
            points.append([int(t), round(value, 2), None, None, reset])
        t += STEP
    return points


def history(result: ProviderResult, now: datetime) -> History:
    out = History(result.key)
    epoch = now.timestamp()
    for sid, label, unit, point in samples(result):
        if sid == COST:
            cost = result.cost
            assert cost is not None
            resets = cost.resets_at.timestamp() if cost.resets_at else None
            pts = _series(f"{result.key}/{sid}", epoch, cost.used, resets, None, cost.limit or cost.used * 2)
        else:
            window = next(w for w in result.windows if w.id == sid)
            resets = window.resets_at.timestamp() if window.resets_at else None
            pts = _series(f"{result.key}/{sid}", epoch, window.used_percent, resets, window.window_seconds, None)
        out.series[sid] = Series(sid, label, unit, pts)
    return out


def record(result: ProviderResult, now: datetime) -> dict[str, Any]:
    fetched = result.fetched_at.timestamp() if result.fetched_at else now.timestamp()
    fetches = [[fetched - 300.0 * i, "ok", ""] for i in range(5, -1, -1)]
    return {"attempt_at": fetched, "next_at": fetched + 300.0, "fetches": fetches, "strikes": 0}


def entries(only: list[str], now: datetime) -> list[tuple[ProviderResult, dict[str, Any], History]]:
    from llmeter_bar.demo import demo_results

    results = demo_results(only, now=now)
    for result in results:
        result.status = "ok"
    return [(r, record(r, now), history(r, now)) for r in results]


def accounts(only: list[str]) -> list[Any]:
    """The accounts view of the demo: where such logins usually come from."""
    from llmeter_bar.dashboard.accounts import Account

    rows = [
        Account("claude", "claude", "Claude", None, "detected", "~/.claude/.credentials.json (plan max)", True, True),
        Account("codex", "codex", "Codex", None, "detected", "~/.codex/auth.json", True, True),
        Account("copilot", "copilot", "Copilot", None, "login", "llmeter-bar's credential store", True, True,
                "copilot"),
        Account("gemini", "gemini", "Gemini", None, "detected", "~/.gemini/oauth_creds.json", True, True),
        Account("openrouter", "openrouter", "OpenRouter", None, "environment",
                "environment variable OPENROUTER_API_KEY", True, True),
        Account("anthropic-api", "anthropic-api", "Anthropic API", None, "environment",
                "environment variable ANTHROPIC_ADMIN_KEY", True, True),
        Account("deepseek", "deepseek", "DeepSeek", None, "environment", "environment variable DEEPSEEK_API_KEY",
                True, True),
    ]
    wanted = {item.partition(":")[0] for item in only}
    return [r for r in rows if not wanted or r.provider in wanted]
