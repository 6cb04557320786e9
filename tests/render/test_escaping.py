"""Property tests: provider-supplied strings can never break a host's contract."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmeter_bar.models import Cost, ErrorInfo, ProviderResult, Window
from render.helpers import FETCHED, NOW, H, run

NASTY = ["#", "##", "#[", "#{", "#(", "[", "]", "{", "}", "%", "%{", "%%{", "%{F-}", "<", ">", "&", "&amp;",
         "<b>", "\n", "\r", "\x1b", "\x1b[31m", "\x00", "\t", '"', "'", "\\", "\u2028", "\u202e", "\ufffe",
         "\U0001f600", "…", "·", "$", "`", "\x85", "\x9b"]
TEXT = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=6).map("".join)
STATUS = st.sampled_from(["ok", "stale", "error", "loading", "unconfigured"])


@st.composite
def results(draw: Any) -> list[ProviderResult]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        status = draw(STATUS)
        out.append(ProviderResult(
            id=draw(st.sampled_from(["claude", "codex", "x"])) , name=draw(TEXT), status=status,
            kind=draw(st.sampled_from(["subscription", "api"])), fetched_at=FETCHED,
            plan=draw(TEXT), instance=draw(st.one_of(st.none(), TEXT)), source=draw(TEXT), account=draw(TEXT),
            windows=[Window(draw(TEXT), draw(TEXT), draw(st.floats(0, 100)), NOW + H, 18000)],
            cost=Cost(used=draw(st.floats(0, 1e6)), limit=draw(st.one_of(st.none(), st.floats(1, 100))),
                      currency=draw(st.sampled_from(["USD", "EUR", "#{x}", "<b>"])), period=draw(TEXT)),
            error=ErrorInfo(kind="auth", label=draw(TEXT), message=draw(TEXT)) if draw(st.booleans()) else None,
        ))
    return out


def _safe(rs: list[ProviderResult]) -> list[ProviderResult]:
    """The same results with every provider string replaced by harmless text of the same emptiness."""
    def s(v: str | None) -> str | None:
        return v if not v else "x"
    return [r.with_(name=s(r.name), plan=s(r.plan), instance=s(r.instance), source=s(r.source),
                    account=s(r.account), windows=[Window(s(w.id) or "", s(w.label) or "", w.used_percent, w.resets_at,
                                                          w.window_seconds) for w in r.windows],
                    cost=r.cost and Cost(r.cost.used, r.cost.limit, "USD", s(r.cost.period)),
                    error=r.error and ErrorInfo(r.error.kind, s(r.error.label) or "", s(r.error.message) or ""))
            for r in rs]


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TMUX_TAG = re.compile(r"#\[(fg=#[0-9a-f]{6}(,dim|,bg=#[0-9a-f]{6})?|default)\]")


def _tmux_tags(text: str) -> list[str]:
    """Tags tmux would interpret; fails on any ``#`` that is not ``##`` or one of ours."""
    tags, i = [], 0
    while i < len(text):
        if text[i] == "#":
            if text.startswith("##", i):
                i += 2
                continue
            m = TMUX_TAG.match(text, i)
            assert m, f"unescaped # at {i}: {text!r}"
            tags.append(m.group(0))
            i = m.end()
            continue
        i += 1
    return tags


def _no_controls(text: str, allow_esc: bool = False) -> None:
    for ch in text:
        if ch == "\x1b" and allow_esc:
            continue
        assert not (ord(ch) < 32 or 0x7f <= ord(ch) <= 0x9f or ch in "\u2028\u2029"), repr(text)


@PROPS
@given(results())
def test_tmux(rs: list[ProviderResult]) -> None:
    text = run("tmux", rs, show_account=True).text
    assert "\n" not in text and "\x1b" not in text
    assert _tmux_tags(text) == _tmux_tags(run("tmux", _safe(rs), show_account=True).text)


@PROPS
@given(results())
def test_polybar(rs: list[ProviderResult]) -> None:
    text = run("polybar", rs).text
    _no_controls(text)
    tags = re.findall(r"%\{[^}]*\}", text)
    assert all(re.fullmatch(r"%\{(F#[0-9a-f]{6}|F-)\}", t) for t in tags), text
    assert text.count("%{") == run("polybar", _safe(rs)).text.count("%{")


def _pango(markup: str) -> None:
    ET.fromstring(f"<markup>{markup}</markup>")  # raises on anything a strict parser rejects


@PROPS
@given(results(), st.booleans())
def test_waybar(rs: list[ProviderResult], account: bool) -> None:
    text = run("waybar", rs, show_account=account).text
    assert "\n" not in text and "\r" not in text  # \r only as the JSON escape
    payload = json.loads(text)
    assert set(payload) == {"text", "tooltip", "class", "percentage", "alt"}
    assert isinstance(payload["percentage"], int) and 0 <= payload["percentage"] <= 100
    _pango(payload["text"])
    _pango(payload["tooltip"])
    assert "\x1b" not in text


@PROPS
@given(results())
def test_i3blocks_lines(rs: list[ProviderResult]) -> None:
    rendered = run("i3blocks", rs, config={"format": {"i3blocks": {"urgent": True}}})
    lines = rendered.text.split("\n")
    assert 2 <= len(lines) <= 3 and rendered.exit_code in (0, 33)
    for line in lines:
        _no_controls(line)


@PROPS
@given(results())
def test_i3blocks_json_round_trips(rs: list[ProviderResult]) -> None:
    for fmt in ("i3blocks-json", "i3bar"):
        text = run(fmt, rs).text
        # i3blocks cannot decode \u escapes (surrogate pairs): none may appear, though a
        # literal backslash-u in provider text legitimately encodes as \\u.
        assert "\n" not in text and not re.search(r"(?<!\\)(?:\\\\)*\\u", text)
        payload = json.loads(text)
        assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload
        _no_controls(payload["full_text"])


@PROPS
@given(results())
def test_text_formats(rs: list[ProviderResult]) -> None:
    for fmt in ("starship", "plain"):
        text = run(fmt, rs).text
        _no_controls(text)
    _no_controls(run("plain", rs, tty=True, config={"format": {"plain": {"color": False}}}).text)
    for line in run("plain", rs, long=True, tty=True).text.split("\n"):
        _no_controls(line, allow_esc=True)
    coloured = run("claude-code", rs).text
    _no_controls(coloured, allow_esc=True)
    # Every ESC is one of ours: an SGR sequence.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).count("\x1b") == 0
