"""Real devices' files (`real_files/`, sources in its README) read as independent tools read them.

The figures in `reference.json` come from Garmin's FIT SDK and gpxpy, not
from our readers (`real_files/make_reference.py`). Tolerances:

- against the same rules recomputed from the SDK's records: duration and
  distance within 0.1 %, cadence within 0.05 steps/min (they should agree);
- against the watch's own session summary, which also counts standing and
  walking: distance within 1 %, cadence within 2 steps/min (the watch rounds
  its average to whole strides: ±1 step/min), duration within 6 % of timer time.
"""

from __future__ import annotations

import pytest

from coaching.cadence import CadenceUnit, Reason, RunFileError, analyse_file, parse_fit
from tests.cadence.watchfiles import real, reference

RUNS = ["treadmill_12km.FIT", "outdoor_half_marathon.FIT"]
RIDES = ["garmin-edge-820-bike.fit", "Zwift_Zwift_Fast_Fridays_Bologna_Time_Trial_E_.fit"]
WALKS = ["korita-zbevnica.gpx", "cerknicko-jezero.gpx"]


def refused(name: str) -> RunFileError:
    with pytest.raises(RunFileError) as caught:
        analyse_file(name, real(name))
    return caught.value


@pytest.mark.parametrize("name", RUNS)
def test_real_runs_agree_with_the_sdk_records(name: str) -> None:
    expected = reference("fit", name)["moving"]
    result = analyse_file(name, real(name))
    assert result.duration_s == pytest.approx(expected["duration_s"], rel=1e-3)
    assert result.distance_m == pytest.approx(expected["distance_m"], rel=1e-3)
    assert result.avg_cadence_spm == pytest.approx(expected["avg_cadence_spm"], abs=0.05)
    assert result.unit is CadenceUnit.STRIDES and not result.unit_from_range
    assert not result.partial and result.clock_known


@pytest.mark.parametrize("name", RUNS)
def test_real_runs_agree_with_the_watchs_summary(name: str) -> None:
    device = reference("fit", name)["device"]
    result = analyse_file(name, real(name))
    assert device["sport"] == "running" == result.sport
    assert result.distance_m == pytest.approx(device["total_distance_m"], rel=0.01)
    assert result.avg_cadence_spm == pytest.approx(device["avg_cadence_spm"], abs=2.0)
    assert result.duration_s == pytest.approx(device["total_timer_time_s"], rel=0.06)


@pytest.mark.parametrize("name", RUNS)
def test_real_runs_read_every_record(name: str) -> None:
    assert len(parse_fit(real(name)).samples) == reference("fit", name)["records"]


@pytest.mark.parametrize("name", RUNS)
def test_real_runs_cut_in_half_agree_with_the_sdk(name: str) -> None:
    half = reference("fit", name)["cut_in_half"]
    assert half["errors"]  # the SDK, too, stops at the cut and keeps what came before
    result = analyse_file(name, real(name)[: half["bytes"]])
    assert result.partial
    assert result.duration_s == pytest.approx(half["moving"]["duration_s"], rel=1e-3)
    assert result.distance_m == pytest.approx(half["moving"]["distance_m"], rel=1e-3)
    assert result.avg_cadence_spm == pytest.approx(half["moving"]["avg_cadence_spm"], abs=0.05)


def test_polar_treadmill_run_is_a_treadmill_run() -> None:
    assert reference("fit", "treadmill_12km.FIT")["device"]["sub_sport"] == "treadmill"
    result = analyse_file("treadmill_12km.FIT", real("treadmill_12km.FIT"))
    assert result.walking_s == 0.0 and 150 < result.avg_cadence_spm < 160


def test_the_half_marathons_walking_breaks_are_left_out() -> None:
    result = analyse_file("half.fit", real("outdoor_half_marathon.FIT"))
    assert 0 < result.walking_s < 120


@pytest.mark.parametrize("name", RIDES)
def test_real_rides_are_refused_as_rides(name: str) -> None:
    assert reference("fit", name)["device"]["sport"] == "cycling"
    error = refused(name)
    assert error.reason is Reason.NOT_RUNNING and error.sport == "cycling"


def test_a_real_run_under_a_minute_is_too_short() -> None:
    name = "garmin-fenix-5-run.fit"
    assert reference("fit", name)["moving"]["duration_s"] < 60
    assert refused(name).reason is Reason.TOO_SHORT


@pytest.mark.parametrize("name", WALKS)
def test_real_unlabelled_walks_are_named_walks(name: str) -> None:
    figures = reference("gpx", name)
    assert set(figures["track_types"]) == {None}  # no sport label anywhere
    assert figures["median_moving_speed_mps"] < 2.0
    error = refused(name)
    assert error.reason is Reason.NOT_RUNNING and error.sport == "walking"


def test_a_real_gpx_with_a_byte_order_mark_and_no_points_is_empty() -> None:
    name = "unicode_with_bom.gpx"
    assert real(name).startswith(b"\xef\xbb\xbf")
    assert reference("gpx", name)["points_with_time"] == 0
    for data in (real(name), b"\r\n" + real(name)):
        with pytest.raises(RunFileError) as caught:
            analyse_file(name, data)
        assert caught.value.reason is Reason.EMPTY
