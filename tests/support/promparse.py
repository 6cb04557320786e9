"""A strict parser of Prometheus' text exposition format (version 0.0.4), for tests.

Stricter than Prometheus where node_exporter's textfile collector is: no sample
timestamps, no repeated series, and every family must have HELP and TYPE
before its samples and appear in one contiguous block.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


class ParseError(ValueError):
    pass


@dataclass
class Family:
    name: str
    help: str | None = None
    type: str | None = None
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


def _unescape_help(text: str, where: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            nxt = text[i + 1:i + 2]
            if nxt not in ("\\", "n"):
                raise ParseError(f"{where}: bad escape in HELP")
            out.append(ESCAPES[nxt])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _labels(line: str, i: int, where: str) -> tuple[dict[str, str], int]:
    """Parse ``{a="x",b="y"}`` starting at the ``{``; returns labels and the index after ``}``."""
    labels: dict[str, str] = {}
    i += 1
    while True:
        if line[i:i + 1] == "}":
            return labels, i + 1
        match = LABEL_NAME.match(line, i)
        if not match:
            raise ParseError(f"{where}: bad label name at column {i}")
        name, i = match.group(), match.end()
        if name in labels:
            raise ParseError(f"{where}: label {name} repeated")
        if line[i:i + 2] != '="':
            raise ParseError(f"{where}: expected =\" after {name}")
        i += 2
        value: list[str] = []
        while True:
            if i >= len(line):
                raise ParseError(f"{where}: unterminated label value")
            c = line[i]
            if c == "\\":
                nxt = line[i + 1:i + 2]
                if nxt not in ESCAPES:
                    raise ParseError(f"{where}: bad escape \\{nxt} in a label value")
                value.append(ESCAPES[nxt])
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                value.append(c)
                i += 1
        labels[name] = "".join(value)
        if line[i:i + 1] == ",":
            i += 1
        elif line[i:i + 1] != "}":
            raise ParseError(f"{where}: expected , or }} after a label value")


def _value(text: str, where: str) -> float:
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ParseError(f"{where}: bad value {text!r}") from None


def parse(text: str) -> dict[str, Family]:
    if not text.endswith("\n"):
        raise ParseError("the exposition must end with a newline")
    families: dict[str, Family] = {}
    current: str | None = None
    series: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def open_family(name: str, where: str) -> Family:
        nonlocal current
        if name != current:
            if name in families:
                raise ParseError(f"{where}: {name} appears in two separate blocks")
            families[name] = Family(name)
            current = name
        return families[name]

    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {number}"
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[0] == "#" and parts[1] in ("HELP", "TYPE"):
                if not METRIC_NAME.fullmatch(parts[2]):
                    raise ParseError(f"{where}: bad metric name {parts[2]!r}")
                family = open_family(parts[2], where)
                rest = parts[3] if len(parts) > 3 else ""
                if parts[1] == "HELP":
                    if family.help is not None:
                        raise ParseError(f"{where}: second HELP for {family.name}")
                    family.help = _unescape_help(rest, where)
                else:
                    if family.type is not None or family.samples or rest not in TYPES:
                        raise ParseError(f"{where}: bad or late TYPE for {family.name}")
                    family.type = rest
            continue
        match = METRIC_NAME.match(line)
        if not match:
            raise ParseError(f"{where}: no metric name")
        family = open_family(match.group(), where)
        labels, i = _labels(line, match.end(), where) if line[match.end():match.end() + 1] == "{" else ({}, match.end())
        fields = line[i:].split(" ")
        if len(fields) != 2 or fields[0] != "":
            raise ParseError(f"{where}: expected exactly one space and a value (no timestamp)")
        key = (family.name, tuple(sorted(labels.items())))
        if key in series:
            raise ParseError(f"{where}: series repeated")
        series.add(key)
        family.samples.append((labels, _value(fields[1], where)))
    for family in families.values():
        if family.samples and (family.help is None or family.type is None):
            raise ParseError(f"{family.name} has samples but no HELP or TYPE")
    return families
