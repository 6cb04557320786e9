from __future__ import annotations

from render.helpers import api, claude, codex, run


def test_fits_status_right_length_with_two_providers() -> None:
    text = run("tmux", [claude(), codex()], config={"format": {"tmux": {"color": False}}}).text
    assert text == "✻ 42% 2h13m · ◎ 17% 3d4h"
    assert len(text) <= 40


def test_hash_in_data_is_doubled_and_styles_kept() -> None:
    text = run("tmux", [claude(name="C#1", plan="#{pane}")], config={"format": {"tmux": {"format": "{name} {plan}"}}}).text
    assert text == "#[fg=#98c379,bg=#282c34] C##1 ##{pane} #[default]"


def test_each_provider_sits_on_a_dark_chip_unless_switched_off() -> None:
    """tmux's stock status bar is green: the ok green and the grey of stale need a background."""
    assert run("tmux", [claude(status="stale")]).text == "#[fg=#7f848e,bg=#282c34] ✻ ~42% 2h13m #[default]"
    off = {"format": {"tmux": {"background": ""}}}
    assert run("tmux", [claude(status="stale")], config=off).text == "#[fg=#7f848e,dim]✻ ~42% 2h13m#[default]"
    odd = {"format": {"tmux": {"background": "red]#[blink"}}}  # never a way out of the style
    assert run("tmux", [claude()], config=odd).text == "#[fg=#98c379]✻ 42% 2h13m#[default]"


def test_per_provider_format_and_separator() -> None:
    config = {"format": {"separator": " | ", "tmux": {"background": "", "provider": {"codex": {"format": "X{used}"}}}},
              "icons": {"set": "ascii"}}
    assert run("tmux", [claude(), codex()], config=config).text == (
        "#[fg=#98c379]C 42% 2h13m#[default] | #[fg=#98c379]X17%#[default]")


def test_window_all_and_fixed() -> None:
    config = {"format": {"tmux": {"window": "all", "format": "[{tag} ]{window} {used}", "color": False}}}
    assert run("tmux", [claude()], config=config).text == "✻ 5h 42% 7d 17%"
    config = {"format": {"window": "seven_day", "tmux": {"color": False}}}
    assert run("tmux", [claude()], config=config).text == "✻ 17% 3d4h"


def test_hidden_below_threshold_and_custom_colors() -> None:
    config = {"thresholds": {"hidden": 30}, "colors": {"ok": "", "crit": "#FF0000"}}
    assert run("tmux", [claude(five=10.0, seven=5.0), claude(instance="b", five=95.0)], config=config).text == (
        "#[fg=#ff0000,bg=#282c34] ✻:b 95% 2h13m #[default]")
    assert run("tmux", [claude(five=10.0, seven=5.0)], config=config).text == ""  # all hidden: segment vanishes


def test_gauge_pace_eta_and_clock() -> None:
    fmt = "{gauge} {pace} [{eta}] {reset_at}"
    config = {"format": {"tmux": {"format": fmt, "color": False, "gauge_width": 10, "clock": "12h"}}}
    assert run("tmux", [claude(five=90.0)], config=config).text == "▰▰▰▰▰▰▰▰▰▱ +34% runs out 12:18pm 2:13pm"  # 10 % left at 90 % per 10020 s: 1113 s


def test_cost_placeholders() -> None:
    config = {"format": {"tmux": {"format": "{cost}[/{limit}][ {budget_used}][ {reset}]", "color": False}}}
    assert run("tmux", [api(limit=50.0)], config=config).text == "$12.34/$50.00 25%"
    assert run("tmux", [api()], config=config).text == "$12.34"


def test_bad_format_prints_marker() -> None:
    rendered = run("tmux", [claude()], config={"format": {"tmux": {"format": "{nope}"}}})
    assert rendered.text == "llm !cfg" and rendered.exit_code == 0
