"""Claude windows from Claude Code's status-line stdin: zero network, zero tokens.

Claude Code (>= 2.1.80) pipes a JSON object to its ``statusLine`` command on
every update. For Pro/Max logins it carries ``rate_limits.five_hour`` and
``rate_limits.seven_day`` with ``used_percentage`` and ``resets_at`` (epoch
*seconds*, unlike the OAuth API's ISO strings); either may be a string. It
never carries per-model weekly windows, extra usage or the plan, so
:func:`merge` keeps those from the last API result.

The CLI (``llmeter-bar --format claude-code`` and ``llmeter-bar ingest
claude-code``) calls exactly :func:`parse_statusline` then :func:`merge` and
stores the merged result as the ``claude`` cache entry. The session cost and
context-window figures in the same payload describe one Claude Code session,
not the subscription, and are ignored here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers._parse import as_dict, parse_time, to_float
from llmeter_bar.providers.claude_parse import FIVE_HOURS, SEVEN_DAYS

SOURCE = "claude-code"
# Same ids and labels as the API parser so merged windows replace, not duplicate.
_WINDOWS = (("five_hour", "5h", FIVE_HOURS), ("seven_day", "7d", SEVEN_DAYS))


def parse_statusline(payload: Any, now: datetime) -> ProviderResult | None:
    """The claude result carried by one status-line payload, or None.

    None means "nothing to store": no ``rate_limits`` (API-key logins, the
    start of a session, older Claude Code), a null one, or windows without a
    readable ``used_percentage``. The result has ``source="claude-code"`` and
    ``fetched_at=now``; percentages are clamped to 0-100.
    """
    limits = as_dict(as_dict(payload).get("rate_limits"))
    windows: list[Window] = []
    for wid, label, seconds in _WINDOWS:
        bucket = as_dict(limits.get(wid))
        percent = to_float(bucket.get("used_percentage"))
        if percent is None:
            continue
        windows.append(
            Window(
                id=wid,
                label=label,
                used_percent=percent,
                resets_at=parse_time(bucket.get("resets_at")),
                window_seconds=seconds,
            )
        )
    if not windows:
        return None
    return ProviderResult(
        id="claude", name="Claude", kind="subscription", fetched_at=now, windows=windows, source=SOURCE
    )


def _carried_over(window: Window, now: datetime | None) -> Window:
    """A window kept from an older result; past its reset it starts again from 0 %."""
    if now is not None and window.resets_at is not None and window.resets_at <= now:
        return replace(window, used_percent=0.0, resets_at=None, estimated=True)
    return window


def merge(previous: ProviderResult | None, incoming: ProviderResult) -> ProviderResult:
    """``incoming`` (status line) completed with what only the API knows.

    The status line's 5h/7d windows replace the previous ones; every other
    window of ``previous`` (per-model weekly, codenames) is kept in its order
    after them, as are its extra-usage cost, credits, extras (saved resets,
    pools), the unknown reply keys, plan, account and instance. A kept window whose reset time has passed is shown as 0 % and
    marked ``estimated``. The result is ``ok`` with no error: the status line
    is first-hand data even when the last API call failed. ``previous`` may be
    None, an error result, or another status-line result.
    """
    if previous is None:
        return incoming
    fresh = {w.id for w in incoming.windows}
    kept = [_carried_over(w, incoming.fetched_at) for w in previous.windows if w.id not in fresh]
    return replace(
        incoming,
        windows=list(incoming.windows) + kept,
        cost=incoming.cost or previous.cost,
        credits=incoming.credits or previous.credits,
        plan=incoming.plan or previous.plan,
        account=incoming.account or previous.account,
        instance=incoming.instance or previous.instance,
        extras=incoming.extras or previous.extras,  # saved resets and pools only the API knows
        unknown_fields=incoming.unknown_fields or previous.unknown_fields,
        status="ok",
        error=None,
    )
