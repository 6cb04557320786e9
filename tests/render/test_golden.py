"""Exact output of every host for every case; regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from render.helpers import CASES, run

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
HOSTS = ("tmux", "waybar", "polybar", "i3blocks", "i3blocks-json", "i3bar", "starship", "plain", "claude-code")
VARIANTS = {"plain-long": ("plain", {"long": True}), "plain-color": ("plain", {"tty": True})}


def _check(folder: str, case: str, text: str) -> None:
    path = GOLDEN / folder / f"{case}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8"), f"golden {folder}/{case}"


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("host", HOSTS)
def test_golden(host: str, case: str) -> None:
    rendered = run(host, CASES[case])
    text = rendered.text if rendered.exit_code == 0 else f"{rendered.text}\n[exit {rendered.exit_code}]"
    _check(host, case, text)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_golden_variants(variant: str, case: str) -> None:
    host, kw = VARIANTS[variant]
    _check(variant, case, run(host, CASES[case], **kw).text)
