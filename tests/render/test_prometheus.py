"""`--format prometheus`: exact text, escaping, a strict parser, and the textfile script."""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmeter_bar.config import Config
from llmeter_bar.models import Cost, Credits, CycleSummary, ErrorInfo, ProviderResult, Window
from llmeter_bar.render.base import RenderContext
from llmeter_bar.render.prometheus import PrometheusRenderer
from support import cli
from support.promparse import ParseError, parse

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
SCRIPT = Path(__file__).resolve().parents[2] / "integrations" / "prometheus" / "llmeter-bar-textfile"


def fixture_results() -> list[ProviderResult]:
    return [
        ProviderResult(
            id="claude", name="Claude", plan="max", account="me@example.com", fetched_at=NOW - timedelta(seconds=95),
            windows=[Window("five_hour", "5h", 42.5, NOW + timedelta(hours=2), 18000),
                     Window("seven_day", "7d", 61.0, None, 604800)],
            interval=300.0,
            cycles=[CycleSummary("five_hour", "5h", 30, 40, 12, [80.0, 100.0, 97.5], 18000, 15, 70)],
        ),
        ProviderResult(
            id="codex", name="Codex", instance="work", status="stale", fetched_at=NOW - timedelta(hours=1),
            windows=[Window("five_hour", "5h", 17.0, NOW + timedelta(minutes=30), 18000)],
            error=ErrorInfo("network", "net", "no answer within 10 s"),
        ),
        ProviderResult(
            id="openrouter", name="OpenRouter", kind="api", fetched_at=NOW - timedelta(seconds=10),
            cost=Cost(used=12.34, limit=50.0, currency="USD", period="month"),
            credits=Credits(balance=37.66, currency="USD"),
        ),
        ProviderResult(id="gemini", name="Gemini", status="loading"),
    ]


EXPECTED = """\
# HELP llmeter_up 1 when the provider's last fetch succeeded, 0 when it failed or nothing was fetched yet.
# TYPE llmeter_up gauge
llmeter_up{provider="claude",account="default"} 1
llmeter_up{provider="codex",account="work"} 0
llmeter_up{provider="openrouter",account="default"} 1
llmeter_up{provider="gemini",account="default"} 0
# HELP llmeter_stale 1 when the figures are older than stale_after or the last fetch failed.
# TYPE llmeter_stale gauge
llmeter_stale{provider="claude",account="default"} 0
llmeter_stale{provider="codex",account="work"} 1
llmeter_stale{provider="openrouter",account="default"} 0
llmeter_stale{provider="gemini",account="default"} 0
# HELP llmeter_data_age_seconds Seconds since the shown figures were fetched.
# TYPE llmeter_data_age_seconds gauge
llmeter_data_age_seconds{provider="claude",account="default"} 95
llmeter_data_age_seconds{provider="codex",account="work"} 3600
llmeter_data_age_seconds{provider="openrouter",account="default"} 10
# HELP llmeter_last_success_timestamp_seconds When figures were last fetched with success, as a Unix time.
# TYPE llmeter_last_success_timestamp_seconds gauge
llmeter_last_success_timestamp_seconds{provider="claude",account="default"} 1795341505
llmeter_last_success_timestamp_seconds{provider="codex",account="work"} 1795338000
llmeter_last_success_timestamp_seconds{provider="openrouter",account="default"} 1795341590
# HELP llmeter_refresh_interval_seconds Seconds between fetches of this provider.
# TYPE llmeter_refresh_interval_seconds gauge
llmeter_refresh_interval_seconds{provider="claude",account="default"} 300
# HELP llmeter_window_used_percent Used share of a rate-limit window, 0-100.
# TYPE llmeter_window_used_percent gauge
llmeter_window_used_percent{provider="claude",account="default",window="five_hour"} 42.5
llmeter_window_used_percent{provider="claude",account="default",window="seven_day"} 61
llmeter_window_used_percent{provider="codex",account="work",window="five_hour"} 17
# HELP llmeter_window_resets_at_seconds When the window resets, as a Unix time.
# TYPE llmeter_window_resets_at_seconds gauge
llmeter_window_resets_at_seconds{provider="claude",account="default",window="five_hour"} 1795348800
llmeter_window_resets_at_seconds{provider="codex",account="work",window="five_hour"} 1795343400
# HELP llmeter_window_projected_percent Used share the window is on pace to reach by its reset, 0-100.
# TYPE llmeter_window_projected_percent gauge
llmeter_window_projected_percent{provider="claude",account="default",window="five_hour"} 70.83
llmeter_window_projected_percent{provider="codex",account="work",window="five_hour"} 18.89
# HELP llmeter_window_cycles_total Finished window cycles, by whether they hit the limit (hit) or not (under).
# TYPE llmeter_window_cycles_total counter
llmeter_window_cycles_total{provider="claude",account="default",window="five_hour",outcome="hit"} 15
llmeter_window_cycles_total{provider="claude",account="default",window="five_hour",outcome="under"} 70
# HELP llmeter_cost_used Money spent in the period named by the cost label.
# TYPE llmeter_cost_used gauge
llmeter_cost_used{provider="openrouter",account="default",cost="month",unit="USD"} 12.34
# HELP llmeter_cost_limit The budget or cap for that spend, when known.
# TYPE llmeter_cost_limit gauge
llmeter_cost_limit{provider="openrouter",account="default",cost="month",unit="USD"} 50
# HELP llmeter_credits_balance Prepaid balance left.
# TYPE llmeter_credits_balance gauge
llmeter_credits_balance{provider="openrouter",account="default",unit="USD"} 37.66
# HELP llmeter_last_error 1 for the kind of error the last fetch failed with.
# TYPE llmeter_last_error gauge
llmeter_last_error{provider="codex",account="work",kind="network"} 1
# HELP llmeter_provider_info Constant 1; labels carry the provider's name, kind and plan.
# TYPE llmeter_provider_info gauge
llmeter_provider_info{provider="claude",account="default",name="Claude",kind="subscription",plan="max"} 1
llmeter_provider_info{provider="codex",account="work",name="Codex",kind="subscription",plan=""} 1
llmeter_provider_info{provider="openrouter",account="default",name="OpenRouter",kind="api",plan=""} 1
llmeter_provider_info{provider="gemini",account="default",name="Gemini",kind="subscription",plan=""} 1"""


def render(results: list[ProviderResult], show_account: bool = False) -> str:
    ctx = RenderContext(now=NOW, config=Config(), show_account=show_account)
    return PrometheusRenderer().render(results, ctx).text + "\n"  # show.py adds the final newline


def test_exact_text_for_a_fixture_set():
    assert render(fixture_results()) == EXPECTED + "\n"


def test_fixture_text_parses_and_every_family_has_help_and_type():
    families = parse(render(fixture_results()))
    assert all(f.help for f in families.values())
    assert {name for name, f in families.items() if f.type != "gauge"} == {"llmeter_window_cycles_total"}
    assert families["llmeter_window_cycles_total"].type == "counter"
    (claude_5h, *_) = families["llmeter_window_used_percent"].samples
    assert claude_5h == ({"provider": "claude", "account": "default", "window": "five_hour"}, 42.5)
    assert "me@example.com" not in render(fixture_results())


def test_identity_only_with_show_account():
    families = parse(render(fixture_results(), show_account=True))
    info = {s[0]["provider"]: s[0] for s in families["llmeter_provider_info"].samples}
    assert info["claude"]["identity"] == "me@example.com"
    assert "identity" not in info["codex"]  # no identity known: no label


def test_label_escaping_exact_and_round_trip():
    hostile = 'we"ird\\acc\nname'
    result = ProviderResult(id="fake", name="Fake", instance=hostile, fetched_at=NOW,
                            windows=[Window('w"}{x="1', "w", 5.0)])
    text = render([result])
    assert 'llmeter_up{provider="fake",account="we\\"ird\\\\acc\\nname"} 1\n' in text
    assert 'window="w\\"}{x=\\"1"} 5\n' in text
    (labels, value), = parse(text)["llmeter_window_used_percent"].samples
    assert labels == {"provider": "fake", "account": hostile, "window": 'w"}{x="1'} and value == 5


@settings(max_examples=150, deadline=None)
@given(instance=st.text(min_size=1), window=st.text(), currency=st.text(), plan=st.text())
def test_hostile_label_values_round_trip(instance, window, currency, plan):
    result = ProviderResult(id="fake", name="Fake", instance=instance, plan=plan, fetched_at=NOW,
                            windows=[Window(window, "w", 50.0)], cost=Cost(used=1.5, currency=currency))
    families = parse(render([result]))
    assert families["llmeter_window_used_percent"].samples[0][0]["window"] == window
    assert families["llmeter_cost_used"].samples[0][0] == {
        "provider": "fake", "account": instance, "cost": "total", "unit": currency}
    assert families["llmeter_provider_info"].samples[0][0]["plan"] == plan


def test_repeated_series_are_dropped_not_duplicated():
    result = ProviderResult(id="fake", name="Fake", fetched_at=NOW,
                            windows=[Window("w", "w", 10.0), Window("w", "w", 20.0)])
    samples = parse(render([result]))["llmeter_window_used_percent"].samples
    assert samples == [({"provider": "fake", "account": "default", "window": "w"}, 10.0)]


def test_the_parser_rejects_what_the_collector_rejects():
    good = '# HELP m x\n# TYPE m gauge\nm{a="b"} 1\n'
    assert parse(good)["m"].samples == [({"a": "b"}, 1.0)]
    for bad in ('m{a="b"} 1\n',                                # no HELP/TYPE
                good.rstrip("\n"),                            # no final newline
                '# HELP m x\n# TYPE m gauge\nm{a="b\\t"} 1\n',  # unknown escape
                '# HELP m x\n# TYPE m gauge\nm{a="b"} 1 1700000000\n',  # timestamp
                good + 'm{a="b"} 2\n',                        # repeated series
                good + '# HELP n y\n# TYPE n gauge\nn 1\nm{a="c"} 1\n'):  # split family
        with pytest.raises(ParseError):
            parse(bad)
    assert math.isnan(parse('# HELP m x\n# TYPE m gauge\nm NaN\n')["m"].samples[0][1])


def test_cli_output_parses_ends_with_one_newline_and_is_never_replayed(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 33})
    write_config(cli.fake_config(fake_server.url))
    assert cli.run("refresh").stdout == "fake: ok\n"
    first = cli.run("--format", "prometheus")
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout.endswith("} 1\n") and not first.stdout.endswith("\n\n")
    families = parse(first.stdout)
    assert families["llmeter_up"].samples == [({"provider": "fake", "account": "default"}, 1.0)]
    assert families["llmeter_window_used_percent"].samples[0][1] == 33.0
    age = families["llmeter_data_age_seconds"].samples[0][1]
    time.sleep(2.1)
    later = parse(cli.run("--format", "prometheus").stdout)["llmeter_data_age_seconds"].samples[0][1]
    assert later >= age + 2  # computed afresh, not served from the output cache


def test_broken_config_still_gives_a_valid_exposition(write_config):
    write_config("[general\n")
    run = cli.run("--format", "prometheus")
    assert run.returncode == 0 and run.stderr == ""
    assert parse(run.stdout)["llmeter_up"].samples == [({"provider": "llmeter", "account": "default"}, 0.0)]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_textfile_script_writes_atomically_and_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "textfile" / "llmeter.prom"
    env = dict(os.environ, LLMETER_BAR=str(cli.SCRIPT), LLMETER_BAR_PROM_FILE=str(target))
    run = subprocess.run(["sh", str(SCRIPT), "--demo"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    families = parse(target.read_text())
    from llmeter_bar.demo import demo_results

    assert len(families["llmeter_up"].samples) == len(demo_results())
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["llmeter.prom"]  # no temp file left
    before = target.read_text()
    env["LLMETER_BAR"] = "/bin/false"
    failed = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0
    assert target.read_text() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["llmeter.prom"]


RULES = SCRIPT.parent / "llmeter-bar.rules.yml"


def _rules() -> list[dict[str, str]]:
    """The alerting rules file read as the strict YAML subset it is written in:
    two-space indents, no tabs, ``key: value`` pairs, one rule per ``- alert:``."""
    text = RULES.read_text(encoding="utf-8")
    assert "\t" not in text
    rules: list[dict[str, str]] = []
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert lines[:3] == ["groups:", "  - name: llmeter-bar", "    rules:"]
    for line in lines[3:]:
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, line
        body = line.strip()
        if body.startswith("- alert: "):
            assert indent == 6, line
            rules.append({"alert": body[len("- alert: "):]})
            continue
        key, sep, value = body.partition(": ")
        assert (sep or body.endswith(":")) and rules, line
        assert indent in (8, 10), line
        if value.startswith('"'):
            assert value.endswith('"') and '"' not in value[1:-1], line
        rules[-1][(key if sep else body[:-1]) if indent == 8 else f"{rules[-1]['_in']}.{key}"] = value.strip('"')
        if not sep:
            rules[-1]["_in"] = body[:-1]
    return rules


def test_alerting_rules_parse_and_use_only_emitted_metrics():
    from llmeter_bar.render.prometheus import FAMILIES

    rules = _rules()
    assert [r["alert"] for r in rules] == ["LlmeterSilent", "LlmeterNeverFetched", "LlmeterLoginExpired",
                                           "LlmeterWindowAlmostFull"]
    for rule in rules:
        assert rule["expr"] and rule["annotations.summary"] and rule["labels.severity"] in ("warning", "info")
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"]), rule
        names = set(re.findall(r"\bllmeter_[a-z_]+", rule["expr"]))
        assert names and names <= set(FAMILIES), rule["expr"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
    silent = rules[0]["expr"]
    assert silent == ("time() - llmeter_last_success_timestamp_seconds > 3 * llmeter_refresh_interval_seconds")


def test_the_silent_rule_fires_for_the_provider_whose_last_success_is_three_intervals_old():
    """The rule's expression evaluated on real output: both operands carry the same
    {provider, account} labels (one-to-one matching), and only the old one fires."""
    fresh = ProviderResult(id="claude", name="Claude", fetched_at=NOW - timedelta(minutes=4), interval=300.0,
                           windows=[Window("five_hour", "5h", 10.0, NOW + timedelta(hours=1), 18000)])
    silent = ProviderResult(id="codex", name="Codex", instance="work", status="stale", interval=600.0,
                            fetched_at=NOW - timedelta(minutes=31), error=ErrorInfo("auth", "auth", "expired"))
    families = parse(render([fresh, silent]))
    last = {tuple(sorted(labels.items())): v for labels, v in families["llmeter_last_success_timestamp_seconds"].samples}
    every = {tuple(sorted(labels.items())): v for labels, v in families["llmeter_refresh_interval_seconds"].samples}
    assert last.keys() == every.keys()

    def firing(at: datetime) -> list[dict[str, str]]:
        now = at.timestamp()
        return [dict(k) for k, v in last.items() if now - v > 3 * every[k]]

    assert firing(NOW) == [{"account": "work", "provider": "codex"}]
    # The textfile froze at NOW (timer dead): the same file fires for claude 11 minutes later.
    assert firing(NOW + timedelta(minutes=11, seconds=1)) == [
        {"account": "default", "provider": "claude"}, {"account": "work", "provider": "codex"}]
