"""Generated FIT, GPX and TCX files: figures, units, pauses, and every kind of bad file."""

from __future__ import annotations

import datetime as dt

import pytest
from fit_tool.profile.profile_type import Sport  # type: ignore[import-untyped]

from coaching.cadence import (
    MAX_FILE_BYTES,
    CadenceAnalysis,
    CadenceUnit,
    Reason,
    RunFileError,
    analyse_file,
    parse_fit,
    read_run_file,
)
from tests.cadence.runfiles import RunPlan, Truth, fit_bytes, gpx_bytes, standard_run, tcx_bytes

START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)


def assert_matches(result: CadenceAnalysis, truth: Truth, *, distance_tolerance: float) -> None:
    assert result.started_at == START
    assert result.duration_s == pytest.approx(truth.duration_s)
    assert result.distance_m == pytest.approx(truth.distance_m, rel=distance_tolerance)
    assert result.avg_cadence_spm == pytest.approx(truth.avg_cadence_spm, abs=0.01)
    assert result.share_in_target == pytest.approx(truth.share_in_target, abs=0.001)
    assert [b.cadence_spm for b in result.pace_bands] == pytest.approx(
        truth.band_cadences, abs=0.05
    )
    assert [b.pace_s_per_km for b in result.pace_bands] == pytest.approx(
        truth.band_paces_s_per_km, rel=distance_tolerance
    )


def test_fit_strides_become_steps_with_half_strides() -> None:
    plan = standard_run(START)
    result = analyse_file("Morning_Run.FIT", fit_bytes(plan))
    assert_matches(result, plan.truth(), distance_tolerance=1e-3)
    assert result.source == "fit" and result.sport == "running"
    assert result.unit is CadenceUnit.STRIDES and not result.unit_from_range


def test_fit_record_cadence_85_and_a_half_is_171_steps() -> None:
    run = parse_fit(fit_bytes(RunPlan(START).run(120, 3.0, 171.0)))
    assert {s.cadence_raw for s in run.samples[1:]} == {85.5}
    assert analyse_file(
        "a.fit", fit_bytes(RunPlan(START).run(120, 3.0, 171.0))
    ).avg_cadence_spm == (pytest.approx(171.0))


def test_pauses_and_standing_still_are_not_running_time() -> None:
    plan = standard_run(START)
    result = analyse_file("run.fit", fit_bytes(plan))
    elapsed = plan.points[-1].offset_s
    assert elapsed == 600 + 300 + 600 + 60 + 600
    assert result.duration_s == 1800
    minutes = [x for x, _ in result.series]
    assert len(minutes) <= 600
    assert minutes[0] < 0.1 and 29.9 < minutes[-1] <= 30.0
    # The chart's time axis is running time: the pause leaves no gap in it.
    assert max(b - a for a, b in zip(minutes, minutes[1:], strict=False)) < 0.1


@pytest.mark.parametrize("unit", ["strides", "steps"])
def test_gpx_unit_is_told_apart_by_range(unit: str) -> None:
    plan = standard_run(START)
    result = analyse_file("run.gpx", gpx_bytes(plan, unit=unit))
    assert_matches(result, plan.truth(), distance_tolerance=1e-3)
    assert result.unit is CadenceUnit(unit) and result.unit_from_range
    assert result.source == "gpx" and result.sport == "running"


@pytest.mark.parametrize("unit", ["strides", "steps"])
def test_tcx_unit_is_told_apart_by_range(unit: str) -> None:
    plan = standard_run(START)
    result = analyse_file("run.tcx", tcx_bytes(plan, unit=unit))
    assert_matches(result, plan.truth(), distance_tolerance=1e-3)
    assert result.unit is CadenceUnit(unit) and result.unit_from_range
    assert result.source == "tcx" and result.sport == "Running"


def test_gpx_without_type_is_accepted_as_a_run() -> None:
    plan = standard_run(START)
    result = analyse_file("run.gpx", gpx_bytes(plan, activity_type=None))
    assert result.sport is None
    assert result.avg_cadence_spm == pytest.approx(plan.truth().avg_cadence_spm, abs=0.01)


def test_multisport_fit_keeps_only_the_running_leg() -> None:
    plan = RunPlan(START).run(600, 9.0, 180.0).pause(120).run(600, 3.2, 172.0)
    legs = [(Sport.CYCLING, 0, 600), (Sport.RUNNING, 720, 1320)]
    result = analyse_file("brick.fit", fit_bytes(plan, legs=legs))
    assert result.sport == "running"
    assert result.duration_s == 600
    assert result.avg_cadence_spm == pytest.approx(172.0)
    assert result.distance_m == pytest.approx(600 * 3.2)


def reason(filename: str, data: bytes) -> Reason:
    with pytest.raises(RunFileError) as caught:
        analyse_file(filename, data)
    return caught.value.reason


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("ride.fit", fit_bytes(standard_run(START), Sport.CYCLING)),
        ("ride.gpx", gpx_bytes(standard_run(START), activity_type="cycling")),
        ("ride.tcx", tcx_bytes(standard_run(START), sport="Biking")),
        ("walk.gpx", gpx_bytes(standard_run(START), activity_type="walking")),
    ],
)
def test_rides_and_other_sports_are_refused(filename: str, data: bytes) -> None:
    assert reason(filename, data) is Reason.NOT_RUNNING


def test_unlabelled_ride_is_refused_by_its_speed() -> None:
    ride = RunPlan(START).run(900, 9.0, 180.0)  # 90 rpm pedalling reads like strides
    assert reason("ride.tcx", tcx_bytes(ride, sport="Other")) is Reason.NOT_RUNNING


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("run.fit", fit_bytes(standard_run(START), with_cadence=False)),
        ("run.gpx", gpx_bytes(standard_run(START), with_cadence=False)),
        ("run.tcx", tcx_bytes(standard_run(START), with_cadence=False)),
    ],
)
def test_files_without_cadence(filename: str, data: bytes) -> None:
    assert reason(filename, data) is Reason.NO_CADENCE


@pytest.mark.parametrize("filename", ["run.fit", "run.gpx", "run.tcx"])
def test_empty_files(filename: str) -> None:
    assert reason(filename, b"") is Reason.EMPTY


def test_files_with_no_points() -> None:
    empty_gpx = (
        b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"/>'
    )
    assert reason("run.gpx", empty_gpx) is Reason.EMPTY
    empty_tcx = (
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        b'TrainingCenterDatabase/v2"><Activities/></TrainingCenterDatabase>'
    )
    assert reason("run.tcx", empty_tcx) is Reason.EMPTY


def test_damaged_fit_keeps_what_was_recorded_before_the_damage() -> None:
    """A flipped byte fails the checksum, a cut loses the end: both are read as far as they go.

    (This used to be refused as corrupt; real watches leave such files when
    their battery dies, and the records before the damage are sound.)
    """
    whole = fit_bytes(standard_run(START))
    flipped = bytearray(whole)
    flipped[len(flipped) // 2] ^= 0xFF
    damaged = analyse_file("run.fit", bytes(flipped))
    assert damaged.partial
    cut = analyse_file("run.fit", whole[:-500])
    assert cut.partial and 0 < cut.duration_s < analyse_file("run.fit", whole).duration_s
    assert not analyse_file("run.fit", whole).partial


def test_bytes_that_are_not_fit_are_corrupt() -> None:
    assert reason("run.fit", b"\x0e\x10garbage that is not a FIT file") is Reason.CORRUPT
    assert reason("run.fit", fit_bytes(standard_run(START))[:13]) is Reason.CORRUPT


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("run.gpx", gpx_bytes(standard_run(START))[:-40]),
        ("run.tcx", tcx_bytes(standard_run(START))[:-40]),
        ("run.gpx", b"\xff\xfe\x00not xml at all"),
        ("run.tcx", b"<html><body>not a tcx</body></html>"),
        ("run.gpx", fit_bytes(standard_run(START))),
        ("run.fit", gpx_bytes(standard_run(START))),
    ],
)
def test_corrupted_or_mislabelled_files(filename: str, data: bytes) -> None:
    assert reason(filename, data) is Reason.CORRUPT


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx version="1.1"><trk><type>&lol3;</type></trk></gpx>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<TrainingCenterDatabase><Activities><Activity Sport="Running"><Id>&secret;</Id>
</Activity></Activities></TrainingCenterDatabase>"""


@pytest.mark.parametrize(
    ("filename", "data"), [("bomb.gpx", BILLION_LAUGHS), ("xxe.tcx", EXTERNAL_ENTITY)]
)
def test_xml_with_entities_is_refused(filename: str, data: bytes) -> None:
    assert reason(filename, data) is Reason.CORRUPT


@pytest.mark.parametrize("filename", ["run.csv", "run.fit.gz", "notes.txt", "", None])
def test_wrong_extension(filename: str | None) -> None:
    with pytest.raises(RunFileError) as caught:
        read_run_file(filename, b"anything")
    assert caught.value.reason is Reason.UNSUPPORTED


def test_too_large() -> None:
    assert reason("huge.gpx", b" " * (MAX_FILE_BYTES + 1)) is Reason.TOO_LARGE


def test_too_short() -> None:
    assert reason("short.fit", fit_bytes(RunPlan(START).run(30, 3.0, 172.0))) is Reason.TOO_SHORT
    assert reason("one.gpx", gpx_bytes(RunPlan(START))) is Reason.TOO_SHORT


def test_cadence_neither_steps_nor_strides() -> None:
    odd = RunPlan(START).run(300, 3.0, 40.0)  # 20 "strides": not a running cadence
    assert reason("odd.gpx", gpx_bytes(odd, unit="steps")) is Reason.ODD_CADENCE
