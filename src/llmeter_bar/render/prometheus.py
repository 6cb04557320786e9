"""``--format prometheus``: the text exposition format, for node_exporter's textfile collector.

Not a bar format: many lines, one metric family after another, each with its
``# HELP`` and ``# TYPE``. No sample timestamps (the textfile collector refuses
them). Label values are escaped as the format says (backslash, double quote,
newline); identities (e-mail, organisation) appear only with ``show_account``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from llmeter_bar.render.base import Rendered, RenderContext, Renderer
from llmeter_bar.render.common import projected

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult

DEFAULT_ACCOUNT = "default"
# name -> help text; emitted in this order, each family only when it has samples.
FAMILIES = {
    "llmeter_up": "1 when the provider's last fetch succeeded, 0 when it failed or nothing was fetched yet.",
    "llmeter_stale": "1 when the figures are older than stale_after or the last fetch failed.",
    "llmeter_data_age_seconds": "Seconds since the shown figures were fetched.",
    "llmeter_last_success_timestamp_seconds": "When figures were last fetched with success, as a Unix time.",
    "llmeter_refresh_interval_seconds": "Seconds between fetches of this provider.",
    "llmeter_window_used_percent": "Used share of a rate-limit window, 0-100.",
    "llmeter_window_resets_at_seconds": "When the window resets, as a Unix time.",
    "llmeter_window_projected_percent": "Used share the window is on pace to reach by its reset, 0-100.",
    "llmeter_window_cycles_total": "Finished window cycles, by whether they hit the limit (hit) or not (under).",
    "llmeter_cost_used": "Money spent in the period named by the cost label.",
    "llmeter_cost_limit": "The budget or cap for that spend, when known.",
    "llmeter_credits_balance": "Prepaid balance left.",
    "llmeter_last_error": "1 for the kind of error the last fetch failed with.",
    "llmeter_provider_info": "Constant 1; labels carry the provider's name, kind and plan.",
}
COUNTERS = frozenset({"llmeter_window_cycles_total"})
_INVALID = re.compile("[\ud800-\udfff]")  # lone surrogates cannot be written as UTF-8

Sample = tuple[str, dict[str, str], float]


def escape_label(value: str) -> str:
    value = _INVALID.sub("\ufffd", value)
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _samples(result: ProviderResult, ctx: RenderContext) -> Iterator[Sample]:
    base = {"provider": result.id, "account": result.instance or DEFAULT_ACCOUNT}
    failed = result.error is not None or result.status in ("error", "unconfigured", "loading")
    yield "llmeter_up", base, 0.0 if failed else 1.0
    yield "llmeter_stale", base, 1.0 if result.status == "stale" else 0.0
    age = result.age_seconds(ctx.now)
    if age is not None:
        yield "llmeter_data_age_seconds", base, float(round(age))
    if result.fetched_at is not None and result.status in ("ok", "stale"):
        # A timestamp, not an age: a textfile that stops being rewritten keeps
        # its last age forever, while time() - this keeps growing.
        yield "llmeter_last_success_timestamp_seconds", base, float(int(result.fetched_at.timestamp()))
    if result.interval:
        yield "llmeter_refresh_interval_seconds", base, float(result.interval)
    for window in result.windows:
        labels = {**base, "window": window.id}
        yield "llmeter_window_used_percent", labels, window.used_percent
        if window.resets_at is not None:
            yield "llmeter_window_resets_at_seconds", labels, float(int(window.resets_at.timestamp()))
        found = projected(window, ctx, result.key)
        if found is not None:
            yield "llmeter_window_projected_percent", labels, found[0]
    for summary in result.cycles:
        labels = {**base, "window": summary.window}
        yield "llmeter_window_cycles_total", {**labels, "outcome": "hit"}, float(summary.total_hit)
        yield "llmeter_window_cycles_total", {**labels, "outcome": "under"}, float(summary.total_under)
    if result.cost is not None:
        labels = {**base, "cost": result.cost.period or "total", "unit": result.cost.currency}
        yield "llmeter_cost_used", labels, result.cost.used
        if result.cost.limit is not None:
            yield "llmeter_cost_limit", labels, result.cost.limit
    if result.credits is not None:
        unit = result.credits.currency or result.credits.label or "credits"
        yield "llmeter_credits_balance", {**base, "unit": unit}, result.credits.balance
    if result.error is not None:
        yield "llmeter_last_error", {**base, "kind": result.error.kind}, 1.0
    info = {**base, "name": result.name, "kind": result.kind, "plan": result.plan or ""}
    if ctx.show_account and result.account:
        info["identity"] = result.account
    yield "llmeter_provider_info", info, 1.0


def _line(name: str, labels: dict[str, str], value: float) -> str:
    inner = ",".join(f'{key}="{escape_label(str(val))}"' for key, val in labels.items())
    return f"{name}{{{inner}}} {number(value)}"


class PrometheusRenderer(Renderer):
    name = "prometheus"
    bar = False
    cacheable = False  # data ages must be computed at each run, not replayed from the output cache

    def render(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        by_family: dict[str, list[str]] = {name: [] for name in FAMILIES}
        seen: set[str] = set()
        for result in results:
            for name, labels, value in _samples(result, ctx):
                line = _line(name, labels, value)
                series = line.rpartition(" ")[0]
                if series not in seen:  # a repeated series makes the collector drop the whole file
                    seen.add(series)
                    by_family[name].append(line)
        lines: list[str] = []
        for name, samples in by_family.items():
            if samples:
                kind = "counter" if name in COUNTERS else "gauge"
                lines += [f"# HELP {name} {escape_help(FAMILIES[name])}", f"# TYPE {name} {kind}", *samples]
        if ctx.demo and lines:
            lines.insert(0, "# llmeter-bar: demo data (--demo), sample figures, not your usage")
        # show.py adds the final newline the format requires after the last line.
        return Rendered("\n".join(lines) if lines else "# llmeter-bar: no providers")

    def fallback(self, marker: str) -> Rendered:
        # A comment keeps the file valid: the collector then exports no llmeter series.
        return Rendered(f"# llmeter-bar: {marker}")
