"""The projection in bar formats: {projected}/{unused} read the cycle's history,
and a ``surplus`` threshold gives a level the user can colour."""

from __future__ import annotations

import json
import time
import types
from datetime import UTC, datetime

import pytest
from support import cli

from llmeter_bar.fetch import record_hooks, refresh
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.store.cache import Store

H = 3600.0


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@pytest.fixture
def idle_last_hour(monkeypatch: pytest.MonkeyPatch) -> float:
    """A 5h window 3 h in: 10 %/h for two hours, then idle for the last one (20 % now)."""
    real = int(time.time())
    reset = real + 2 * H
    clock = types.SimpleNamespace(now=real)
    monkeypatch.setattr(record_hooks, "time", types.SimpleNamespace(time=lambda: clock.now))
    store = Store()
    try:
        for hours_ago, used in ((3, 0.0), (2, 10.0), (1, 20.0), (0, 20.0)):
            clock.now = real - hours_ago * H
            result = ProviderResult(id="claude", name="Claude", fetched_at=at(clock.now),
                                    windows=[Window("five_hour", "5h", used, at(reset), 18000)])
            refresh.record_outcome(store, ProviderSettings(id="claude"), result, clock.now, 300)
    finally:
        store.close()
    return reset


def test_projected_and_unused_in_a_bar_come_from_the_history(idle_last_hour, write_config) -> None:
    write_config('[general]\nproviders = ["claude"]\n[alerts]\nenabled = false\n'
                 '[format.tmux]\nformat = "{value} → {projected}[ ({unused} unused)]"\ncolor = false\n')
    # average 6.7 %/h, recent 0 %/h: 20 % + 3.3 %/h x 2 h = 27 % (the elapsed time alone says 33 %)
    assert cli.run("--format", "tmux").stdout == "20% → 27% (73% unused)\n"
    (claude,) = json.loads(cli.run("--format", "json").stdout)["providers"]
    window = claude["windows"][0]
    assert window["projected_percent"] == pytest.approx(26.67, abs=0.05)  # a few seconds pass before the render
    assert window["projected_at"] == at(idle_last_hour).isoformat().replace("+00:00", "Z")
    assert "on pace to end at 27% (73% unused)" in cli.run("--long", "--no-color").stdout


def test_surplus_level_takes_its_colour_only_when_set(idle_last_hour, write_config) -> None:
    base = '[general]\nproviders = ["claude"]\n[alerts]\nenabled = false\n[format.tmux]\nformat = "{value} {level}"\n'
    write_config(base)
    assert cli.run("--format", "tmux").stdout == "#[fg=#98c379,bg=#282c34] 20% ok #[default]\n"
    write_config(base + "[thresholds]\nsurplus = 30\n[colors]\nsurplus = \"#0000ff\"\n")
    assert cli.run("--format", "tmux").stdout == "#[fg=#0000ff,bg=#282c34] 20% surplus #[default]\n"
    write_config(base + "[thresholds]\nsurplus = 20\n")  # on pace to end at 27 %: above 20
    assert cli.run("--format", "tmux").stdout == "#[fg=#98c379,bg=#282c34] 20% ok #[default]\n"
    tooltip = json.loads(cli.run("--format", "waybar").stdout)
    assert tooltip["class"] == "ok"
    write_config(base + "[thresholds]\nsurplus = 30\n")
    assert json.loads(cli.run("--format", "waybar").stdout)["class"] == "surplus"
    write_config(base + "[thresholds]\nsurplus = 130\n")
    assert cli.run("--format", "tmux").stdout == "llm !cfg\n"
    from llmeter_bar.errors import ConfigError
    from llmeter_bar.format.thresholds import for_provider

    with pytest.raises(ConfigError, match="thresholds.surplus must be between 0 and 100, got 130"):
        for_provider({"surplus": 130}, "claude")
    limits = for_provider({"surplus": 40, "warn": 60, "provider": {"claude": {"surplus": 10}}}, "claude:work")
    assert limits.surplus == 10 and limits.classify(65) == ("warn", False)
    assert for_provider({"steps": [{"at": 0, "level": "ok"}], "surplus": 40}, "x").surplus == 40


def test_projection_waits_for_pace_after_like_pace() -> None:
    from render.helpers import claude, run

    assert "on pace to end at 75% (25% unused)" in run("plain", [claude()], long=True).text
    late = run("plain", [claude()], config={"format": {"pace_after": 80}}, long=True).text
    assert "on pace" not in late and "pace " not in late
    tmux = {"format": {"tmux": {"format": "{used}[ → {projected}][ {unused} unused]", "color": False}}}
    assert run("tmux", [claude()], config=tmux).text == "42% → 75% 25% unused"
    tmux["format"]["pace_after"] = 80
    assert run("tmux", [claude()], config=tmux).text == "42%"
