"""What a coach reads about self-tests counts only tests with enough answers.

The group overview and its CSV, the "by finding" broadcast audience and the
digest's count of tests judge each stored result from its answers (`assess`),
as /plan and the console do: an all-skipped test is no test, and a result saved
when a skip counted as "fine" neither hides an earlier finding nor clears it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts, coaches, digest
from coaching.broadcasts import Audience
from coaching.coach_models import TrainingGroup
from coaching.coaches import Role
from coaching.db import Database
from tests.coaching.test_console import (
    ALL_SKIPPED,
    HIP_DROP_MILD,
    KB,
    NOW,
    answers,
    athlete,
    coach_with_group,
    member,
    result,
)

SKIPPED_ALL, SKIPPED_RETEST, BETTER = 401, 402, 403


async def three_athletes(session: AsyncSession) -> tuple[Role, int]:
    """One whose only test was all skipped, one whose retest was, one who got better."""
    role, group_id = await coach_with_group(session)
    session.add_all(
        [
            athlete(SKIPPED_ALL, "Skipped all"),
            athlete(SKIPPED_RETEST, "Skipped the retest"),
            athlete(BETTER, "Better"),
        ]
    )
    await session.flush()
    session.add_all([member(group_id, a) for a in (SKIPPED_ALL, SKIPPED_RETEST, BETTER)])
    session.add(result(SKIPPED_ALL, ALL_SKIPPED, days_ago=3))
    session.add(result(SKIPPED_RETEST, answers(**HIP_DROP_MILD), days_ago=30))
    session.add(result(SKIPPED_RETEST, ALL_SKIPPED, days_ago=2))
    session.add(result(BETTER, answers(**HIP_DROP_MILD), days_ago=30))
    session.add(result(BETTER, answers(), days_ago=2))
    return role, group_id


async def test_the_overview_and_its_csv_count_only_tests_with_enough_answers(
    db: Database,
) -> None:
    async with db.transaction() as session:
        _, group_id = await three_athletes(session)
    async with db.transaction() as session:
        group = await session.get_one(TrainingGroup, group_id)
        overview = await coaches.group_overview(session, KB, group, NOW)
    lines = {m.name: (m.tested, m.found) for m in overview.members}
    assert lines == {
        "Skipped all": (False, []),
        "Skipped the retest": (True, ["hip_drop"]),
        "Better": (True, []),
    }
    header, *rows = coaches.overview_csv_rows(overview)
    csv = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert csv["Skipped all"]["self_test_done"] == "no"
    assert csv["Skipped all"]["findings"] == ""
    assert csv["Skipped the retest"]["self_test_done"] == "yes"
    assert "hip_drop=mild" in csv["Skipped the retest"]["findings"].split(";")
    assert "hip_drop=none" in csv["Better"]["findings"].split(";")


async def test_stats_count_athletes_with_a_test_that_had_enough_answers(db: Database) -> None:
    async with db.transaction() as session:
        role, _ = await three_athletes(session)
    async with db.transaction() as session:
        counts = await coaches.stats(session, KB, role)
    assert (counts.members, counts.tested) == (3, 2)


async def test_the_finding_audience_reads_each_athletes_latest_judged_test(
    db: Database,
) -> None:
    """An all-skipped retest (saved with every fault "fine") keeps the finding of the test
    before; an athlete whose only test was all skipped has no finding to be reached by."""
    async with db.transaction() as session:
        role, _ = await three_athletes(session)
    async with db.transaction() as session:
        found = await broadcasts.recipient_ids(session, KB, role, Audience.FINDING, "hip_drop")
    assert found == [SKIPPED_RETEST]


async def test_the_digest_counts_only_tests_with_enough_answers(db: Database) -> None:
    async with db.transaction() as session:
        role, _ = await three_athletes(session)
    week_start = NOW.date() - dt.timedelta(days=NOW.weekday() + 7)
    async with db.transaction() as session:
        week = await digest.week_of(session, KB, role, week_start, NOW)
    [group] = week.groups
    assert group.tests == 1, "of three tests this week, two were all skipped"
