"""Ordered thresholds: a number (a used percent) in, a level and a hidden flag out.

Config (``[thresholds]``, overridable per provider in
``[thresholds.provider.<id>]``)::

    warn = 70          # level "warn" from 70 %
    crit = 90          # level "crit" from 90 %
    hidden = 20        # omit the provider from bars while below 20 %
    surplus = 50       # level "surplus" for an ok window on pace to end at or below 50 %

or the explicit ordered form, where each step applies from ``at`` upwards::

    steps = [{ at = 0, level = "ok", hidden = true },
             { at = 50, level = "ok" },
             { at = 80, level = "crit" }]

Renderers never compare numbers themselves: they map the level to host syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmeter_bar.errors import ConfigError, did_you_mean

LEVELS = ("ok", "warn", "crit")
_SHORTHAND = ("warn", "crit", "hidden")
_NUMBER = (int, float)


@dataclass(frozen=True, slots=True)
class Step:
    at: float
    level: str
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    steps: tuple[Step, ...]
    hide_below: float | None = None  # the ``hidden = N`` shorthand
    surplus: float | None = None  # projected used % at or below which an ok window is "surplus"

    def is_surplus(self, projected: float | None) -> bool:
        return self.surplus is not None and projected is not None and projected <= self.surplus

    def classify(self, value: float | None) -> tuple[str, bool]:
        """(level, hidden) for a value; no value (e.g. spend without a budget) is ok."""
        if value is None:
            return "ok", False
        level, hidden = "ok", False
        for step in self.steps:  # sorted by ``at``: the last step reached wins
            if value >= step.at:
                level, hidden = step.level, step.hidden
        if self.hide_below is not None and value < self.hide_below:
            hidden = True
        return level, hidden


DEFAULT = Thresholds((Step(0.0, "ok"), Step(70.0, "warn"), Step(90.0, "crit")))


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, _NUMBER):
        raise ConfigError(f"{where} must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def _steps(where: str, items: Any) -> tuple[Step, ...]:
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where} must be a non-empty list of tables like {{ at = 70, level = \"warn\" }}")
    steps: list[Step] = []
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{here} must be a table, got {type(item).__name__}")
        unknown = set(item) - {"at", "level", "hidden"}
        if unknown:
            raise ConfigError(f"{here}: unknown key '{sorted(unknown)[0]}' (expected at, level, hidden)")
        level = item.get("level", "ok")
        if level not in LEVELS:
            raise ConfigError(f"{here}.level must be one of {', '.join(LEVELS)}, got {level!r}")
        hidden = item.get("hidden", False)
        if not isinstance(hidden, bool):
            raise ConfigError(f"{here}.hidden must be a boolean, got {hidden!r}")
        steps.append(Step(_number(f"{here}.at", item.get("at", 0)), level, hidden))
    return tuple(sorted(steps, key=lambda s: s.at))


def parse(section: dict[str, Any], where: str = "thresholds", base: Thresholds = DEFAULT) -> Thresholds:
    """Build thresholds from one config table; keys it does not set keep ``base``."""
    from dataclasses import replace

    surplus = base.surplus
    if "surplus" in section:
        surplus = _number(f"{where}.surplus", section["surplus"])
        if not 0 <= surplus <= 100:
            raise ConfigError(f"{where}.surplus must be between 0 and 100, got {surplus:g}")
    found = _levels(section, where, base)
    return found if found.surplus == surplus else replace(found, surplus=surplus)


def _levels(section: dict[str, Any], where: str, base: Thresholds) -> Thresholds:
    if "steps" in section:
        clash = [k for k in _SHORTHAND if k in section]
        if clash:
            raise ConfigError(f"{where}: use either steps or {clash[0]}, not both")
        return Thresholds(_steps(f"{where}.steps", section["steps"]), surplus=base.surplus)
    if not any(k in section for k in _SHORTHAND):
        return base
    warn = crit = None
    for step in base.steps:
        if step.level == "warn" and warn is None:
            warn = step.at
        if step.level == "crit" and crit is None:
            crit = step.at
    warn = _number(f"{where}.warn", section["warn"]) if "warn" in section else warn
    crit = _number(f"{where}.crit", section["crit"]) if "crit" in section else crit
    if warn is not None and crit is not None and warn > crit:
        raise ConfigError(f"{where}.warn ({warn:g}) must not be above crit ({crit:g})")
    steps = [Step(0.0, "ok")]
    hide_below = base.hide_below
    if "hidden" in section:
        hide_below = _number(f"{where}.hidden", section["hidden"])
    if warn is not None:
        steps.append(Step(warn, "warn"))
    if crit is not None:
        steps.append(Step(crit, "crit"))
    return Thresholds(tuple(sorted(steps, key=lambda s: s.at)), hide_below, base.surplus)


def for_provider(data: dict[str, Any], key: str) -> Thresholds:
    """Thresholds for ``claude`` or ``claude:work``: global, then id, then instance."""
    if not isinstance(data, dict):
        raise ConfigError("[thresholds] must be a table")
    top = {k: v for k, v in data.items() if k != "provider"}
    unknown = set(top) - {"steps", "surplus", *_SHORTHAND}
    if unknown:
        word = sorted(unknown)[0]
        hint = did_you_mean(word, ("steps", "surplus", *_SHORTHAND)) or " (expected warn, crit, hidden, surplus, steps)"
        raise ConfigError(f"thresholds: unknown key '{word}'{hint}")
    result = parse(top)
    providers = data.get("provider", {})
    if not isinstance(providers, dict):
        raise ConfigError("thresholds.provider must hold tables such as [thresholds.provider.claude]")
    provider_id = key.partition(":")[0]
    for name in dict.fromkeys((provider_id, key)):
        section = providers.get(name)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise ConfigError(f"thresholds.provider.{name} must be a table")
        result = parse(section, f"thresholds.provider.{name}", base=result)
    return result
