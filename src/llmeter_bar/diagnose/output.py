"""The doctor report for humans (aligned sections, marks, hints) and as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from llmeter_bar.diagnose.checks import Report

TITLES = {"config": "Config", "cache": "Cache", "logs": "Log", "credentials": "Credential store",
          "providers": "Providers", "share": "Sharing (MQTT)", "hosts": "Hosts"}
NAME_WIDTH = 12  # fixed, so reports line up the same everywhere; longer names just push


@dataclass(frozen=True, slots=True)
class Style:
    unicode: bool = True
    color: bool = False

    def mark(self, status: str) -> str:
        marks = {"ok": "✓", "warn": "!", "error": "✗"} if self.unicode else {"ok": "+", "warn": "!", "error": "x"}
        return self.paint(marks[status], {"ok": "32", "warn": "33", "error": "31"}[status])

    @property
    def arrow(self) -> str:
        return "→" if self.unicode else "->"

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


def human(report: Report, style: Style) -> str:
    width = NAME_WIDTH
    lines = ["llmeter-bar doctor"]
    area = None
    for check in report.checks:
        if check.area != area:
            area = check.area
            lines += ["", style.paint(TITLES.get(area, area.title()), "1")]
        lines.append(f"  {style.mark(check.status)} {check.name:<{width}}  {check.message}")
        if check.hint:
            lines.append(" " * (width + 6) + style.paint(f"{style.arrow} {check.hint}", "2"))
    errors = sum(c.status == "error" for c in report.checks)
    warnings = sum(c.status == "warn" for c in report.checks)
    if errors:
        summary = f"{errors} problem{'s' * (errors != 1)}"
        summary += f" and {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
        summary += ": llmeter-bar cannot work as set up (exit status 1)"
    elif warnings:
        summary = f"No problems; {warnings} warning{'s' * (warnings != 1)}"
    else:
        summary = "No problems found"
    return "\n".join([*lines, "", summary + "."])


def as_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
