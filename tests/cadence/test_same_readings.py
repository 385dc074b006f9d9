"""The streaming GPX and TCX readers find what the tree-walking readers found.

Files from `runfiles` and seeded variations of real exports: namespaces and
prefixes, several tracks, segments, laps and activities, times with offsets,
fractions, spaces or nonsense, missing and repeated elements, cadence and
speed at any depth of the extensions, values that are not numbers. Each is
read by the streaming reader and by `reference` (the previous algorithm on a
whole tree); samples and sport must be the same.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pytest

from coaching.cadence import ParsedRun, RunFileError, parse_gpx, parse_tcx
from tests.cadence.reference import reference_gpx, reference_tcx
from tests.cadence.runfiles import RunPlan, gpx_bytes, standard_run, tcx_bytes

START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
VARIANTS = 300


def reading(parse: Callable[[bytes], ParsedRun], data: bytes) -> ParsedRun | None:
    try:
        return parse(data)
    except RunFileError:
        return None


def same(found: ParsedRun | None, expected: ParsedRun | None) -> bool:
    """Equal, NaN included (a file may say `nan`)."""
    return repr(found) == repr(expected)


class Variations:
    """Seeded choices, so that a failing variant is the same on every run."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.clock = START + dt.timedelta(seconds=self.random.randint(0, 10_000))

    def pick(self, *options: str) -> str:
        return self.random.choice(options)

    def count(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def chance(self, p: float) -> bool:
        return self.random.random() < p

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=self.random.choice([1, 1, 1, 2, 5, 60, -3]))
        return self.clock

    def number(self, low: float, high: float) -> str:
        value = self.random.uniform(low, high)
        return self.pick(
            f"{value:g}", f"{value:g}", f"{value:g}", f" {value} ", "x", "nan", "", "0"
        )

    def gpx_time(self) -> str:
        text = (
            self.tick().strftime(self.pick("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"))
            + self.pick("", "", ".000", ".5", ".123456789")
            + self.pick("Z", "Z", "Z", "", "+02:00", "-0530", "+03")
        )
        return self.pick(
            text, text, text, text, f" {text}", f"{text}\n", "soon", "2026-13-01T00:00:00Z"
        )

    def tcx_time(self) -> str:
        text = self.tick().strftime("%Y-%m-%dT%H:%M:%S") + self.pick(
            "Z", "Z", ".000Z", "+02:00", ""
        )
        return self.pick(text, text, text, f"  {text}\n", "soon", "")

    def extension_values(self, tags: tuple[str, ...]) -> str:
        values = []
        for _ in range(self.count(0, 3)):
            tag = self.pick(*tags)
            inner = self.number(60, 200)
            if self.chance(0.2):
                child = self.pick(*tags, "other")
                inner = f"{self.pick('', '12')}<{child}>{self.number(1, 100)}</{child}>"
            values.append(f"<{tag}>{inner}</{tag}>")
        return "".join(values)

    def gpx(self) -> bytes:
        tags = ("gpxtpx:cad", "gpxtpx:speed", "gpxtpx:hr", "cadence", "speed", "ns3:RunCadence")
        tracks = []
        for _ in range(self.count(1, 3)):
            kinds = "".join(
                f"<type>{self.pick('running', 'cycling', '', '9')}</type>"
                for _ in range(self.count(0, 2))
            )
            segments = []
            for _ in range(self.count(0, 3)):
                points = []
                for _ in range(self.count(0, 12)):
                    inner = "<ele>12.5</ele>" if self.chance(0.8) else ""
                    for _ in range(self.count(0, 2) if self.chance(0.2) else 1):
                        inner += f"<time>{self.gpx_time()}</time>" if self.chance(0.9) else ""
                    for _ in range(self.count(0, 2) if self.chance(0.2) else 1):
                        values = self.extension_values(tags)
                        if self.chance(0.6):
                            values = (
                                f"<gpxtpx:TrackPointExtension>{values}</gpxtpx:TrackPointExtension>"
                            )
                        inner += f"<extensions>{values}</extensions>"
                    lat = self.random.uniform(59, 61)
                    points.append(
                        f'<trkpt lat="{self.pick(f"{lat:.7f}", f" {lat:.4f} ")}" '
                        f'lon="{self.random.uniform(24, 25):.7f}">{inner}<!-- c --></trkpt>'
                    )
                segments.append(f"<trkseg>{''.join(points)}</trkseg>")
            tracks.append(f"<trk><name>run</name>{kinds}{''.join(segments)}</trk>")
        default = self.pick('xmlns="http://www.topografix.com/GPX/1/1" ', "")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<gpx version="1.1" creator="variations" {default}'
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
            'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
            f"<metadata><time>{START:%Y-%m-%dT%H:%M:%SZ}</time></metadata>{''.join(tracks)}</gpx>"
        ).encode()

    def tcx(self) -> bytes:
        tags = ("ns3:RunCadence", "ns3:Speed", "ns3:Watts", "RunCadence", "speed")
        activities = []
        for _ in range(self.count(0, 3)):
            sport = self.pick('Sport="Running"', 'Sport="Biking"', 'Sport="Other"', "")
            laps = []
            for _ in range(self.count(0, 2)):
                points = []
                for _ in range(self.count(0, 10)):
                    inner = ""
                    for _ in range(self.count(0, 2) if self.chance(0.1) else 1):
                        inner += f"<Time>{self.tcx_time()}</Time>" if self.chance(0.9) else ""
                    inner += (
                        "<Position><LatitudeDegrees>60.1</LatitudeDegrees>"
                        "<LongitudeDegrees>24.9</LongitudeDegrees></Position>"
                    )
                    if self.chance(0.8):
                        inner += f"<DistanceMeters>{self.number(0, 5000)}</DistanceMeters>"
                    if self.chance(0.3):
                        inner += f"<Cadence>{self.number(60, 200)}</Cadence>"
                    for _ in range(self.count(0, 2) if self.chance(0.2) else 1):
                        values = self.extension_values(tags)
                        if self.chance(0.7):
                            values = f"<ns3:TPX>{values}</ns3:TPX>"
                        inner += f"<Extensions>{values}</Extensions>"
                    points.append(f"<Trackpoint>{inner}</Trackpoint>")
                laps.append(f'<Lap StartTime="x"><Track>{"".join(points)}</Track></Lap>')
            activities.append(f"<Activity {sport}><Id>x</Id>{''.join(laps)}</Activity>")
        course = (
            "<Courses><Course><Track><Trackpoint><Time>2026-05-01T06:00:00Z</Time>"
            "</Trackpoint></Track></Course></Courses>"
            if self.chance(0.2)
            else ""
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
            'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
            f"<Activities>{''.join(activities)}</Activities>{course}</TrainingCenterDatabase>"
        ).encode()


GENERATED = [
    gpx_bytes(standard_run(START)),
    gpx_bytes(standard_run(START), unit="steps", activity_type=None),
    gpx_bytes(RunPlan(START).run(300, 3.0, 172.0), with_cadence=False),
]


@pytest.mark.parametrize("data", GENERATED)
def test_generated_gpx_reads_the_same(data: bytes) -> None:
    assert same(reading(parse_gpx, data), reference_gpx(data))


@pytest.mark.parametrize(
    "data",
    [
        tcx_bytes(standard_run(START)),
        tcx_bytes(standard_run(START), unit="steps", sport="Other"),
        tcx_bytes(RunPlan(START).run(300, 3.0, 172.0), with_cadence=False),
    ],
)
def test_generated_tcx_reads_the_same(data: bytes) -> None:
    assert same(reading(parse_tcx, data), reference_tcx(data))


def test_gpx_variations_read_the_same() -> None:
    for seed in range(VARIANTS):
        data = Variations(seed).gpx()
        assert same(reading(parse_gpx, data), reference_gpx(data)), data.decode()


def test_tcx_variations_read_the_same() -> None:
    for seed in range(VARIANTS):
        data = Variations(seed).tcx()
        assert same(reading(parse_tcx, data), reference_tcx(data)), data.decode()


def test_what_the_variations_cover() -> None:
    """The variations are worth comparing: most have samples, cadence and a sport."""
    runs = [reading(parse_gpx, Variations(seed).gpx()) for seed in range(VARIANTS)]
    runs += [reading(parse_tcx, Variations(seed).tcx()) for seed in range(VARIANTS)]
    read = [run for run in runs if run is not None]
    assert len(read) > VARIANTS
    assert sum(any(s.cadence_raw for s in run.samples) for run in read) > VARIANTS // 2
    assert sum(any(s.speed_mps for s in run.samples) for run in read) > VARIANTS // 2
    assert {run.sport for run in read} >= {"running", "cycling", "9", "Running", "Biking", None}
