"""``llmeter-bar history``: the recorded samples, or (``--cycles``) the finished window cycles, as CSV or JSON."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import click

COLUMNS = ("time", "provider", "account", "window", "used_percent", "used", "limit", "unit", "resets_at")
CYCLE_COLUMNS = ("ended_at", "provider", "account", "window", "label", "peak_percent", "end_percent", "outcome")
OUTCOMES = {0: "under", 1: "hit", 2: "429"}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """``90m``, ``6h``, ``1d12h``, ``2w`` or a number of seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or not re.fullmatch(f"(?:{_PART.pattern})+", text):
        raise click.BadParameter(f"{text!r} is not a duration like 90m, 6h, 7d or 1d12h", param_hint="--since")
    return sum(float(n) * _UNIT[u] for n, u in _PART.findall(text))


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _wanted(key: str, filters: list[str]) -> bool:
    return not filters or any(key == f or (":" not in f and key.partition(":")[0] == f) for f in filters)


def rows(histories: list[Any], filters: list[str], since: float | None) -> list[dict[str, Any]]:
    out = []
    for hist in histories:
        if not _wanted(hist.key, filters):
            continue
        for sid, series in hist.series.items():
            for t, pct, used, limit, reset in series.points:
                if since is not None and t < since:
                    continue
                out.append({"time": _iso(t), "provider": hist.provider, "account": hist.account, "window": sid,
                            "used_percent": pct, "used": used, "limit": limit, "unit": series.unit,
                            "resets_at": _iso(reset)})
    out.sort(key=lambda r: (r["time"], r["provider"], r["account"] or "", r["window"]))
    return out


def cycle_rows(entries: list[Any], filters: list[str], since: float | None, now: float) -> list[dict[str, Any]]:
    """One row per finished cycle; an open cycle whose reset has passed counts as finished."""
    out = []
    for entry in entries:
        if not _wanted(entry.key, filters):
            continue
        provider, _, account = entry.key.partition(":")
        for wid, w in entry.windows.items():
            rows = list(w.rows)
            if w.open is not None and w.open[0] <= now:
                rows.append([w.open[0], w.open[2], w.open[3], w.open[4]])
            for ended, peak, end, hit in rows:
                if since is not None and ended < since:
                    continue
                out.append({"ended_at": _iso(ended), "provider": provider, "account": account or None,
                            "window": wid, "label": w.label or wid, "peak_percent": peak, "end_percent": end,
                            "outcome": OUTCOMES.get(int(hit), "hit")})
    out.sort(key=lambda r: (r["ended_at"], r["provider"], r["account"] or "", r["window"]))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".10g")
    return str(value)


@click.command(help=(
    "Export the recorded usage history (used percent per window, spend per cost entry; "
    "about the last 8 days) as CSV or JSON. With --cycles: one row per finished window cycle "
    "(peak and final percent, whether it hit the limit; the last 90 days). Times are ISO-8601 "
    "UTC; the account column is the configured account name, empty for the default one."
))
@click.option("--cycles", is_flag=True, help="Finished window cycles instead of samples.")
@click.option("-p", "--provider", "providers", multiple=True, metavar="ID",
              help="Only these providers (repeat, or comma-separate); ID:ACCOUNT picks one account.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--since", metavar="DURATION", help="Only samples (or cycles ended) newer than this: 90m, 6h, 7d, 1d12h.")
def history(cycles: bool, providers: tuple[str, ...], fmt: str, since: str | None) -> None:
    from llmeter_bar.store import history as history_mod
    from llmeter_bar.store.cache import CacheUnavailable, Store

    cutoff = time.time() - parse_duration(since) if since else None
    filters = [p for item in providers for p in item.split(",") if p]
    try:
        store = Store()
    except CacheUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if cycles:
        from llmeter_bar.store import cycles as cycles_mod

        try:
            entries = [cycles_mod.load(store, key) for key in cycles_mod.keys(store)]
        finally:
            store.close()
        _write(cycle_rows(entries, filters, cutoff, time.time()), fmt, "cycles", CYCLE_COLUMNS)
        return
    try:
        histories = [history_mod.load(store, key) for key in history_mod.keys(store)]
    finally:
        store.close()
    _write(rows(histories, filters, cutoff), fmt, "samples", COLUMNS)


def _write(found: list[dict[str, Any]], fmt: str, name: str, columns: tuple[str, ...]) -> None:
    import csv
    import json
    import sys

    if fmt == "json":
        click.echo(json.dumps({"version": 1, name: found}, ensure_ascii=False, indent=1))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in found:
        writer.writerow([_cell(row[c]) for c in columns])

