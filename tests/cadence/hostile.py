"""Run files built to hurt a reader: what athletes' uploads have done, and the classic XML bombs.

Each is small enough to pass the 10 MB upload limit. The first two reproduce
reported failures of the previous readers: a GPX with 200,000 nested elements
in a point's `<extensions>` (the process died: a recursive deep copy overflowed
the C stack), and a TCX with nested `<Activity>` elements (each activity
re-walked all its descendants: minutes of CPU and gigabytes).
"""

from __future__ import annotations

import datetime as dt

GPX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gpx version="1.1" creator="hostile" xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
    "<trk><type>running</type><trkseg>"
)
GPX_TAIL = "</trkseg></trk></gpx>"
TCX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<TrainingCenterDatabase "
    'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
    'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Activities>'
)
TCX_TAIL = "</Activities></TrainingCenterDatabase>"
START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)


def _iso(seconds: int) -> str:
    return (START + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deep_extensions_gpx(levels: int = 200_000) -> bytes:
    """One ordinary track point whose `<extensions>` nests `levels` elements (1.4 MB at 200,000)."""
    point = (
        f'<trkpt lat="60.17" lon="24.94"><time>{_iso(0)}</time><extensions>'
        + "<a>" * levels
        + "</a>" * levels
        + "</extensions></trkpt>"
    )
    return (GPX_HEAD + point + GPX_TAIL).encode()


def tcx_trackpoint(second: int) -> str:
    """One second of an easy run: 3 m/s, 85 strides (170 steps) per minute."""
    return (
        f"<Trackpoint><Time>{_iso(second)}</Time>"
        "<Position><LatitudeDegrees>60.17</LatitudeDegrees>"
        "<LongitudeDegrees>24.94</LongitudeDegrees></Position>"
        f"<DistanceMeters>{3.0 * second:.1f}</DistanceMeters>"
        "<Extensions><ns3:TPX><ns3:Speed>3.0</ns3:Speed>"
        "<ns3:RunCadence>85</ns3:RunCadence></ns3:TPX></Extensions></Trackpoint>"
    )


def nested_activities_tcx(levels: int, points_per_level: int = 1) -> bytes:
    """`levels` running activities, each opened inside the previous, each with its own points.

    1,100 levels of one point are 470 KB, 11,000 are 4.7 MB: the sizes that cost
    the previous reader 66 s and 1.3 GB, and 110 s and 2.8 GB before MemoryError.
    40 levels of 300 points (3.7 MB) stay within the depth limit and are read.
    """
    second = 0
    opened = []
    for _ in range(levels):
        points = []
        for _ in range(points_per_level):
            points.append(tcx_trackpoint(second))
            second += 1
        opened.append(
            f'<Activity Sport="Running"><Id>{_iso(0)}</Id>'
            f'<Lap StartTime="{_iso(0)}"><Track>{"".join(points)}</Track></Lap>'
        )
    return (TCX_HEAD + "".join(opened) + "</Activity>" * levels + TCX_TAIL).encode()


def many_elements_gpx(count: int) -> bytes:
    """A track segment holding `count` empty elements (4 bytes each)."""
    return (GPX_HEAD + "<a/>" * count + GPX_TAIL).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n'
        % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b"]>\n"
    + GPX_HEAD.split("\n", 1)[1].encode()
    + b"</trkseg></trk><metadata><name>&lol9;</name></metadata></gpx>"
)
"""Ten to the ninth "lol"s (3 GB) from under 1 KB, if the entities were expanded."""

QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY a "'
    + b"x" * 50_000
    + b'">]>\n<gpx version="1.1"><trk><type>'
    + b"&a;" * 50_000
    + b"</type></trk></gpx>"
)
"""One 50 KB entity used 50,000 times: 2.5 GB from 200 KB, without nesting."""

EXTERNAL_ENTITY_TCX = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    b'<TrainingCenterDatabase><Activities><Activity Sport="Running"><Id>&secret;</Id>'
    b"</Activity></Activities></TrainingCenterDatabase>"
)
EXTERNAL_PARAMETER_ENTITY_GPX = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE gpx [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>\n'
    b'<gpx version="1.1"/>'
)
EXTERNAL_DTD_GPX = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd">\n'
    b'<gpx version="1.1"/>'
)
UNDECLARED_ENTITY_GPX = b'<gpx version="1.1"><trk><type>&lol;</type></trk></gpx>'
