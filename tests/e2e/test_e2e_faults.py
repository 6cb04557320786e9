"""Every provider of the REGISTRY x every upstream fault, end to end.

For each fault, one ``--format json --wait`` run fetches every provider at once
from the fault server (timeout 1 s), twice: on a cache that held good figures
(made due) and on an empty one. Then every bar format renders from each of the
two caches. Faults run concurrently (the server routes by path prefix); the
tests below only judge the recorded runs.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from llmeter_bar import providers as registry
from support import allproviders, e2e, payloads, schema
from support.fault_server import FAULTS, SHAPE_FAULTS, FaultServer

TIMEOUT = 2.0
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "json-schema.json").read_text())
# fault -> (error kind, what the message must say), for faults every provider fails on.
FAIL_ALL = {
    "http400": ("unavailable", r"^HTTP 400 from upstream \(.*bad request"),
    "http401": ("auth", r"^HTTP 401: not authorised; .*(run `|open |check )"),
    "http403": ("auth", r"^HTTP 403: not authorised; .*(run `|open |check )"),
    "http404": ("unavailable", r"^HTTP 404: endpoint not found"),
    "http429_retry120": ("rate_limit", r"^HTTP 429: rate limited, retry after 120 s$"),
    "http429_retry0": ("rate_limit", r"^HTTP 429: rate limited, backing off$"),
    "http429_bare": ("rate_limit", r"^HTTP 429: rate limited, backing off$"),
    "http500": ("unavailable", r"^HTTP 500 from upstream"),
    "http502_html": ("unavailable", r"^HTTP 502 from upstream \(<html>.*502 Bad Gateway"),
    "http503": ("unavailable", r"^HTTP 503 from upstream \(Service Unavailable\)"),
    "not_json": ("parse", r"not JSON|page changed"),
    "empty_body": ("parse", r"empty response body|page changed"),
    # Reading is cut at 4 MB; on a loaded machine the deadline may strike first.
    "huge_body": ("parse|network", r"^(response larger than 4 MB|no answer within 2 s)$"),
    "never_answer": ("network", r"^no answer within 2 s$"),
    "headers_then_stall": ("network", r"^no answer within 2 s$"),
    "refused": ("network", r"^connection failed: .*127\.0\.0\.1"),
    "redirect_loop": ("network", r"^too many redirects$"),
    "tls_plain_listener": ("network", r"^TLS error: "),
    "tls_self_signed": ("network", r"^TLS error: .*(CERTIFICATE|certificate)"),
}
# Retry-After 120 is honoured; 0 or none means the 5-minute first backoff step.
RETRY = {"http429_retry120": 120, "http429_retry0": 300, "http429_bare": 300}
# Renders from the cache that never held good figures: the error markers (every
# format renders the same pieces; these cover markup, JSON and ANSI hosts).
FRESH_FORMATS = ("tmux", "waybar", "claude-code", "json")
HTTP_LEVEL = {f for f in FAULTS if f not in ("refused", "never_answer", "tls_plain_listener", "tls_self_signed")}


@dataclass
class Cell:
    fault: str
    stale_wait: e2e.Run
    fresh_wait: e2e.Run
    again: e2e.Run
    stale: dict[str, e2e.Run] = field(default_factory=dict)
    fresh: dict[str, e2e.Run] = field(default_factory=dict)
    doctor: e2e.Run | None = None
    hits_after_wait: int = 0
    hits_at_end: int = 0


@dataclass
class Matrix:
    good: e2e.Run
    cells: dict[str, Cell]


def _by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in document["providers"]}


def _copy_cache(template: Path, target: Path) -> None:
    """A copy of the good cache with every record due, as if the interval had passed."""
    from llmeter_bar.store import fastpath
    from llmeter_bar.store.cache import Store

    target.mkdir(parents=True)
    with sqlite3.connect(template / "cache.db") as src, sqlite3.connect(target / "cache.db") as dst:
        src.backup(dst)
    src.close()
    dst.close()
    store = Store(target)
    for key in store.keys():
        store.update(key, next_at=0)
    fastpath.bump(store.cache)
    store.close()


def _cell(server: FaultServer, root: Path, home: Path, template: Path, fault: str) -> Cell:
    config = allproviders.config(lambda p: server.base_url(fault, p), timeout=TIMEOUT)
    envs = {}
    for which in ("stale", "fresh"):
        base = root / fault / which
        (base / "config").mkdir(parents=True)
        (base / "config" / "config.toml").write_text(config)
        envs[which] = e2e.isolated_env(base, home=home)
    _copy_cache(template / "cache", root / fault / "stale" / "cache")
    stale_wait = e2e.run("--format", "json", "--wait", env=envs["stale"])
    fresh_wait = e2e.run("--format", "json", "--wait", env=envs["fresh"])
    hits = server.count(fault)
    cell = Cell(fault, stale_wait, fresh_wait, stale_wait)
    for fmt in (*e2e.BAR_FORMATS, "json"):
        cell.stale[fmt] = e2e.run("--format", fmt, env=envs["stale"])
    for fmt in FRESH_FORMATS:
        cell.fresh[fmt] = e2e.run("--format", fmt, env=envs["fresh"])
    cell.again = e2e.run("--format", "json", "--wait", env=envs["stale"])
    cell.doctor = e2e.run("doctor", "--format", "json", env=envs["stale"])
    cell.hits_after_wait, cell.hits_at_end = hits, server.count(fault)
    return cell


@pytest.fixture(scope="module")
def matrix(faults: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    root = tmp_path_factory.mktemp("matrix")
    home = root / "home"
    home.mkdir()
    allproviders.plant(home)
    template = root / "template"
    (template / "config").mkdir(parents=True)
    (template / "config" / "config.toml").write_text(
        allproviders.config(lambda p: faults.base_url("good", p), timeout=10))
    good = e2e.run("--format", "json", "--wait", env=e2e.isolated_env(template, home=home))
    with ThreadPoolExecutor(max_workers=4) as pool:
        cells = dict(zip(FAULTS, pool.map(lambda f: _cell(faults, root, home, template, f), FAULTS)))
    yield Matrix(good, cells)
    shutil.rmtree(root, ignore_errors=True)


def test_the_good_fill_covers_every_registered_provider(matrix: Matrix) -> None:
    assert matrix.good.returncode == 0 and matrix.good.stderr == ""
    shown = _by_id(matrix.good.json())
    assert sorted(shown) == sorted(registry.REGISTRY) == sorted(allproviders.PROVIDERS)
    assert {p: shown[p]["status"] for p in shown} == {p: "ok" for p in shown}


def _moment(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _figures(provider: dict[str, Any]) -> tuple[Any, Any]:
    return ([w["used_percent"] for w in provider["windows"]], provider["cost"] and provider["cost"]["used"])


@pytest.mark.parametrize("fault", FAULTS)
def test_fault(matrix: Matrix, fault: str) -> None:
    cell = matrix.cells[fault]
    good = _by_id(matrix.good.json())

    for run in (cell.stale_wait, cell.fresh_wait, cell.again):
        assert run.returncode == 0 and run.stderr == "", run
        # Four faults run at once on two cores: the strict bound is in test_e2e_timing.
        assert run.elapsed < TIMEOUT + 40, f"{fault}: {run.elapsed:.2f} s"
    stale_doc, fresh_doc = cell.stale_wait.json(), cell.fresh_wait.json()
    for document in (stale_doc, fresh_doc):
        schema.validate(document, SCHEMA)
        assert e2e.figures_sane(document) == []
    stale, fresh = _by_id(stale_doc), _by_id(fresh_doc)
    assert sorted(stale) == sorted(fresh) == sorted(good)
    now = _moment(stale_doc["generated_at"])
    for pid in good:
        s, f = stale[pid], fresh[pid]
        if fault in FAIL_ALL:
            kind, pattern = FAIL_ALL[fault]
            assert (s["status"], f["status"]) == ("stale", "error"), (pid, s, f)
            for shown in (s, f):
                assert re.fullmatch(kind, shown["error"]["kind"]), (pid, shown["error"])
                assert re.search(pattern, shown["error"]["message"]), (pid, shown["error"]["message"])
            if fault in RETRY:
                assert abs(_moment(s["error"]["retry_at"]) - now - RETRY[fault]) < 15, (pid, s["error"])
        else:  # wrong shapes: rejected (kept figures, an error) or read with sane figures
            for shown, had_good in ((s, True), (f, False)):
                if shown["status"] == "ok":
                    assert shown["error"] is None
                    # Over good figures, "ok" only with figures: an empty read would wipe them.
                    assert not had_good or shown["windows"] or shown["cost"] or shown["credits"], (pid, shown)
                    continue
                assert shown["status"] == ("stale" if had_good else "error"), (pid, shown)
                assert shown["error"]["kind"] in ("parse", "unavailable"), (pid, shown["error"])
                assert shown["error"]["message"], pid
        if s["status"] == "stale":
            assert _figures(s) == _figures(good[pid]), f"{pid}: the last good figures are gone"
    # Bars: one valid line per host, figures kept and marked stale, errors as short markers.
    for fmt in e2e.BAR_FORMATS:
        for runs, shown_by_id in ((cell.stale, stale), (cell.fresh, fresh)):
            if fmt not in runs:
                continue
            text = e2e.host_text(fmt, runs[fmt])
            assert e2e.nonsense(text) == [], f"{fmt}: {text!r}"
            for pid, shown in shown_by_id.items():
                if shown["status"] == "stale":
                    assert "~" in text, f"{fmt}: stale figures not marked: {text!r}"
                if shown["status"] == "error":
                    assert f"!{shown['error']['label']}" in text, f"{fmt}: {pid} marker missing: {text!r}"
    for runs, document in ((cell.stale, stale), (cell.fresh, fresh)):
        rendered = _by_id(runs["json"].json())
        assert {p: (v["status"], v["error"]) for p, v in rendered.items()} == \
            {p: (v["status"], v["error"]) for p, v in document.items()}
    # doctor names each provider's failure, its kind and what to do.
    assert cell.doctor is not None and cell.doctor.stderr == ""
    report = cell.doctor.json()
    diagnosed = {p["key"]: p for p in report["providers"]}
    checks = {c["name"]: c for c in report["checks"] if c["area"] == "providers"}
    for pid, shown in stale.items():
        if shown["error"] is None:
            continue
        assert diagnosed[pid]["error"]["kind"] == shown["error"]["kind"], (pid, diagnosed[pid])
        if shown["error"]["kind"] == "rate_limit":  # doctor says until when instead
            assert re.search(r"rate limited .*no fetch before", checks[pid]["message"]), (pid, checks[pid])
        else:
            assert shown["error"]["message"] in checks[pid]["message"], (pid, checks[pid])
        assert checks[pid]["status"] == ("error" if shown["error"]["kind"] in ("auth", "config") else "warn")
        if checks[pid]["status"] == "error":
            assert checks[pid]["hint"], (pid, checks[pid])
    assert cell.doctor.returncode == (0 if report["ok"] else 1)
    # Later calls: nothing is due, nothing is fetched again, nothing hangs.
    assert cell.again.elapsed < 3
    if fault in HTTP_LEVEL:
        assert cell.hits_after_wait > 0
        assert cell.hits_at_end == cell.hits_after_wait, "a later call fetched again"
