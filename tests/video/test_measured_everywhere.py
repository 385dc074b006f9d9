"""A measured hip drop outranks the by-eye answer wherever an athlete's findings are read.

The weekly tip, the coach's list and filters, the group overview and its CSV and
the "by finding" broadcast audience all read `findings_of`: the newest test with
enough answers, judged from its answers, with the latest measurement over it, for
many athletes in a few queries.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts, coaches, console
from coaching.broadcasts import Audience
from coaching.coach_models import TrainingGroup
from coaching.coaches import Role
from coaching.db import Database
from coaching.video.findings import findings_of
from coaching.video.models import VideoAnalysis
from scheduler.messages import latest_judged_test
from tests.coaching.test_console import (
    HIP_DROP_MARKED,
    KB,
    NOW,
    answers,
    athlete,
    coach_with_group,
    member,
    result,
)

LEVEL_MEASURED_MARKED, NO_TEST_MEASURED_MILD, DIP_MEASURED_LEVEL, BY_EYE_ONLY = 501, 502, 503, 504


def rear(athlete_id: int, left: float, right: float, days_ago: int = 3) -> VideoAnalysis:
    """A rear-view clip's stored figures."""
    return VideoAnalysis(
        athlete_id=athlete_id,
        analysed_at=NOW - dt.timedelta(days=days_ago),
        view="rear",
        seconds=12.0,
        steps=34,
        cadence_spm=170.0,
        pelvic_left_deg=left,
        pelvic_right_deg=right,
        pelvic_left_n=16,
        pelvic_right_n=16,
    )


def side(athlete_id: int, days_ago: int = 1) -> VideoAnalysis:
    """A side-view clip (newer than the rear one): no pelvic drop of its own."""
    return VideoAnalysis(
        athlete_id=athlete_id,
        analysed_at=NOW - dt.timedelta(days=days_ago),
        view="side",
        seconds=12.0,
        steps=34,
        cadence_spm=172.0,
        overstride_legs=0.3,
        shin_deg=8.0,
    )


async def four_athletes(session: AsyncSession) -> tuple[Role, int]:
    """ "Stays level" by eye but 9.1° measured; no test but 6° measured; a clear dip by
    eye but 2° measured; a marked drop by eye and no video."""
    role, group_id = await coach_with_group(session)
    people = {
        LEVEL_MEASURED_MARKED: "Level by eye",
        NO_TEST_MEASURED_MILD: "Only a video",
        DIP_MEASURED_LEVEL: "Dip by eye",
        BY_EYE_ONLY: "Only by eye",
    }
    session.add_all([athlete(a, name) for a, name in people.items()])
    await session.flush()
    session.add_all([member(group_id, a) for a in people])
    session.add(result(LEVEL_MEASURED_MARKED, answers(), days_ago=10))
    session.add_all([rear(LEVEL_MEASURED_MARKED, 9.1, 4.0), side(LEVEL_MEASURED_MARKED)])
    session.add(rear(NO_TEST_MEASURED_MILD, 6.0, 5.5))
    session.add(result(DIP_MEASURED_LEVEL, answers(pelvis_dip="clearly"), days_ago=10))
    session.add_all(
        [rear(DIP_MEASURED_LEVEL, 6.5, 6.0, days_ago=20), rear(DIP_MEASURED_LEVEL, 2.0, 1.5)]
    )
    session.add(result(BY_EYE_ONLY, answers(**HIP_DROP_MARKED), days_ago=10))
    return role, group_id


async def test_findings_of_puts_the_latest_measurement_over_the_answers(db: Database) -> None:
    async with db.transaction() as session:
        await four_athletes(session)
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    ids = [LEVEL_MEASURED_MARKED, NO_TEST_MEASURED_MILD, DIP_MEASURED_LEVEL, BY_EYE_ONLY, 999]
    async with db.transaction() as session:
        event.listen(db.engine.sync_engine, "before_cursor_execute", note)
        try:
            found = await findings_of(session, KB, ids)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", note)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    levels = {a: f.levels["hip_drop"] for a, f in found.items()}
    assert levels == {
        LEVEL_MEASURED_MARKED: "marked",
        NO_TEST_MEASURED_MILD: "mild",
        DIP_MEASURED_LEVEL: "none",
        BY_EYE_ONLY: "marked",
    }
    assert {a for a, f in found.items() if f.tested} == {
        LEVEL_MEASURED_MARKED,
        DIP_MEASURED_LEVEL,
        BY_EYE_ONLY,
    }
    assert found[LEVEL_MEASURED_MARKED].findings.measured["hip_drop"].degrees == 9.1
    assert found[LEVEL_MEASURED_MARKED].findings.stride is not None
    assert found[DIP_MEASURED_LEVEL].findings.measured["hip_drop"].degrees == 2.0


async def test_the_weekly_tip_reads_the_measured_finding(db: Database) -> None:
    async with db.transaction() as session:
        await four_athletes(session)
    async with db.transaction() as session:
        level = await latest_judged_test(session, KB, LEVEL_MEASURED_MARKED)
        only_video = await latest_judged_test(session, KB, NO_TEST_MEASURED_MILD)
        dip = await latest_judged_test(session, KB, DIP_MEASURED_LEVEL)
    assert level is not None and level[1].levels["hip_drop"] == "marked"
    assert level[0] == answers()
    assert only_video is not None and only_video[0] is None
    assert only_video[1].levels["hip_drop"] == "mild"
    assert dip is not None and dip[1].levels["hip_drop"] == "none"


async def test_the_coach_s_list_and_overview_show_the_measured_finding(db: Database) -> None:
    async with db.transaction() as session:
        role, group_id = await four_athletes(session)
    async with db.transaction() as session:
        entries = await console.roster(session, KB, role, NOW)
        group = await session.get_one(TrainingGroup, group_id)
        overview = await coaches.group_overview(session, KB, group, NOW)
        counts = await coaches.stats(session, KB, role)
    listed = {e.name: (e.tested, "hip_drop" in e.found) for e in entries}
    assert listed == {
        "Level by eye": (True, True),
        "Only a video": (False, True),
        "Dip by eye": (True, False),
        "Only by eye": (True, True),
    }
    untested = console.filtered(entries, console.Filter.UNTESTED, NOW)
    assert [e.name for e in untested] == ["Only a video"]  # the self-test is still to do
    lines = {m.name: (m.tested, "hip_drop" in m.found) for m in overview.members}
    assert lines == listed
    header, *rows = coaches.overview_csv_rows(overview)
    csv = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert "hip_drop=marked" in csv["Level by eye"]["findings"].split(";")
    assert "hip_drop=none" in csv["Dip by eye"]["findings"].split(";")
    assert counts.tested == 3


async def test_the_finding_audience_reads_the_measured_finding(db: Database) -> None:
    async with db.transaction() as session:
        role, _ = await four_athletes(session)
    async with db.transaction() as session:
        found = await broadcasts.recipient_ids(session, KB, role, Audience.FINDING, "hip_drop")
    assert found == [LEVEL_MEASURED_MARKED, NO_TEST_MEASURED_MILD, BY_EYE_ONLY]
