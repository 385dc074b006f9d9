"""Coaches and their training groups: who may coach, invites, groups, members, overview.

Every coach action starts with `authorise(session, admin_ids, user_id)`, which
answers from the database (and the configured admin ids) by numeric user id;
a non-coach gets None and the caller changes nothing. Admins are coaches by
configuration: they get a `coach` row the first time they act, and lose the
role when they leave ADMIN_IDS. Everyone else becomes a coach by redeeming a
one-time invite (`/invite_coach`); only the token's SHA-256 is stored.

Athletes join a group through its join code and only after agreeing to share
their self-test results and check-ins with that group's coach; what a coach
sees (`overview`) is limited to the members of their own groups. An athlete
may leave a group at any time (`leave_group`): that withdraws the consent, so
the coach no longer sees them, and their copies of the coach's broadcasts that
have not gone out yet are cancelled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import pain
from coaching.coach_models import (
    GROUP_NAME_MAX,
    GROUP_NAME_STORED,
    JOIN_CODE_LENGTH,
    Broadcast,
    Coach,
    CoachInvite,
    GroupChat,
    GroupMembership,
    TrainingGroup,
)
from coaching.group_names import graphemes, name_key
from coaching.models import Athlete
from coaching.names import clean_name
from coaching.outbox import Delivery
from coaching.reminders.checkins import STRENGTH_GOAL
from coaching.reminders.models import Checkin
from coaching.video.findings import findings_of
from knowledge.schema import KnowledgeBase

INVITE_LIFETIME = dt.timedelta(days=2)
INVITE_PREFIX = "coach_"
JOIN_PREFIX = "grp_"
ADHERENCE_WEEKS = 4
FOUND_LEVELS = frozenset({"mild", "marked"})
_CODE_ALPHABET = string.ascii_letters + string.digits
_CODE_CHARS = frozenset(_CODE_ALPHABET)


class Via(StrEnum):
    ADMIN = "admin"
    INVITE = "invite"


@dataclass(frozen=True)
class Role:
    """An authorised coach: their user id, and whether they are an admin."""

    user_id: int
    admin: bool


class InvalidName(ValueError):
    """A group name that is empty or too long."""


class NameTaken(ValueError):
    """Another of the coach's groups (not archived) has this name, in any case."""


async def authorise(session: AsyncSession, admin_ids: Collection[int], user_id: int) -> Role | None:
    """The caller's coach role, or None: every coach command starts here."""
    row = await session.get(Coach, user_id)
    if user_id in admin_ids:
        if row is None:
            session.add(Coach(user_id=user_id, via=Via.ADMIN))
            await session.flush()
        return Role(user_id, admin=True)
    if row is not None and row.via == Via.INVITE and row.revoked_at is None:
        return Role(user_id, admin=False)
    return None


# --------------------------------------------------------------------- invites


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def random_code(length: int) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


async def create_invite(session: AsyncSession, role: Role, now: dt.datetime) -> str:
    """A fresh invite token (shown once, stored hashed), valid for `INVITE_LIFETIME`."""
    token = secrets.token_urlsafe(24)
    session.add(
        CoachInvite(
            token_hash=_hash(token),
            created_by=role.user_id,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
        )
    )
    await session.flush()
    return token


class InviteOutcome(StrEnum):
    ACCEPTED = "accepted"
    ALREADY = "already"  # the user is a coach already; the invite stays unused
    INVALID = "invalid"  # unknown, used or expired


async def redeem_invite(
    session: AsyncSession, admin_ids: Collection[int], token: str, user_id: int, now: dt.datetime
) -> InviteOutcome:
    """Make `user_id` a coach if `token` is a live invite; the invite is then spent."""
    if await authorise(session, admin_ids, user_id) is not None:
        return InviteOutcome.ALREADY
    invite = await session.scalar(
        select(CoachInvite).where(CoachInvite.token_hash == _hash(token)).with_for_update()
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return InviteOutcome.INVALID
    inviter = await authorise(session, admin_ids, invite.created_by)
    if inviter is None:  # the inviting coach lost the role meanwhile
        return InviteOutcome.INVALID
    invite.used_at, invite.used_by = now, user_id
    row = await session.get(Coach, user_id)
    if row is None:
        session.add(Coach(user_id=user_id, via=Via.INVITE, invited_by=invite.created_by))
    else:
        row.via, row.revoked_at, row.invited_by = Via.INVITE, None, invite.created_by
    await session.flush()
    return InviteOutcome.ACCEPTED


# --------------------------------------------------------------------- groups


def clean_group_name(raw: str) -> str:
    """A group name: invisible characters out, whitespace collapsed, 1..GROUP_NAME_MAX
    characters as a coach counts them (grapheme clusters)."""
    name = clean_name(raw)
    if not name or graphemes(name) > GROUP_NAME_MAX or len(name) > GROUP_NAME_STORED:
        raise InvalidName(name)
    return name


async def _check_free(
    session: AsyncSession, role: Role, name: str, keep: int | None = None
) -> None:
    """Raise NameTaken if another live group of this coach is called `name` (any case)."""
    clash = await session.scalar(
        select(TrainingGroup.id).where(
            TrainingGroup.coach_id == role.user_id,
            TrainingGroup.name_key == name_key(name),
            TrainingGroup.archived_at.is_(None),
            TrainingGroup.id != (keep if keep is not None else -1),
        )
    )
    if clash is not None:
        raise NameTaken(name)


def valid_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and set(code) <= _CODE_CHARS


async def create_group(
    session: AsyncSession, role: Role, raw_name: str, now: dt.datetime
) -> TrainingGroup:
    """A new group; InvalidName or NameTaken when the name cannot be used."""
    name = clean_group_name(raw_name)
    await _check_free(session, role, name)
    group = TrainingGroup(
        coach_id=role.user_id,
        name=name,
        join_code=random_code(JOIN_CODE_LENGTH),
        created_at=now,
    )
    session.add(group)
    await session.flush()
    return group


async def rename_group(
    session: AsyncSession, role: Role, group: TrainingGroup, raw_name: str
) -> str:
    """Give the coach's group a new name (its old one is free again); InvalidName, NameTaken."""
    name = clean_group_name(raw_name)
    await _check_free(session, role, name, keep=group.id)
    group.name = name
    await session.flush()
    return name


async def archive_group(group: TrainingGroup, now: dt.datetime) -> None:
    """Take the group out of the coach's lists and choices; members and their data stay."""
    if group.archived_at is None:
        group.archived_at = now


async def my_groups(
    session: AsyncSession, role: Role, archived: bool = False
) -> Sequence[TrainingGroup]:
    """The coach's groups in order of creation, the archived ones only if asked for."""
    query = select(TrainingGroup).where(TrainingGroup.coach_id == role.user_id)
    if not archived:
        query = query.where(TrainingGroup.archived_at.is_(None))
    return (await session.scalars(query.order_by(TrainingGroup.id))).all()


async def my_group(session: AsyncSession, role: Role, group_id: int) -> TrainingGroup | None:
    """The group if it is this coach's own; a coach never reaches another coach's group."""
    group = await session.get(TrainingGroup, group_id)
    return group if group is not None and group.coach_id == role.user_id else None


async def group_by_code(session: AsyncSession, code: str) -> TrainingGroup | None:
    if not valid_code(code):
        return None
    found = await session.scalars(
        select(TrainingGroup).where(
            TrainingGroup.join_code == code, TrainingGroup.archived_at.is_(None)
        )
    )
    return found.first()


async def join_group(
    session: AsyncSession, group: TrainingGroup, athlete_id: int, now: dt.datetime
) -> bool:
    """Add the athlete with consent given now; False if they were a member already."""
    existing = await session.get(GroupMembership, (group.id, athlete_id))
    if existing is not None:
        existing.consent_at = now
        return False
    session.add(
        GroupMembership(group_id=group.id, athlete_id=athlete_id, consent_at=now, joined_at=now)
    )
    await session.flush()
    return True


async def is_member(session: AsyncSession, group_id: int, athlete_id: int) -> bool:
    return await session.get(GroupMembership, (group_id, athlete_id)) is not None


async def member_groups(session: AsyncSession, athlete_id: int) -> Sequence[TrainingGroup]:
    """The groups this athlete belongs to (and so shares results with)."""
    return (
        await session.scalars(
            select(TrainingGroup)
            .join(GroupMembership, GroupMembership.group_id == TrainingGroup.id)
            .where(GroupMembership.athlete_id == athlete_id)
            .order_by(TrainingGroup.id)
        )
    ).all()


async def leave_group(
    session: AsyncSession,
    athlete_id: int,
    group_id: int,
    now: dt.datetime,
    admin_ids: Collection[int] = frozenset(),
) -> TrainingGroup | None:
    """Remove the athlete's own membership (and so their consent); None if they had none.

    Only the row of `athlete_id` is touched, so a forged group id changes nothing.
    Their pending copies of broadcasts they would no longer get are cancelled: those
    to this group, and those to all of the coach's groups or (a non-admin coach's)
    athletes with a finding, unless they are still in another of that coach's groups.
    """
    membership = await session.get(GroupMembership, (group_id, athlete_id))
    group = await session.get(TrainingGroup, group_id) if membership is not None else None
    if membership is None or group is None:
        return None
    await session.delete(membership)
    await session.flush()
    still_coached = await session.scalar(
        select(func.count())
        .select_from(GroupMembership)
        .join(TrainingGroup, TrainingGroup.id == GroupMembership.group_id)
        .where(GroupMembership.athlete_id == athlete_id, TrainingGroup.coach_id == group.coach_id)
    )
    audiences: list[ColumnElement[bool]] = [
        (Broadcast.audience == "group") & (Broadcast.audience_ref == str(group_id))
    ]
    if not still_coached:
        audiences.append(Broadcast.audience == "mine")
        if group.coach_id not in admin_ids:
            audiences.append(Broadcast.audience == "finding")
    lost = select(Broadcast.id).where(Broadcast.coach_id == group.coach_id, or_(*audiences))
    await session.execute(
        update(Delivery)
        .where(
            Delivery.athlete_id == athlete_id,
            Delivery.kind == "broadcast",
            Delivery.status == "pending",
            Delivery.ref_id.in_(lost),
        )
        .values(status="cancelled", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return group


async def link_chat(
    session: AsyncSession, group: TrainingGroup, chat_id: int, title: str, by: int
) -> None:
    """Post this group's broadcasts in a Telegram group chat (relinking moves it)."""
    if chat_id >= 0:
        raise ValueError("only group chats (negative ids) can be linked")
    row = await session.get(GroupChat, chat_id)
    if row is None:
        session.add(GroupChat(chat_id=chat_id, group_id=group.id, title=title[:128], linked_by=by))
    else:
        row.group_id, row.title, row.linked_by = group.id, title[:128], by
    await session.flush()


async def unlink_chat(session: AsyncSession, chat_id: int) -> None:
    row = await session.get(GroupChat, chat_id)
    if row is not None:
        await session.delete(row)


async def unlink_group_chats(session: AsyncSession, group: TrainingGroup) -> int:
    """Stop posting this group's broadcasts in any group chat; how many chats were linked."""
    chats = await linked_chats(session, [group.id])
    for chat in chats.get(group.id, []):
        await session.delete(chat)
    await session.flush()
    return len(chats.get(group.id, []))


async def linked_chats(
    session: AsyncSession, group_ids: Collection[int]
) -> dict[int, list[GroupChat]]:
    """The group chats linked to each of these groups (a group without any is absent)."""
    found: dict[int, list[GroupChat]] = {}
    if not group_ids:
        return found
    rows = await session.scalars(
        select(GroupChat).where(GroupChat.group_id.in_(group_ids)).order_by(GroupChat.chat_id)
    )
    for chat in rows:
        found.setdefault(chat.group_id, []).append(chat)
    return found


async def member_counts(session: AsyncSession, group_ids: Collection[int]) -> dict[int, int]:
    """How many members each of these groups has (0 for none), in one query."""
    counts = dict.fromkeys(group_ids, 0)
    if group_ids:
        rows = await session.execute(
            select(GroupMembership.group_id, func.count())
            .where(GroupMembership.group_id.in_(group_ids))
            .group_by(GroupMembership.group_id)
        )
        counts.update({group_id: int(count) for group_id, count in rows.tuples()})
    return counts


# --------------------------------------------------------------------- overview


@dataclass
class MemberLine:
    athlete_id: int
    name: str
    tested: bool
    findings: dict[str, str]
    good_weeks: int
    active: bool
    pain: bool = False
    """A red-flag pain report whose pause is still running (`coaching.pain.flagged`)."""

    @property
    def found(self) -> list[str]:
        return sorted(f for f, level in self.findings.items() if level in FOUND_LEVELS)


@dataclass
class GroupOverview:
    group: TrainingGroup
    members: list[MemberLine] = field(default_factory=list)


def adherence_weeks(today: dt.date, weeks: int = ADHERENCE_WEEKS) -> list[dt.date]:
    """The Mondays of the last `weeks` weeks, the current one included."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=i) for i in range(weeks)]


async def group_overview(
    session: AsyncSession, kb: KnowledgeBase, group: TrainingGroup, now: dt.datetime
) -> GroupOverview:
    """Each member's line; "self-test done" comes from their newest test with enough
    answers, and the findings from it with a measured hip drop over it (`findings_of`),
    as their plan does."""
    members = (
        await session.scalars(
            select(Athlete)
            .join(GroupMembership, GroupMembership.athlete_id == Athlete.id)
            .where(GroupMembership.group_id == group.id)
            .order_by(Athlete.first_name, Athlete.id)
        )
    ).all()
    ids = [a.id for a in members]
    findings = await findings_of(session, kb, ids)
    weeks = adherence_weeks(now.date())
    good: dict[int, int] = {}
    if ids:
        rows = await session.execute(
            select(Checkin.athlete_id, func.count())
            .where(
                Checkin.athlete_id.in_(ids),
                Checkin.week_start.in_(weeks),
                Checkin.strength_sessions >= STRENGTH_GOAL,
            )
            .group_by(Checkin.athlete_id)
        )
        good = {athlete_id: int(n) for athlete_id, n in rows.tuples()}
    flagged = await pain.flagged(session, ids, now)
    overview = GroupOverview(group)
    for athlete in members:
        found = findings.get(athlete.id)
        overview.members.append(
            MemberLine(
                athlete_id=athlete.id,
                name=athlete.first_name,
                tested=found is not None and found.tested,
                findings=found.levels if found is not None else {},
                good_weeks=good.get(athlete.id, 0),
                active=athlete.active,
                pain=athlete.id in flagged,
            )
        )
    return overview


def overview_csv_rows(overview: GroupOverview) -> list[list[str]]:
    """The overview as CSV rows (header first); cells that look like formulas are defused."""
    header = [
        "athlete_id",
        "name",
        "self_test_done",
        "findings",
        "adherence_4_weeks",
        "active",
        "pain_flag",
    ]
    rows = [header]
    for m in overview.members:
        findings = ";".join(f"{f}={m.findings[f]}" for f in sorted(m.findings))
        rows.append(
            [
                str(m.athlete_id),
                _csv_safe(m.name),
                "yes" if m.tested else "no",
                findings,
                f"{m.good_weeks}/{ADHERENCE_WEEKS}",
                "yes" if m.active else "no",
                "yes" if m.pain else "no",
            ]
        )
    return rows


def _csv_safe(cell: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: prefix a quote."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@dataclass
class Stats:
    groups: int = 0
    members: int = 0
    tested: int = 0
    linked_chats: int = 0
    broadcasts: int = 0
    athletes: int | None = None  # admins only: the whole bot
    active: int | None = None
    coaches: int | None = None


async def stats(session: AsyncSession, kb: KnowledgeBase, role: Role) -> Stats:
    """The coach's counts; "tested" are members with a test that had enough answers."""
    result = Stats()
    group_ids = select(TrainingGroup.id).where(TrainingGroup.coach_id == role.user_id)
    result.groups = int(
        await session.scalar(
            select(func.count())
            .select_from(TrainingGroup)
            .where(TrainingGroup.coach_id == role.user_id)
        )
        or 0
    )
    member_ids = select(GroupMembership.athlete_id).where(GroupMembership.group_id.in_(group_ids))
    result.members = int(
        await session.scalar(
            select(func.count(func.distinct(GroupMembership.athlete_id))).where(
                GroupMembership.group_id.in_(group_ids)
            )
        )
        or 0
    )
    members = (await session.scalars(member_ids.distinct())).all()
    found = await findings_of(session, kb, members)
    result.tested = sum(1 for athlete in found.values() if athlete.tested)
    result.linked_chats = int(
        await session.scalar(
            select(func.count()).select_from(GroupChat).where(GroupChat.group_id.in_(group_ids))
        )
        or 0
    )
    result.broadcasts = int(
        await session.scalar(
            select(func.count()).select_from(Broadcast).where(Broadcast.coach_id == role.user_id)
        )
        or 0
    )
    if role.admin:
        result.athletes = int(await session.scalar(select(func.count()).select_from(Athlete)) or 0)
        result.active = int(
            await session.scalar(
                select(func.count()).select_from(Athlete).where(Athlete.active.is_(True))
            )
            or 0
        )
        result.coaches = int(await session.scalar(select(func.count()).select_from(Coach)) or 0)
    return result
