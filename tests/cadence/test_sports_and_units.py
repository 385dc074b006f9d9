"""The small decisions behind the watch-file cases: labels, units per segment, sport from data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from coaching.cadence import CadenceUnit, Sample
from coaching.cadence.fit_records import merge_by_time
from coaching.cadence.inference import Moving, guess_sport, is_walking
from coaching.cadence.samples import sport_kind
from coaching.cadence.sports import Sport, sport_of
from coaching.cadence.units import Reading, factors, segments
from coaching.cadence.xmlsafe import document_start, local, read_xml

START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("label", "sport"),
    [
        ("running", Sport.RUNNING),
        ("Running", Sport.RUNNING),
        ("trail_running", Sport.RUNNING),
        ("TrailRun", Sport.RUNNING),
        ("VirtualRun", Sport.RUNNING),
        ("9", Sport.RUNNING),
        ("Biking", Sport.CYCLING),
        ("e_biking", Sport.CYCLING),
        ("VirtualRide", Sport.CYCLING),
        ("1", Sport.CYCLING),
        ("17", Sport.CYCLING),
        ("16", Sport.SWIMMING),
        ("lap_swimming", Sport.SWIMMING),
        ("walking", Sport.WALKING),
        ("10", Sport.WALKING),
        ("hiking", Sport.HIKING),
        ("cross_country_skiing", Sport.SKIING),
        ("stand_up_paddleboarding", Sport.PADDLING),
        ("rowing", Sport.ROWING),
        ("golf", Sport.OTHER),
        ("30", Sport.OTHER),
    ],
)
def test_labels_name_their_sport(label: str, sport: Sport) -> None:
    assert sport_of(label) is sport


@pytest.mark.parametrize("label", [None, "", "Other", "generic", " ", "11", "tennis", "42"])
def test_labels_that_say_nothing(label: str | None) -> None:
    assert sport_of(label) is None
    assert sport_kind(label) == "unknown"


def test_sport_kind_keeps_its_three_answers() -> None:
    assert [sport_kind(x) for x in ("Running", "Biking", "Other", "16")] == [
        "running",
        "other",
        "unknown",
        "other",
    ]


def readings(*parts: tuple[int, float, float | None]) -> list[Reading]:
    """(seconds, raw cadence, speed) stretches, one reading a second."""
    return [Reading(1.0, raw, speed) for seconds, raw, speed in parts for _ in range(seconds)]


def test_a_value_of_125_or_more_is_steps_and_under_70_strides() -> None:
    found = segments(readings((60, 170.0, 3.0), (60, 55.0, 1.4)))
    assert [s.unit for s in found] == [CadenceUnit.STEPS, CadenceUnit.STRIDES]


def test_middle_values_follow_the_files_clear_unit() -> None:
    steps_file = readings((300, 165.0, 3.0), (120, 110.0, 1.5), (300, 168.0, 3.1))
    assert {s.unit for s in segments(steps_file)} == {CadenceUnit.STEPS}
    strides_file = readings((120, 56.0, 1.4), (600, 84.0, 3.0), (60, 58.0, 1.3))
    assert {s.unit for s in segments(strides_file)} == {CadenceUnit.STRIDES}


def test_middle_values_without_evidence_are_decided_by_the_step_length() -> None:
    # 110 at 1.5 m/s: 0.82 m walking steps; 84 at 3 m/s: as steps, 2.1 m: strides.
    assert segments(readings((300, 110.0, 1.5)))[0].unit is CadenceUnit.STEPS
    assert segments(readings((300, 84.0, 3.0)))[0].unit is CadenceUnit.STRIDES
    assert segments(readings((300, 84.0, None)))[0].unit is CadenceUnit.STRIDES


def test_a_fixed_unit_holds_throughout() -> None:
    assert set(factors(readings((60, 170.0, 3.0)), CadenceUnit.STRIDES)) == {2.0}
    assert factors(readings((2, 170.0, 3.0), (2, 80.0, 3.0)), None) == [1.0, 1.0, 2.0, 2.0]


def moving(seconds: float, speed: float | None, raw: float | None, spm: float | None) -> Moving:
    return Moving(seconds, speed, raw, spm)


def test_sport_from_speed_and_cadence() -> None:
    assert guess_sport([moving(600, 9.0, 90.0, 180.0)]) is Sport.CYCLING
    assert guess_sport([moving(600, 20.0, None, None)]) is Sport.OTHER
    assert guess_sport([moving(600, 5.0, 75.0, 150.0)]) is Sport.CYCLING  # 4 m a turn
    assert guess_sport([moving(600, 5.5, 92.0, 184.0)]) is Sport.RUNNING  # a fast runner
    assert guess_sport([moving(600, 3.0, 85.0, 170.0)]) is Sport.RUNNING
    assert guess_sport([moving(600, 1.4, 112.0, 112.0)]) is Sport.WALKING
    assert guess_sport([moving(600, 1.3, None, None)]) is Sport.WALKING
    assert guess_sport([moving(600, 1.9, 80.0, 160.0)]) is Sport.RUNNING  # a slow jog
    assert guess_sport([moving(600, None, 85.0, 170.0)]) is Sport.RUNNING  # treadmill, no speed


def test_walking_is_walking_cadence_at_walking_speed() -> None:
    assert is_walking(moving(1, 1.5, 56.0, 112.0))
    assert not is_walking(moving(1, 3.0, 20.0, 40.0))  # odd, but not walking
    assert not is_walking(moving(1, 1.8, 80.0, 160.0))
    assert not is_walking(moving(1, 1.5, None, None))


def test_records_of_one_second_merge_field_by_field() -> None:
    later = START + dt.timedelta(seconds=1)
    merged = merge_by_time(
        [
            Sample(later, cadence_raw=80.0),
            Sample(START, distance_m=1.0),
            Sample(START, cadence_raw=85.0, distance_m=9.0, speed_mps=3.0),
        ]
    )
    assert merged == [
        Sample(START, cadence_raw=85.0, distance_m=1.0, speed_mps=3.0),
        Sample(later, cadence_raw=80.0),
    ]


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"<gpx/>", 0),
        (b"\xef\xbb\xbf<gpx/>", 3),
        (b" \r\n\t<gpx/>", 4),
        (b"\n\xef\xbb\xbf\xef\xbb\xbf\n<gpx/>", 8),
        (b"\xff\xfe<\x00", 0),  # UTF-16: expat reads its mark itself
    ],
)
def test_where_the_document_starts(data: bytes, start: int) -> None:
    assert document_start(data) == start


class Names:
    def __init__(self) -> None:
        self.names: list[str] = []

    def start(self, name: str, attrs: Mapping[str, str]) -> None:
        self.names.append(name)

    def end(self, name: str, text: str | None) -> None:
        pass


def test_prefixes_declared_or_not_are_dropped() -> None:
    names = Names()
    read_xml(b'<g:gpx xmlns:g="x"><undeclared:cad>1</undeclared:cad><plain/></g:gpx>', names)
    assert names.names == ["gpx", "cad", "plain"]
    assert local("ns3:RunCadence") == "RunCadence" == local("RunCadence")
