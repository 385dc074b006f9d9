"""Issue 17's cases: files as real devices and export services write them.

Each test is one thing observed on real files that the previous readers got
wrong. Where a real recording fits, its samples are used (Polar's treadmill
run, Zwift's time trial, from `real_files/`); the expected figures come from
`reference.json`, computed with Garmin's FIT SDK, not with our readers.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable, Sequence

import pytest

from coaching.cadence import (
    CadenceAnalysis,
    CadenceUnit,
    Reason,
    RunFileError,
    Sample,
    analyse_file,
    parse_fit,
)
from coaching.cadence.fit_records import FIT_EPOCH
from tests.cadence.runfiles import RunPlan, standard_run
from tests.cadence.watchfiles import (
    gpx_export,
    real,
    reference,
    relative_fit,
    suunto_fit,
    tcx_export,
)

START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
TREADMILL = "treadmill_12km.FIT"
ZWIFT = "Zwift_Zwift_Fast_Fridays_Bologna_Time_Trial_E_.fit"
DURATION_TOLERANCE = 0.005
DISTANCE_TOLERANCE = 0.005
"""Relative: the exports carry the recording's own times and distances (to the centimetre)."""
CADENCE_TOLERANCE_SPM = 0.5


def treadmill_samples() -> tuple[Sample, ...]:
    return parse_fit(real(TREADMILL)).samples


def refused(filename: str, data: bytes) -> RunFileError:
    with pytest.raises(RunFileError) as caught:
        analyse_file(filename, data)
    return caught.value


def assert_like_the_recording(result: CadenceAnalysis, name: str = TREADMILL) -> None:
    expected = reference("fit", name)["moving"]
    assert result.duration_s == pytest.approx(expected["duration_s"], rel=DURATION_TOLERANCE)
    assert result.distance_m == pytest.approx(expected["distance_m"], rel=DISTANCE_TOLERANCE)
    assert result.avg_cadence_spm == pytest.approx(
        expected["avg_cadence_spm"], abs=CADENCE_TOLERANCE_SPM
    )


# ---------------------------------------------------------------- before <?xml


PREFIXES = [
    pytest.param(b"\xef\xbb\xbf", id="byte-order mark"),
    pytest.param(b"\n", id="newline"),
    pytest.param(b"  \r\n\t", id="whitespace"),
    pytest.param(b"\xef\xbb\xbf\r\n", id="mark then newline (Polar Flow)"),
    pytest.param(b"\r\n\xef\xbb\xbf", id="newline then mark"),
]


@pytest.mark.parametrize("before", PREFIXES)
def test_tcx_export_with_junk_before_the_declaration_is_read(before: bytes) -> None:
    result = analyse_file("Polar.tcx", tcx_export(treadmill_samples(), before=before))
    assert_like_the_recording(result)
    assert not result.partial


@pytest.mark.parametrize("before", PREFIXES)
def test_gpx_export_with_junk_before_the_declaration_is_read(before: bytes) -> None:
    result = analyse_file("Strava.gpx", gpx_export(treadmill_samples(), before=before))
    # GPX carries no distance: it is the length of the track laid along the recorded one.
    assert_like_the_recording(result)


def test_a_file_of_only_marks_and_whitespace_is_empty() -> None:
    assert refused("run.gpx", b"\xef\xbb\xbf \r\n").reason is Reason.EMPTY


# ---------------------------------------------------------------- undeclared prefixes


def test_gpx_with_an_undeclared_extension_prefix_is_read() -> None:
    data = gpx_export(treadmill_samples(), declare_prefix=False)
    assert b"gpxtpx:cad" in data and b"xmlns:gpxtpx" not in data
    assert_like_the_recording(analyse_file("converted.gpx", data))


def test_tcx_with_an_undeclared_extension_prefix_is_read() -> None:
    data = tcx_export(treadmill_samples(), declare_prefix=False)
    assert b"ns3:RunCadence" in data and b"xmlns:ns3" not in data
    assert_like_the_recording(analyse_file("converted.tcx", data))


# ---------------------------------------------------------------- rides without a label


def zwift_samples() -> tuple[Sample, ...]:
    return parse_fit(real(ZWIFT)).samples


@pytest.mark.parametrize(
    ("filename", "export"),
    [
        pytest.param("ride.gpx", lambda s: gpx_export(s, activity_type=None), id="gpx-no-type"),
        pytest.param("ride.tcx", lambda s: tcx_export(s, sport="Other"), id="tcx-other"),
    ],
)
def test_a_real_ride_without_a_label_is_named_a_ride(
    filename: str, export: Callable[[Sequence[Sample]], bytes]
) -> None:
    error = refused(filename, export(zwift_samples()))
    assert error.reason is Reason.NOT_RUNNING
    assert error.sport == "cycling"


def test_a_real_ride_cut_before_its_session_is_named_a_ride() -> None:
    """The sport is in the session message at the end: the cut file has no label."""
    data = real(ZWIFT)
    assert parse_fit(data[: len(data) // 2]).sport is None
    error = refused("ride.fit", data[: len(data) // 2])
    assert error.reason is Reason.NOT_RUNNING and error.sport == "cycling"


def test_a_ride_at_running_speed_is_told_by_its_pedalling() -> None:
    """18 km/h at 75 rpm: runners' speed, but 4 m per "stride" is a crank turn."""
    ride = RunPlan(START).run(1200, 5.0, 150.0)  # 75 rpm written as if strides
    error = refused("ride.gpx", gpx_export(_samples(ride), activity_type=None))
    assert error.reason is Reason.NOT_RUNNING and error.sport == "cycling"


@pytest.mark.parametrize(
    ("strava_type", "sport"),
    [("1", "cycling"), ("17", "cycling"), ("16", "swimming"), ("10", "walking"), ("4", "hiking")],
)
def test_stravas_numeric_types_name_the_sport(strava_type: str, sport: str) -> None:
    error = refused("strava.gpx", gpx_export(treadmill_samples(), activity_type=strava_type))
    assert error.reason is Reason.NOT_RUNNING and error.sport == sport


@pytest.mark.parametrize("strava_type", ["9", "53"])
def test_stravas_run_types_are_runs(strava_type: str) -> None:
    assert_like_the_recording(
        analyse_file("strava.gpx", gpx_export(treadmill_samples(), activity_type=strava_type))
    )


@pytest.mark.parametrize(
    ("label", "sport"),
    [("Swim", "swimming"), ("Walk", "walking"), ("Hike", "hiking"), ("VirtualRide", "cycling")],
)
def test_swims_and_walks_are_not_called_rides(label: str, sport: str) -> None:
    error = refused("activity.gpx", gpx_export(treadmill_samples(), activity_type=label))
    assert error.sport == sport


def test_an_unlabelled_walk_is_named_a_walk() -> None:
    walk = RunPlan(START).run(1800, 1.4, 112.0)  # 5 km/h at 112 steps/min
    error = refused("walk.gpx", gpx_export(_samples(walk), unit="steps", activity_type=None))
    assert error.reason is Reason.NOT_RUNNING and error.sport == "walking"


def test_an_unlabelled_real_run_is_analysed() -> None:
    result = analyse_file("run.tcx", tcx_export(treadmill_samples(), sport="Other"))
    assert_like_the_recording(result)
    assert result.sport == "Other"


# ---------------------------------------------------------------- Suunto's two records a second


@pytest.mark.parametrize("empty_first", [True, False])
def test_two_records_a_second_are_merged(empty_first: bool) -> None:
    plan = standard_run(START)
    truth = plan.truth()
    result = analyse_file("suunto.fit", suunto_fit(plan, empty_first=empty_first))
    assert result.duration_s == pytest.approx(truth.duration_s)
    assert result.distance_m == pytest.approx(truth.distance_m)
    assert result.avg_cadence_spm == pytest.approx(truth.avg_cadence_spm)
    assert len(parse_fit(suunto_fit(plan, empty_first=empty_first)).samples) == len(plan.points)


# ---------------------------------------------------------------- treadmill in steps, with walking


def _samples(plan: RunPlan, unit_factor: float = 0.5) -> list[Sample]:
    """A plan's points as samples, cadence as raw values (strides by default)."""
    return [
        Sample(
            time=plan.time(p),
            cadence_raw=None if p.cadence_spm is None else p.cadence_spm * unit_factor,
            distance_m=p.distance_m,
            speed_mps=p.speed_mps,
        )
        for p in plan.points
    ]


def treadmill_intervals() -> RunPlan:
    """Walk 5 min, then run 2 min / walk 2 min six times, then walk 5 min: mostly walking."""
    plan = RunPlan(START).run(300, 1.5, 112.0)
    for _ in range(6):
        plan.run(120, 3.1, 166.0).run(120, 1.6, 116.0)
    return plan.run(300, 1.4, 110.0)


@pytest.mark.parametrize("export", ["tcx", "gpx"])
def test_treadmill_in_steps_with_walking_is_read_as_steps(export: str) -> None:
    samples = _samples(treadmill_intervals(), unit_factor=1.0)  # the file is in steps
    write = tcx_export if export == "tcx" else gpx_export
    data = write(samples, unit="as-is")
    result = analyse_file(f"treadmill.{export}", data)
    assert result.unit is CadenceUnit.STEPS and result.unit_from_range
    assert result.steps_share == 1.0
    assert result.duration_s == pytest.approx(6 * 120)  # the running only
    assert result.walking_s == pytest.approx(300 + 6 * 120 + 300)
    assert result.avg_cadence_spm == pytest.approx(166.0)


def test_the_same_session_in_strides_is_read_as_strides() -> None:
    samples = _samples(treadmill_intervals())  # strides, as Garmin writes them
    result = analyse_file("treadmill.tcx", tcx_export(samples, unit="as-is"))
    assert result.unit is CadenceUnit.STRIDES and result.steps_share == 0.0
    assert result.avg_cadence_spm == pytest.approx(166.0)
    assert result.duration_s == pytest.approx(6 * 120)


def test_a_real_treadmill_run_exported_in_steps_is_read_as_steps() -> None:
    result = analyse_file("polar.tcx", tcx_export(treadmill_samples(), unit="steps"))
    assert result.unit is CadenceUnit.STEPS
    assert_like_the_recording(result)


# ---------------------------------------------------------------- power-on timestamps


def test_relative_timestamps_with_a_correlation_are_dated() -> None:
    plan = standard_run(START)
    result = analyse_file("old.fit", relative_fit(plan, power_on_s=4_000, correlate_at=START))
    assert result.started_at == START and result.clock_known
    assert result.duration_s == pytest.approx(plan.truth().duration_s)
    assert result.distance_m == pytest.approx(plan.truth().distance_m)


def test_relative_timestamps_are_dated_by_the_file_creation() -> None:
    plan = standard_run(START)
    result = analyse_file("old.fit", relative_fit(plan, power_on_s=4_000, created=START))
    assert result.started_at == START and result.clock_known


def test_relative_timestamps_without_any_date_are_analysed_undated() -> None:
    plan = standard_run(START)
    result = analyse_file("old.fit", relative_fit(plan, power_on_s=4_000))
    assert not result.clock_known
    assert result.started_at == FIT_EPOCH + dt.timedelta(seconds=4_000)
    assert result.avg_cadence_spm == pytest.approx(plan.truth().avg_cadence_spm)
    assert result.duration_s == pytest.approx(plan.truth().duration_s)


# ---------------------------------------------------------------- cut short, no checksum


def test_a_real_file_cut_in_half_keeps_its_complete_records() -> None:
    data = real(TREADMILL)
    half = reference("fit", TREADMILL)["cut_in_half"]
    result = analyse_file("cut.fit", data[: half["bytes"]])
    assert result.partial
    assert len(parse_fit(data[: half["bytes"]]).samples) == half["records"]
    assert result.duration_s == pytest.approx(half["moving"]["duration_s"])
    assert result.distance_m == pytest.approx(half["moving"]["distance_m"])
    assert result.avg_cadence_spm == pytest.approx(half["moving"]["avg_cadence_spm"], abs=1e-3)


def test_a_real_file_missing_its_final_checksum_is_read_whole() -> None:
    data = real(TREADMILL)
    result = analyse_file("no-crc.fit", data[:-2])
    assert result.partial
    assert_like_the_recording(result)


def test_a_real_file_with_a_wrong_checksum_is_read_and_marked() -> None:
    data = bytearray(real(TREADMILL))
    data[-1] ^= 0xFF
    result = analyse_file("bad-crc.fit", bytes(data))
    assert result.partial
    assert_like_the_recording(result)


def test_a_whole_real_file_is_not_partial() -> None:
    assert not analyse_file("whole.fit", real(TREADMILL)).partial


def test_a_file_cut_inside_its_header_is_still_corrupt() -> None:
    assert refused("cut.fit", real(TREADMILL)[:20]).reason is Reason.CORRUPT


def test_the_partial_mark_survives_the_trip_from_a_worker() -> None:
    """What the handler reads comes back pickled from a worker process."""
    result = analyse_file("cut.fit", real(TREADMILL)[:30_000])
    assert pickle.loads(pickle.dumps(result)) == result
    error = refused("ride.tcx", tcx_export(zwift_samples(), sport="Other"))
    back = pickle.loads(pickle.dumps(error))
    assert (back.reason, back.sport) == (Reason.NOT_RUNNING, "cycling")


def test_samples_keep_their_order_after_merging() -> None:
    samples = parse_fit(suunto_fit(standard_run(START), empty_first=True)).samples
    assert all(a.time < b.time for a, b in zip(samples, samples[1:], strict=False))
    assert samples[1].cadence_raw is not None and samples[1].distance_m is not None
