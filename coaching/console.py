"""The coach's console: who is in my groups, how each athlete is doing, whom to nudge.

A coach with 40 athletes needs three things the old one-message overview could
not give: the whole list (paged by `coaching.paging`, never cut), one athlete
at a time in detail (`card`), and the few who need a word from them (`Filter`)
with a way to send it (`nudge`, an ordinary broadcast). What an athlete shared
is shown only to the coach of a group they are in: joining a group is their
consent to share, leaving it ends it, so the card of someone who left is None.

The list marks athletes who blocked the bot (Telegram refuses to deliver to
them, so the dispatcher made them inactive) and athletes who left: a
membership row goes when its athlete leaves, taking their consent with it, so
a departure is known from the group broadcasts they were sent as a member.
Nothing but their name is shown for them.

Nothing here imports Telegram; `bot.handlers.console` renders it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox
from coaching.broadcasts import LIFETIME, Report
from coaching.cadence.store import recent_runs
from coaching.coach_models import Broadcast, Coach, GroupChat, GroupMembership, TrainingGroup
from coaching.coaches import ADHERENCE_WEEKS, FOUND_LEVELS, Role, adherence_weeks
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders.checkins import STRENGTH_GOAL
from coaching.reminders.models import Checkin, WarmupAck
from coaching.scoring import assess, compare
from coaching.video.findings import AthleteFindings, findings_of
from coaching.video.store import MeasuredForm, measured_form
from knowledge.schema import FAULT_IDS, KnowledgeBase

SILENT_AFTER = dt.timedelta(days=14)
WARMUP_WINDOW = dt.timedelta(weeks=ADHERENCE_WEEKS)
BEHIND_BELOW = 2
"""Behind on strength: fewer than this many of the last `ADHERENCE_WEEKS` weeks had 2+ sessions."""
CADENCE_RUNS = 6
NUDGE_AUDIENCE = "nudge"
BROADCAST_KINDS = (Kind.BROADCAST, Kind.GROUP_POST)
PROBLEM_STATUSES = (Status.BLOCKED, Status.FAILED, Status.UNKNOWN, Status.EXPIRED, Status.SKIPPED)


class Filter(StrEnum):
    """Which athletes of the list to show (and nudge)."""

    ALL = "all"
    UNTESTED = "untested"  # no self-test with enough answers yet
    STRENGTH = "strength"  # behind on strength sessions
    SILENT = "silent"  # nothing from them for 14+ days
    PAIN = "pain"  # reported pain (when the pain log exists)


NUDGE_FILTERS = (Filter.UNTESTED, Filter.STRENGTH, Filter.SILENT, Filter.PAIN)


class EmptyAudience(Exception):
    """Nobody to send to: the filter matches no reachable athlete."""


class AlreadySent(Exception):
    """This nudge was already sent from the same preview (a double tap)."""


# --------------------------------------------------------------------- the list


@dataclass(frozen=True)
class ListEntry:
    """One line of the coach's athlete list."""

    athlete_id: int
    name: str
    tested: bool = False
    found: tuple[str, ...] = ()
    good_weeks: int = 0
    last_seen: dt.datetime | None = None
    blocked: bool = False
    departed: bool = False
    pain: bool = False

    def silent(self, now: dt.datetime) -> bool:
        return self.last_seen is None or now - self.last_seen >= SILENT_AFTER

    @property
    def reachable(self) -> bool:
        """A broadcast can reach them: still a member, and the bot is not blocked."""
        return not (self.blocked or self.departed)


def _groups_of(role: Role, group_id: int | None) -> ColumnElement[bool]:
    condition = TrainingGroup.coach_id == role.user_id
    if group_id is not None:
        condition = and_(condition, TrainingGroup.id == group_id)
    return condition


async def member_ids(session: AsyncSession, role: Role, group_id: int | None = None) -> list[int]:
    """The athletes in this coach's groups (or in one of them)."""
    found = await session.scalars(
        select(GroupMembership.athlete_id)
        .join(TrainingGroup, TrainingGroup.id == GroupMembership.group_id)
        .where(_groups_of(role, group_id))
        .distinct()
    )
    return list(found.all())


async def _departed_ids(
    session: AsyncSession, role: Role, group_id: int | None, members: Collection[int]
) -> list[int]:
    """Athletes who were sent this coach's group broadcasts as members and are members no more."""
    audience: ColumnElement[bool]
    if group_id is None:
        audience = Broadcast.audience.in_(("group", "mine"))
    else:
        audience = and_(Broadcast.audience == "group", Broadcast.audience_ref == str(group_id))
    found = await session.scalars(
        select(Delivery.athlete_id)
        .join(Broadcast, Broadcast.id == Delivery.ref_id)
        .where(
            Delivery.kind == Kind.BROADCAST,
            Delivery.athlete_id.is_not(None),
            Broadcast.coach_id == role.user_id,
            audience,
        )
        .distinct()
    )
    return sorted({a for a in found.all() if a is not None} - set(members))


async def _good_weeks(
    session: AsyncSession, ids: Sequence[int], now: dt.datetime
) -> dict[int, int]:
    good: dict[int, int] = {}
    weeks = adherence_weeks(now.date())
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(Checkin.athlete_id, func.count())
            .where(
                Checkin.athlete_id.in_(ids[start : start + 500]),
                Checkin.week_start.in_(weeks),
                Checkin.strength_sessions >= STRENGTH_GOAL,
            )
            .group_by(Checkin.athlete_id)
        )
        good.update({athlete_id: int(n) for athlete_id, n in rows.tuples()})
    return good


async def _athletes(session: AsyncSession, ids: Sequence[int]) -> dict[int, Athlete]:
    found: dict[int, Athlete] = {}
    for start in range(0, len(ids), 500):
        rows = await session.scalars(
            select(Athlete).where(Athlete.id.in_(ids[start : start + 500]))
        )
        found.update({athlete.id: athlete for athlete in rows})
    return found


async def roster(
    session: AsyncSession,
    kb: KnowledgeBase,
    role: Role,
    now: dt.datetime,
    group_id: int | None = None,
    pain: Collection[int] = frozenset(),
) -> list[ListEntry]:
    """Every athlete of the coach's groups (or one group), by name; those who left last.

    `pain` holds the ids of athletes with a pain flag, when the pain log exists. An
    athlete whose tests all had not enough answers is not tested; what was found is
    read as their plan reads it, a measured hip drop over the answers (`findings_of`).
    """
    members = await member_ids(session, role, group_id)
    departed = await _departed_ids(session, role, group_id, members)
    people = await _athletes(session, [*members, *departed])
    findings = await findings_of(session, kb, members)
    good = await _good_weeks(session, members, now)
    entries = [
        ListEntry(
            athlete_id=athlete_id,
            name=people[athlete_id].first_name,
            tested=athlete_id in findings and findings[athlete_id].tested,
            found=_found(findings.get(athlete_id)),
            good_weeks=good.get(athlete_id, 0),
            last_seen=people[athlete_id].last_seen_at,
            blocked=not people[athlete_id].active,
            pain=athlete_id in pain,
        )
        for athlete_id in members
        if athlete_id in people
    ]
    entries.sort(key=lambda e: (e.name.casefold(), e.athlete_id))
    gone = [
        ListEntry(
            athlete_id=a,
            name=people[a].first_name,
            blocked=not people[a].active,
            departed=True,
        )
        for a in departed
        if a in people
    ]
    gone.sort(key=lambda e: (e.name.casefold(), e.athlete_id))
    return entries + gone


def _found(athlete: AthleteFindings | None) -> tuple[str, ...]:
    """The faults found (mild or marked), a measured hip drop over the by-eye answer."""
    if athlete is None:
        return ()
    return tuple(sorted(f for f, lvl in athlete.levels.items() if lvl in FOUND_LEVELS))


def matches(entry: ListEntry, which: Filter, now: dt.datetime) -> bool:
    """Whether an entry belongs in a filtered list; the filters show current members only."""
    if which is Filter.ALL:
        return True
    if entry.departed:
        return False
    if which is Filter.UNTESTED:
        return not entry.tested
    if which is Filter.STRENGTH:
        return entry.good_weeks < BEHIND_BELOW
    if which is Filter.SILENT:
        return entry.silent(now)
    return entry.pain


def filtered(entries: Sequence[ListEntry], which: Filter, now: dt.datetime) -> list[ListEntry]:
    return [entry for entry in entries if matches(entry, which, now)]


# --------------------------------------------------------------------- one athlete


@dataclass(frozen=True)
class FindingTrend:
    """One fault over the athlete's self-tests with enough answers, oldest first."""

    fault: str
    levels: tuple[str, ...]
    """none / mild / marked, or "untested" where a test could not judge the fault."""
    change: int | None = None
    """-1 better, 0 same, +1 worse at the latest test, against the latest earlier test
    that judged the fault (`coaching.scoring.compare`); None when the latest test did
    not judge it, or no earlier test did."""


def finding_trends(kb: KnowledgeBase, history: Sequence[Mapping[str, str]]) -> list[FindingTrend]:
    """The trend of each fault ever found, from each test's answers (oldest first).

    Tests are judged as the self-test summary judges them (`assess`, then `compare`):
    a test with not enough answers is left out, and a fault a test could not judge is
    "untested" there, never fine.
    """
    judged = [found for found in (assess(kb, answers) for answers in history) if found.enough]
    if not judged:
        return []
    changes = compare(judged[:-1], judged[-1]).changes
    trends: list[FindingTrend] = []
    for fault in FAULT_IDS:
        levels = tuple(found.levels[fault] for found in judged)
        if any(level in FOUND_LEVELS for level in levels):
            trends.append(FindingTrend(fault, levels, changes.get(fault)))
    return trends


@dataclass(frozen=True)
class WarmupTally:
    """Warm-up reminders sent in the window and what the athlete answered."""

    done: int = 0
    skipped: int = 0
    unanswered: int = 0

    @property
    def sent(self) -> int:
        return self.done + self.skipped + self.unanswered


@dataclass(frozen=True)
class CadenceTrend:
    """The latest runs' average cadence (steps/min), oldest first."""

    runs: tuple[tuple[dt.datetime, float], ...] = ()

    @property
    def change(self) -> float | None:
        if len(self.runs) < 2:
            return None
        return round(self.runs[-1][1] - self.runs[0][1], 1)


@dataclass
class AthleteCard:
    """What the coach sees of one athlete who shares with them."""

    athlete_id: int
    name: str
    groups: list[str]
    sharing_since: dt.datetime
    health_consent: bool
    blocked: bool
    last_seen: dt.datetime | None
    tests: list[dt.datetime] = field(default_factory=list)
    answers: list[dict[str, str]] = field(default_factory=list)
    """Each test's answers, oldest first: `trends` judges them."""
    warmups: WarmupTally = field(default_factory=WarmupTally)
    strength_weeks: list[tuple[dt.date, int | None]] = field(default_factory=list)
    """(Monday, sessions answered or None), the current week first."""
    cadence: CadenceTrend = field(default_factory=CadenceTrend)
    pain: bool | None = None
    """None when the bot keeps no pain log."""
    video: MeasuredForm | None = None
    """The latest running form measured from video; None if never."""

    @property
    def good_weeks(self) -> int:
        return sum(1 for _, n in self.strength_weeks if n is not None and n >= STRENGTH_GOAL)

    def trends(self, kb: KnowledgeBase) -> list[FindingTrend]:
        """Each fault ever found, over the tests with enough answers (`finding_trends`)."""
        return finding_trends(kb, self.answers)


async def card(
    session: AsyncSession,
    role: Role,
    athlete_id: int,
    now: dt.datetime,
    pain: bool | None = None,
) -> AthleteCard | None:
    """The athlete's card, or None unless they are in one of this coach's groups."""
    rows = (
        await session.execute(
            select(TrainingGroup.name, GroupMembership.consent_at)
            .join(GroupMembership, GroupMembership.group_id == TrainingGroup.id)
            .where(TrainingGroup.coach_id == role.user_id, GroupMembership.athlete_id == athlete_id)
            .order_by(TrainingGroup.id)
        )
    ).tuples()
    memberships = list(rows)
    athlete = await session.get(Athlete, athlete_id) if memberships else None
    if athlete is None:
        return None
    found = AthleteCard(
        athlete_id=athlete.id,
        name=athlete.first_name,
        groups=[name for name, _ in memberships],
        sharing_since=min(consent for _, consent in memberships),
        health_consent=athlete.consent_at is not None,
        blocked=not athlete.active,
        last_seen=athlete.last_seen_at,
        pain=pain,
    )
    results = (
        await session.execute(
            select(SelftestResult.created_at, SelftestResult.answers)
            .where(SelftestResult.athlete_id == athlete_id)
            .order_by(SelftestResult.created_at, SelftestResult.id)
        )
    ).tuples()
    history = list(results)
    found.tests = [created for created, _ in history]
    found.answers = [dict(answers or {}) for _, answers in history]
    found.warmups = await _warmups(session, athlete_id, now)
    found.strength_weeks = await _strength(session, athlete_id, now)
    found.cadence = await _cadence(session, athlete_id)
    found.video = await measured_form(session, athlete_id)
    return found


async def _warmups(session: AsyncSession, athlete_id: int, now: dt.datetime) -> WarmupTally:
    sent = (
        await session.scalars(
            select(Delivery.id).where(
                Delivery.athlete_id == athlete_id,
                Delivery.kind == Kind.WARMUP,
                Delivery.status == Status.SENT,
                Delivery.due_at > now - WARMUP_WINDOW,
                Delivery.due_at <= now,
            )
        )
    ).all()
    if not sent:
        return WarmupTally()
    answers = (
        await session.scalars(
            select(WarmupAck.answer).where(
                WarmupAck.athlete_id == athlete_id, WarmupAck.delivery_id.in_(list(sent))
            )
        )
    ).all()
    done = sum(1 for a in answers if a == "done")
    skipped = sum(1 for a in answers if a == "skip")
    return WarmupTally(done, skipped, len(sent) - done - skipped)


async def _strength(
    session: AsyncSession, athlete_id: int, now: dt.datetime
) -> list[tuple[dt.date, int | None]]:
    weeks = adherence_weeks(now.date())
    rows = await session.execute(
        select(Checkin.week_start, Checkin.strength_sessions).where(
            Checkin.athlete_id == athlete_id, Checkin.week_start.in_(weeks)
        )
    )
    answered = dict(rows.tuples().all())
    return [(week, answered.get(week)) for week in weeks]


async def _cadence(session: AsyncSession, athlete_id: int) -> CadenceTrend:
    runs = await recent_runs(session, athlete_id, CADENCE_RUNS)
    return CadenceTrend(tuple((run.started_at, float(run.avg_cadence_spm)) for run in runs))


# --------------------------------------------------------------------- nudges


def nudge_ref(which: Filter, group_id: int | None) -> str:
    """How a nudge's audience is stored on its broadcast (`audience_ref`)."""
    return f"{which.value}:{group_id if group_id is not None else 'all'}"


def parse_nudge_ref(ref: str | None) -> tuple[Filter, int | None] | None:
    which, _, group = (ref or "").partition(":")
    if which not in Filter.__members__.values() or not (group == "all" or group.isdecimal()):
        return None
    return Filter(which), (int(group) if group != "all" else None)


async def nudge_recipients(
    session: AsyncSession,
    kb: KnowledgeBase,
    role: Role,
    which: Filter,
    group_id: int | None,
    now: dt.datetime,
    pain: Collection[int] = frozenset(),
) -> list[ListEntry]:
    """Who a nudge would reach now: the filter's members that a message can reach."""
    entries = await roster(session, kb, role, now, group_id, pain)
    return [e for e in filtered(entries, which, now) if e.reachable]


async def nudge(
    session: AsyncSession,
    kb: KnowledgeBase,
    role: Role,
    which: Filter,
    group_id: int | None,
    text_html: str,
    now: dt.datetime,
    asked_at: dt.datetime,
    pain: Collection[int] = frozenset(),
) -> Broadcast:
    """Send `text_html` to the filtered athletes as an ordinary broadcast, from now.

    `asked_at` is when the preview was shown: a second tap on the same preview
    (on any instance; the coach's row is locked meanwhile) finds the nudge sent.
    """
    if which is Filter.ALL:
        raise EmptyAudience(which)
    await session.scalar(select(Coach).where(Coach.user_id == role.user_id).with_for_update())
    ref = nudge_ref(which, group_id)
    earlier = await session.scalar(
        select(Broadcast.id).where(
            Broadcast.coach_id == role.user_id,
            Broadcast.audience == NUDGE_AUDIENCE,
            Broadcast.audience_ref == ref,
            Broadcast.created_at >= asked_at,
        )
    )
    if earlier is not None:
        raise AlreadySent(earlier)
    recipients = await nudge_recipients(session, kb, role, which, group_id, now, pain)
    if not recipients:
        raise EmptyAudience(which)
    broadcast = Broadcast(
        coach_id=role.user_id,
        text_html=text_html,
        audience=NUDGE_AUDIENCE,
        audience_ref=ref,
        recipients=len(recipients),
        send_at=now,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    await outbox.insert(
        session,
        [
            outbox.planned(
                Kind.BROADCAST,
                f"b{broadcast.id}",
                now,
                now,
                athlete_id=entry.athlete_id,
                expires=now + LIFETIME,
                ref_id=broadcast.id,
            )
            for entry in recipients
        ],
    )
    return broadcast


# --------------------------------------------------------------------- delivery reports


@dataclass(frozen=True)
class Problem:
    """A recipient the broadcast did not reach, or may not have: who, and why."""

    name: str
    chat: bool
    """A linked group chat rather than an athlete."""
    status: str
    error: str | None
    recipient_id: int


@dataclass
class DeliveryReport:
    """A broadcast's outcome, athletes and group chats counted apart, problems named."""

    broadcast: Broadcast
    athletes: Report
    chats: Report
    problems: list[Problem] = field(default_factory=list)


async def delivery_report(session: AsyncSession, broadcast: Broadcast) -> DeliveryReport:
    found = DeliveryReport(broadcast, Report(broadcast), Report(broadcast))
    counts = await session.execute(
        select(Delivery.chat_id.is_not(None), Delivery.status, func.count())
        .where(Delivery.kind.in_(BROADCAST_KINDS), Delivery.ref_id == broadcast.id)
        .group_by(Delivery.chat_id.is_not(None), Delivery.status)
    )
    for is_chat, status, count in counts.tuples():
        (found.chats if is_chat else found.athletes).add(status, int(count))
    rows = await session.execute(
        select(Delivery.athlete_id, Delivery.chat_id, Delivery.status, Delivery.error, Athlete)
        .outerjoin(Athlete, Athlete.id == Delivery.athlete_id)
        .where(
            Delivery.kind.in_(BROADCAST_KINDS),
            Delivery.ref_id == broadcast.id,
            Delivery.status.in_(PROBLEM_STATUSES),
        )
        .order_by(Delivery.id)
    )
    chat_ids: set[int] = set()
    collected: list[tuple[int | None, int | None, str, str | None, Athlete | None]] = []
    for row in rows.tuples():
        collected.append(row)
        if row[1] is not None:
            chat_ids.add(row[1])
    titles: dict[int, str] = {}
    if chat_ids:
        titled = await session.execute(
            select(GroupChat.chat_id, GroupChat.title).where(GroupChat.chat_id.in_(chat_ids))
        )
        titles = dict(titled.tuples().all())
    for athlete_id, chat_id, status, error, person in collected:
        if chat_id is not None:
            found.problems.append(
                Problem(titles.get(chat_id) or str(chat_id), True, status, error, chat_id)
            )
        elif athlete_id is not None:
            name = person.first_name if person is not None else ""
            found.problems.append(
                Problem(name or str(athlete_id), False, status, error, athlete_id)
            )
    return found


# --------------------------------------------------------------------- /broadcasts order


async def broadcast_order(session: AsyncSession, role: Role, now: dt.datetime) -> list[int]:
    """The coach's broadcast ids: those still waiting to go out first (soonest first),
    then the rest, newest first. Ids only, so that a page loads only its own reports."""
    waiting = exists().where(
        Delivery.kind.in_(BROADCAST_KINDS),
        Delivery.ref_id == Broadcast.id,
        Delivery.status.in_(outbox.WAITING),
    )
    rows = await session.execute(
        select(Broadcast.id, Broadcast.send_at, Broadcast.cancelled_at.is_(None) & waiting).where(
            Broadcast.coach_id == role.user_id
        )
    )
    pending: list[tuple[dt.datetime, int]] = []
    history: list[int] = []
    for broadcast_id, send_at, is_pending in rows.tuples():
        if is_pending:
            pending.append((send_at, broadcast_id))
        else:
            history.append(broadcast_id)
    return [b for _, b in sorted(pending)] + sorted(history, reverse=True)
