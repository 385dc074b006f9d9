import datetime as dt

import pytest

from coaching.timeparse import (
    InvalidInput,
    display_zone,
    format_time_of_day,
    is_fixed_offset,
    local_now,
    parse_time_of_day,
    parse_timezone,
    timezone_at,
)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Helsinki", "Europe/Helsinki"),
        ("  europe/helsinki ", "Europe/Helsinki"),
        ("america/new york", "America/New_York"),
        ("UTC", "UTC"),
        ("+2", "Etc/GMT-2"),
        ("UTC+02:00", "Etc/GMT-2"),
        ("gmt-5", "Etc/GMT+5"),
        ("+0", "UTC"),
        ("helsinki", "Europe/Helsinki"),
        ("New York", "America/New_York"),
        ("Tukholma", "Europe/Stockholm"),
        ("TUKHOLMA", "Europe/Stockholm"),
        ("jyvaskyla", "Europe/Helsinki"),
        ("Kööpenhamina", "Europe/Copenhagen"),
        ("  los   angeles ", "America/Los_Angeles"),
        ("tokio", "Asia/Tokyo"),
    ],
)
def test_time_zones_are_stored_as_iana_names(typed: str, zone: str) -> None:
    assert parse_timezone(typed) == zone


@pytest.mark.parametrize(
    ("zone", "shown", "fixed"),
    [
        ("Etc/GMT-2", "UTC+2", True),
        ("Etc/GMT+5", "UTC-5", True),
        ("UTC", "UTC", True),
        ("Europe/Helsinki", "Europe/Helsinki", False),
        (None, "UTC", False),
    ],
)
def test_zones_are_shown_as_people_read_them(zone: str | None, shown: str, fixed: bool) -> None:
    assert display_zone(zone) == shown
    assert is_fixed_offset(zone) is fixed
    assert "Etc/" not in display_zone(parse_timezone("+2"))


def test_the_time_it_is_there_now() -> None:
    noon = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    assert local_now("Europe/Helsinki", noon) == "15:00"  # summer time
    assert local_now("Etc/GMT-2", noon) == "14:00"  # a fixed offset does not move
    assert local_now(None, noon) == "12:00"


@pytest.mark.parametrize("typed", ["", "Mars/Olympus", "+05:30", "+15", "x" * 500, "Atlantis"])
def test_unknown_time_zones_are_refused_with_the_value(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_timezone(typed)
    assert caught.value.value == typed.strip()[:64]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7:30", dt.time(7, 30)),
        ("07:30", dt.time(7, 30)),
        ("18.05", dt.time(18, 5)),
        ("0:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("7.30am", dt.time(7, 30)),
        ("7:30 pm", dt.time(19, 30)),
        ("19.30", dt.time(19, 30)),
        ("7pm", dt.time(19, 0)),
        ("12am", dt.time(0, 0)),
        ("12:15 PM", dt.time(12, 15)),
        ("klo 7.30", dt.time(7, 30)),
    ],
)
def test_times_of_day(typed: str, expected: dt.time) -> None:
    assert parse_time_of_day(typed) == expected


@pytest.mark.parametrize(
    "typed", ["25:99", "24:00", "12:60", "noon", "", "7", "07:3", "-1:00", "13pm", "0am", "7:30 xm"]
)
def test_impossible_times_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_time_of_day(typed)


def test_format_time_of_day() -> None:
    assert format_time_of_day(dt.time(6, 5)) == "06:05"


@pytest.mark.parametrize(
    ("lat", "lon", "zone"),
    [
        (60.17, 24.94, "Europe/Helsinki"),
        (40.71, -74.0, "America/New_York"),
        (35.68, 139.69, "Asia/Tokyo"),
    ],
)
def test_time_zone_of_a_location(lat: float, lon: float, zone: str) -> None:
    assert timezone_at(lat, lon) == zone


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (-95.0, -200.0)])
def test_impossible_locations_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInput):
        timezone_at(lat, lon)
