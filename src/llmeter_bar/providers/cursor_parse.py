"""Pure readers for Cursor's dashboard answers (money in US cents, percents 0-100).

Readings chosen where published parsers disagree (tests pin each one):

* Percent fields are percents even below 1 (``0.441`` is 0.441%); the
  ``totalPercentUsed`` field wins over the ``used/limit`` ratio because the
  dashboard's own display messages agree with it (live Pro payload: 0.44% vs
  a 4.3% ratio). The dollar figures stay on the window as used/limit.
* Plan window from ``individualUsage.plan``, else ``individualUsage.overall``
  (Enterprise), else the percents in the display messages; the pools
  (``autoPercentUsed``/``apiPercentUsed``) become windows "auto" and "api".
  Over-allowance percents saturate at 100 in ``used_percent`` (the model
  clamps); the dollar ``used > limit`` keeps overage visible where given.
* Since mid-2026 usage has two pools: ``autoPercentUsed`` (Cursor models) and
  ``apiPercentUsed`` (other models). Both are windows and the most-used one
  is the headline; the blended ``totalPercentUsed`` (and a dollar ratio, which
  counts free bonus spend) hides the pool running out, so next to the pools
  the ``Plan`` window is a side window, listed but never the headline.
* A request-based allowance from ``/api/usage`` (``maxRequestUsage``) comes
  first, as the plan that actually limits the user; it resets one calendar
  month after ``startOfMonth``.
* On-demand spend: ``max(used, limit - remaining)`` (counters disagree in the
  wild); the individual budget is the cost, the team budget only without one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from llmeter_bar.models import Cost, Window
from llmeter_bar.providers._parse import as_dict, parse_time, to_float, to_str

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
WEEK = 7 * 86400


def _dollars(cents: float | None) -> float | None:
    return None if cents is None else cents / 100.0


def _ratio_window(wid: str, label: str, block: dict[str, Any], reset: datetime | None,
                  seconds: int | None) -> Window | None:
    used, limit, remaining = (to_float(block.get(k)) for k in ("used", "limit", "remaining"))
    if block.get("enabled") is False or not limit or limit <= 0:
        return None
    if remaining is not None:
        used = max(used or 0.0, limit - remaining)
    used = used or 0.0
    return Window(wid, label, used / limit * 100.0, resets_at=reset, window_seconds=seconds,
                  used=_dollars(used), limit=_dollars(limit))


def add_month(start: datetime) -> datetime:
    """The same day and time one calendar month later (clamped to the month's end)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return start


def parse_requests(payload: Any) -> Window | None:
    """The request-based allowance of ``/api/usage``; None on usage-based plans."""
    data = as_dict(payload)
    start = parse_time(data.get("startOfMonth"))
    models = [data.get("gpt-4")] + [v for k, v in data.items() if k != "gpt-4"]
    for block in map(as_dict, models):
        limit = to_float(block.get("maxRequestUsage"))
        if limit and limit > 0:
            used = to_float(block.get("numRequestsTotal"))
            used = used if used is not None else to_float(block.get("numRequests")) or 0.0
            resets = add_month(start) if start else None
            seconds = int((resets - start).total_seconds()) if start and resets else None
            return Window("requests", "Requests", used / limit * 100.0, resets_at=resets, window_seconds=seconds,
                          used=used, limit=limit)
    return None


def plan_windows(summary: dict[str, Any], reset: datetime | None, seconds: int | None) -> list[Window]:
    individual = as_dict(summary.get("individualUsage"))
    plan = as_dict(individual.get("plan"))
    windows: list[Window] = []
    total = to_float(plan.get("totalPercentUsed"))
    used, limit = to_float(plan.get("used")), to_float(plan.get("limit"))
    if total is None and used is not None and limit and limit > 0:
        total = used / limit * 100.0
    if total is not None:
        windows.append(Window("plan", "Plan", total, resets_at=reset, window_seconds=seconds,
                              used=_dollars(used), limit=_dollars(limit) if limit else None))
    elif (overall := _ratio_window("plan", "Plan", as_dict(individual.get("overall")), reset, seconds)):
        windows.append(overall)
    pools = {"auto": to_float(plan.get("autoPercentUsed")), "api": to_float(plan.get("apiPercentUsed"))}
    if pools["auto"] is None and pools["api"] is None and not plan:
        # Team accounts without individualUsage: the messages carry the only figures.
        for key, field in (("auto", "autoModelSelectedDisplayMessage"), ("api", "namedModelSelectedDisplayMessage")):
            found = _PERCENT.search(to_str(summary.get(field)) or "")
            pools[key] = float(found.group(1)) if found else None
    for key, label in (("auto", "Auto"), ("api", "API")):
        if pools[key] is not None:
            windows.append(Window(key, label, pools[key], resets_at=reset, window_seconds=seconds))
    if pools["auto"] is not None or pools["api"] is not None:
        for window in windows:
            if window.id == "plan":
                window.side = True  # the blend never drives the bar next to its pools
    team = as_dict(summary.get("teamUsage"))
    if (pooled := _ratio_window("team_pool", "Team pool", as_dict(team.get("pooled")), reset, seconds)):
        windows.append(pooled)
    if not windows and summary.get("isUnlimited") is True:
        windows.append(Window("plan", "Plan", 0.0, resets_at=reset, window_seconds=seconds, unlimited=True))
    return windows


def on_demand(summary: dict[str, Any], reset: datetime | None, seconds: int | None) -> tuple[list[Window], Cost | None]:
    windows: list[Window] = []
    cost: Cost | None = None
    scopes = (("on_demand", "On-demand", "individualUsage"), ("team_on_demand", "Team on-demand", "teamUsage"))
    for wid, label, scope in scopes:
        block = as_dict(as_dict(summary.get(scope)).get("onDemand"))
        window = _ratio_window(wid, label, block, reset, seconds)
        if window:
            windows.append(window)
        spent = to_float(block.get("used"))
        if cost is not None or block.get("enabled") is False:
            continue
        if window:
            cost = Cost(window.used or 0.0, window.limit, currency="USD", period="month", resets_at=reset)
        elif spent and spent > 0:  # spend without a cap
            cost = Cost(spent / 100.0, None, currency="USD", period="month", resets_at=reset)
    return windows, cost


def parse_sand(payload: Any) -> Window | None:
    """The weekly Grok pool (``/api/dashboard/get-sand-usage-status``); not fetched yet."""
    data = as_dict(payload)
    percent = to_float(data.get("usagePercent"))
    if data.get("hasNonZeroIncludedLimit") is False or percent is None:
        return None
    start, end = parse_time(data.get("currentPeriodStart")), parse_time(data.get("nextResetTimestampUtc"))
    seconds = int((end - start).total_seconds()) if start and end else WEEK
    return Window("grok", "Grok", percent, resets_at=end, window_seconds=seconds)


def parse_period(payload: Any) -> tuple[datetime | None, datetime | None, dict[str, Any] | None]:
    """``GetCurrentPeriodUsage``: cycle bounds (epoch ms strings) and planUsage, if any; not fetched yet."""
    data = as_dict(payload)
    plan = data.get("planUsage")
    return (parse_time(data.get("billingCycleStart")), parse_time(data.get("billingCycleEnd")),
            plan if isinstance(plan, dict) and plan else None)
