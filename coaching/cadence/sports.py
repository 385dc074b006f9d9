"""What a file's sport label means: running, a sport we can name, or nothing.

Labels come in every spelling: FIT's enum names (`cycling`, `e_biking`,
`stand_up_paddleboarding`), TCX's `Running`/`Biking`/`Other`, and GPX's free
`<type>`, where Strava writes its own names (`VirtualRide`, `TrailRun`) or,
in older exports, its numeric activity types. A label we cannot place says
nothing, and the recording itself decides (`coaching.cadence.inference`).

Naming the sport lets the bot tell a swimmer "a swim" instead of guessing "a
ride", and a refused file stays understandable.
"""

from __future__ import annotations

from enum import StrEnum


class Sport(StrEnum):
    """A sport as the bot names it; the values end the `cadence_not_running_*` keys."""

    RUNNING = "running"
    CYCLING = "cycling"
    SWIMMING = "swimming"
    WALKING = "walking"
    HIKING = "hiking"
    SKIING = "skiing"
    SKATING = "skating"
    ROWING = "rowing"
    PADDLING = "paddling"
    OTHER = "other"
    """Clearly not a run, but nothing we name (a gym session, yoga, a drive...)."""


STRAVA_TYPES: dict[str, Sport | None] = {
    "1": Sport.CYCLING,  # Ride
    "2": Sport.SKIING,  # Alpine ski
    "3": Sport.SKIING,  # Backcountry ski
    "4": Sport.HIKING,
    "5": Sport.SKATING,  # Ice skate
    "6": Sport.SKATING,  # Inline skate
    "7": Sport.SKIING,  # Nordic ski
    "8": Sport.SKIING,  # Roller ski
    "9": Sport.RUNNING,
    "10": Sport.WALKING,
    "11": None,  # Workout: a treadmill run as often as anything else
    "12": Sport.SKIING,  # Snowboard
    "13": Sport.HIKING,  # Snowshoe
    "14": Sport.OTHER,  # Kitesurf
    "15": Sport.OTHER,  # Windsurf
    "16": Sport.SWIMMING,
    "17": Sport.CYCLING,  # Virtual ride
    "18": Sport.CYCLING,  # E-bike ride
    "19": Sport.CYCLING,  # Velomobile
    "21": Sport.PADDLING,  # Canoeing
    "22": Sport.PADDLING,  # Kayaking
    "23": Sport.ROWING,
    "24": Sport.PADDLING,  # Stand-up paddling
    "25": Sport.OTHER,  # Surfing
    "26": Sport.OTHER,  # Crossfit
    "27": Sport.OTHER,  # Elliptical
    "28": Sport.OTHER,  # Rock climbing
    "29": Sport.OTHER,  # Stair stepper
    "30": Sport.OTHER,  # Weight training
    "31": Sport.OTHER,  # Yoga
    "51": Sport.CYCLING,  # Handcycle
    "52": Sport.OTHER,  # Wheelchair
    "53": Sport.RUNNING,  # Virtual run
}
"""Strava's numeric activity types, as its GPX exports write them in `<type>`."""

SAYS_NOTHING = frozenset({"", "other", "generic", "unknown", "all", "none", "workout", "sport"})
"""Labels a device writes when nobody chose a sport."""

MARKERS: tuple[tuple[str, Sport], ...] = (
    ("run", Sport.RUNNING),  # running, trail_running, TrailRun, VirtualRun, treadmill_running
    ("jog", Sport.RUNNING),
    ("cycl", Sport.CYCLING),
    ("bik", Sport.CYCLING),  # Biking, e_biking, mountain_biking
    ("ride", Sport.CYCLING),  # Ride, VirtualRide, EBikeRide
    ("swim", Sport.SWIMMING),
    ("walk", Sport.WALKING),
    ("hik", Sport.HIKING),
    ("snowshoe", Sport.HIKING),
    ("mountaineer", Sport.HIKING),
    ("ski", Sport.SKIING),
    ("snowboard", Sport.SKIING),
    ("skat", Sport.SKATING),
    ("row", Sport.ROWING),
    ("paddl", Sport.PADDLING),
    ("kayak", Sport.PADDLING),
    ("canoe", Sport.PADDLING),
    ("golf", Sport.OTHER),
    ("yoga", Sport.OTHER),
    ("strength", Sport.OTHER),
    ("elliptical", Sport.OTHER),
    ("climb", Sport.OTHER),
    ("driv", Sport.OTHER),
)
"""Searched in order, so "run" wins in `trail_running` and "ride" never meets a run."""


def sport_of(label: str | None) -> Sport | None:
    """The sport a label names, or None when it names none we recognise."""
    if label is None:
        return None
    name = label.strip().lower().replace(" ", "_").replace("-", "_")
    if name in SAYS_NOTHING:
        return None
    if name in STRAVA_TYPES:
        return STRAVA_TYPES[name]
    return next((sport for marker, sport in MARKERS if marker in name), None)
