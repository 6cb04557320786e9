from __future__ import annotations

import pytest

from llmeter_bar.errors import ConfigError
from llmeter_bar.format.thresholds import DEFAULT, for_provider, parse


@pytest.mark.parametrize(
    ("value", "level"),
    [(None, "ok"), (0.0, "ok"), (69.9, "ok"), (70.0, "warn"), (89.99, "warn"), (90.0, "crit"), (100.0, "crit")],
)
def test_default(value: float | None, level: str) -> None:
    assert DEFAULT.classify(value) == (level, False)


def test_shorthand_and_hidden() -> None:
    t = parse({"warn": 50, "crit": 80, "hidden": 10})
    assert t.classify(5) == ("ok", True)
    assert t.classify(10) == ("ok", False)
    assert t.classify(55) == ("warn", False)
    assert t.classify(80) == ("crit", False)
    assert t.classify(None) == ("ok", False)  # spend without a budget is never hidden


def test_hidden_above_warn_keeps_levels() -> None:
    t = parse({"hidden": 75})
    assert t.classify(72) == ("warn", True)
    assert t.classify(95) == ("crit", False)


def test_steps_are_ordered() -> None:
    t = parse({"steps": [{"at": 80, "level": "crit"}, {"at": 0, "level": "ok", "hidden": True}, {"at": 50}]})
    assert t.classify(10) == ("ok", True)
    assert t.classify(60) == ("ok", False)
    assert t.classify(85) == ("crit", False)


def test_per_provider_overrides() -> None:
    data = {"warn": 60, "provider": {"claude": {"crit": 95}, "claude:work": {"warn": 30}}}
    assert for_provider(data, "codex").classify(65) == ("warn", False)
    assert for_provider(data, "claude").classify(92) == ("warn", False)
    assert for_provider(data, "claude:work").classify(35) == ("warn", False)
    assert for_provider(data, "claude:work").classify(96) == ("crit", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"warn": "70"}, "thresholds.warn must be a number"),
        ({"warn": True}, "thresholds.warn must be a number"),
        ({"warn": 95, "crit": 90}, "must not be above crit"),
        ({"steps": []}, "non-empty list"),
        ({"steps": [{"at": 1, "level": "bad"}]}, "level must be one of"),
        ({"steps": [{"at": 1, "colour": "x"}]}, "unknown key 'colour'"),
        ({"steps": [{"at": 1}], "warn": 3}, "either steps or warn"),
        ({"wran": 3}, "unknown key 'wran'"),
        ({"provider": {"claude": 3}}, "thresholds.provider.claude must be a table"),
    ],
)
def test_errors(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        for_provider(data, "claude")
