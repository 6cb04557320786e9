from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from llmeter_bar.format.time import age, clock, countdown, until

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)  # Wednesday


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0m"), (0, "0m"), (1, "1m"), (59, "1m"), (60, "1m"), (61, "2m"), (45 * 60, "45m"),
        (3599, "1h"), (3600, "1h"), (2 * 3600 + 13 * 60, "2h13m"), (2 * 3600 + 12 * 60 + 1, "2h13m"),
        (24 * 3600 - 1, "1d"), (24 * 3600, "1d"), (3 * 86400 + 4 * 3600 + 59 * 60, "3d4h"),
        (float("nan"), "0m"),
    ],
)
def test_countdown(seconds: float, text: str) -> None:
    assert countdown(seconds) == text


def test_until_never_negative() -> None:
    assert until(NOW - timedelta(seconds=1), NOW) == ""
    assert until(NOW, NOW) == ""
    assert until(None, NOW) == ""
    assert until(NOW + timedelta(minutes=45), NOW) == "45m"


@pytest.mark.parametrize(("seconds", "text"), [(None, ""), (-3, "0s"), (40, "40s"), (300, "5m"), (7200, "2h"), (200000, "2d")])
def test_age(seconds: float | None, text: str) -> None:
    assert age(seconds) == text


def test_clock_24h_and_12h() -> None:
    when = NOW + timedelta(hours=2, minutes=5)
    assert clock(when, NOW, tz=timezone.utc) == "14:05"
    assert clock(when, NOW, tz=timezone.utc, hour12=True) == "2:05pm"
    # Tomorrow shortly after midnight: a bare "12:07am" would read as earlier today.
    assert clock(NOW.replace(hour=0, minute=7) + timedelta(days=1), NOW, tz=timezone.utc, hour12=True) == "Thu 12:07am"


def test_a_time_tomorrow_never_reads_as_past() -> None:
    evening = NOW.replace(hour=19, minute=1)
    assert clock(evening + timedelta(hours=23, minutes=54), evening, tz=timezone.utc) == "Thu 18:55"
    assert clock(evening + timedelta(minutes=30), evening, tz=timezone.utc) == "19:31"


def test_clock_weekday_beyond_a_day() -> None:
    assert clock(NOW + timedelta(days=3, hours=4), NOW, tz=timezone.utc) == "Sat 16:00"
    assert clock(NOW + timedelta(hours=23), NOW, tz=timezone.utc) == "Thu 11:00"  # tomorrow, not a past 11:00
    assert clock(NOW + timedelta(hours=1), NOW, tz=timezone.utc, weekday=True) == "Wed 13:00"


def test_clock_converts_zone_only_for_display() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert clock(NOW + timedelta(hours=1), NOW, tz=plus2) == "15:00"
    assert clock(None, NOW) == ""
