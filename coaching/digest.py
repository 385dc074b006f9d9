"""A coach's week in numbers, per group: who joined, who tested, who trained, who needs a word.

Read on Monday morning by the weekly digest (`scheduler.digest` plans it,
`scheduler.coach_messages` words it) so a coach with forty athletes knows
where to look without opening every card. The flags are the console's own
filters (`coaching.console`), counted over current members.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import console, pain
from coaching.coach_models import GroupMembership
from coaching.coaches import Role, my_groups
from coaching.models import SelftestResult
from coaching.reminders.checkins import STRENGTH_GOAL
from coaching.reminders.models import Checkin
from coaching.scoring import assess
from knowledge.schema import KnowledgeBase

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class GroupWeek:
    name: str
    members: int
    joined: int
    tests: int
    """Self-tests done in the week with enough answers (`Assessment.enough`): an
    all-skipped test is no test, as in "not tested yet"."""
    strong: int
    """Members who did 2+ strength sessions in the week (as they answered the check-in)."""
    answered: int
    untested: int
    behind: int
    silent: int
    pain: int


@dataclass
class Digest:
    week_start: dt.date
    groups: list[GroupWeek] = field(default_factory=list)


async def judged_tests(
    session: AsyncSession, kb: KnowledgeBase, members: Sequence[int], since: dt.datetime
) -> int:
    """The members' self-tests since `since` that had enough answers to judge a finding."""
    answers = await session.scalars(
        select(SelftestResult.answers).where(
            SelftestResult.athlete_id.in_(members), SelftestResult.created_at > since
        )
    )
    return sum(1 for given in answers if assess(kb, given or {}).enough)


async def week_of(
    session: AsyncSession, kb: KnowledgeBase, role: Role, week_start: dt.date, now: dt.datetime
) -> Digest:
    """The week that began on `week_start` (the Monday before the digest's), per group."""
    since = now - WEEK
    found = Digest(week_start)
    for group in await my_groups(session, role):
        members = await console.member_ids(session, role, group.id)
        flagged = await pain.flagged(session, members, now)
        entries = await console.roster(session, kb, role, now, group.id, flagged)
        current = [e for e in entries if not e.departed]
        joined = await session.scalar(
            select(func.count())
            .select_from(GroupMembership)
            .where(GroupMembership.group_id == group.id, GroupMembership.joined_at > since)
        )
        tests = await judged_tests(session, kb, members, since)
        rows = await session.execute(
            select(Checkin.strength_sessions).where(
                Checkin.athlete_id.in_(members), Checkin.week_start == week_start
            )
        )
        answers = [int(n) for (n,) in rows.tuples()]
        found.groups.append(
            GroupWeek(
                name=group.name,
                members=len(current),
                joined=int(joined or 0),
                tests=tests,
                strong=sum(1 for n in answers if n >= STRENGTH_GOAL),
                answered=len(answers),
                untested=len(console.filtered(current, console.Filter.UNTESTED, now)),
                behind=len(console.filtered(current, console.Filter.STRENGTH, now)),
                silent=len(console.filtered(current, console.Filter.SILENT, now)),
                pain=len(console.filtered(current, console.Filter.PAIN, now)),
            )
        )
    return found
