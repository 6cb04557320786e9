"""Sparklines: exact characters for given series, time-true resampling."""

from __future__ import annotations

from llmeter_bar.format.sparkline import (
    ASCII,
    BLOCKS,
    chars_for,
    resample,
    spark,
    sparkline,
)


def test_fixed_scale_maps_0_to_100_onto_eight_blocks() -> None:
    assert spark([0, 14.3, 28.6, 42.9, 57.1, 71.4, 85.7, 100]) == "▁▂▃▄▅▆▇█"
    assert spark([0, 50, 100], chars=ASCII) == "_=#"


def test_low_values_stay_low_on_the_fixed_scale() -> None:
    # Not scaled to the series' own range: 10 % to 20 % is a small rise, not a full bar.
    assert spark([5, 20, 30]) == "▁▂▃"
    assert spark([120, -5, float("nan")]) == "█▁▁"


def test_custom_scale_for_money() -> None:
    assert spark([0.0, 25.0, 50.0], lo=0.0, hi=50.0) == "▁▅█"
    assert spark([3.0, 3.0], hi=0.0) == "▁▁"


def test_resample_holds_the_last_known_value_per_step() -> None:
    points = [(0.0, 10.0), (50.0, 30.0), (95.0, 90.0)]
    assert resample(points, 0.0, 100.0, 4) == [10.0, 30.0, 30.0, 90.0]
    assert resample(points, 0.0, 100.0, 2) == [30.0, 90.0]


def test_sparkline_runs_from_the_first_point_to_now() -> None:
    points = [(1000.0, 0.0), (1400.0, 50.0), (1800.0, 100.0)]
    assert sparkline(points, 1800.0, width=4) == "▁▅▅█"
    # "now" further on: the last value holds to the end.
    assert sparkline(points, 2600.0, width=4) == "▅███"
    assert sparkline(points, 1800.0, width=4, chars=ASCII) == "_==#"


def test_no_trend_from_fewer_than_two_points() -> None:
    assert sparkline([], 10.0) == ""
    assert sparkline([(5.0, 40.0)], 10.0) == ""
    assert sparkline([(5.0, 40.0), (5.0, 41.0)], 5.0) == ""


def test_ascii_for_ascii_and_none_icon_sets() -> None:
    assert chars_for("ascii") == ASCII and chars_for("none") == ASCII
    assert chars_for("unicode") == BLOCKS and chars_for("nerd") == BLOCKS
