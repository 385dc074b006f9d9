"""Two-way broadcasts: an athlete's reply reaches the coach, the coach's answer comes back.

An athlete answers a broadcast by replying to it in Telegram (or with its
"Reply to coach" button, after which their next message is the reply); the
coach answers by replying to the relayed copy. Each pass is one
`relayed_message` row and one outbox row (`Kind.RELAY`, `ref_id` = the row),
sent by the dispatcher like any other delivery, so a relay survives a
restart, is sent at most once, and waits its turn under Telegram's limits:

- to the coach: `chat_id` = the coach's private chat, `athlete_id` = the
  athlete it is about, so the row is the athlete's (erased with them) and a
  coach who blocked the bot never makes the athlete inactive;
- to the athlete: `athlete_id` = the athlete, as any message to them.

Which conversation a Telegram reply belongs to is read from the message it
replies to: a broadcast copy or a relayed answer in the athlete's chat, a
relayed reply in the coach's chat (their Telegram message ids are on the
outbox rows that sent them). The text is kept only until its delivery is
settled (`forget_settled`); what stays is who wrote to whom about which
broadcast, which is what the broadcast's report counts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox
from coaching.broadcasts import LIFETIME
from coaching.coach_models import Broadcast, Coach
from coaching.console_models import RelayedMessage
from coaching.outbox import Delivery, Kind, Status
from knowledge.telegram_text import telegram_length

KIND = Kind.RELAY
MAX_TEXT = 3500
"""Room left in one Telegram message (4096) for the line that says who wrote and about what."""
SETTLED = (
    Status.SENT,
    Status.FAILED,
    Status.BLOCKED,
    Status.EXPIRED,
    Status.UNKNOWN,
    Status.SKIPPED,
    Status.CANCELLED,
)


class TooLong(ValueError):
    """Longer than a relayed message can carry; `args[0]` is its length."""


class Unavailable(Exception):
    """The conversation cannot go on: the coach is gone, or the message is not a relay."""


def check_text(text_html: str) -> None:
    """Refuse a text a relayed message could not carry whole (`TooLong`)."""
    length = telegram_length(text_html)
    if not text_html.strip() or length > MAX_TEXT or len(text_html) > 3 * MAX_TEXT:
        raise TooLong(length)


async def broadcast_replied_to(
    session: AsyncSession, athlete_id: int, message_id: int
) -> Broadcast | None:
    """The broadcast an athlete's Telegram reply is about, if it replies to one of ours.

    The replied-to message is the athlete's copy of a broadcast, or a coach's
    relayed answer (which is about a broadcast too). Another person's copy never
    matches: the outbox row must be this athlete's.
    """
    delivery = await session.scalar(
        select(Delivery).where(
            Delivery.athlete_id == athlete_id,
            Delivery.chat_id.is_(None),
            Delivery.kind.in_((Kind.BROADCAST, KIND)),
            Delivery.message_id == message_id,
        )
    )
    if delivery is None or delivery.ref_id is None:
        return None
    if delivery.kind == Kind.BROADCAST:
        return await session.get(Broadcast, delivery.ref_id)
    relayed = await session.get(RelayedMessage, delivery.ref_id)
    if relayed is None or relayed.broadcast_id is None:
        return None
    return await session.get(Broadcast, relayed.broadcast_id)


async def received_broadcast(session: AsyncSession, athlete_id: int, broadcast_id: int) -> bool:
    """Whether this broadcast was sent to this athlete (a "Reply to coach" button is theirs)."""
    found = await session.scalar(
        select(Delivery.id).where(
            Delivery.athlete_id == athlete_id,
            Delivery.kind == Kind.BROADCAST,
            Delivery.ref_id == broadcast_id,
            Delivery.status.in_((Status.SENT, Status.UNKNOWN)),
        )
    )
    return found is not None


def _row(relayed: RelayedMessage, now: dt.datetime) -> dict[str, object]:
    slot = f"r{relayed.id}"
    expires = now + LIFETIME
    if relayed.to_coach:
        row = outbox.planned(
            KIND, slot, now, now, chat_id=relayed.coach_id, expires=expires, ref_id=relayed.id
        )
        row["athlete_id"] = relayed.athlete_id  # the row is the athlete's, sent to the coach
        return row
    return outbox.planned(
        KIND, slot, now, now, athlete_id=relayed.athlete_id, expires=expires, ref_id=relayed.id
    )


async def to_coach(
    session: AsyncSession,
    athlete_id: int,
    broadcast: Broadcast,
    text_html: str,
    now: dt.datetime,
) -> RelayedMessage:
    """Pass the athlete's reply to the broadcast's coach (sent by the dispatcher)."""
    check_text(text_html)
    if await session.get(Coach, broadcast.coach_id) is None:
        raise Unavailable(broadcast.id)
    relayed = RelayedMessage(
        coach_id=broadcast.coach_id,
        athlete_id=athlete_id,
        broadcast_id=broadcast.id,
        to_coach=True,
        text_html=text_html,
        created_at=now,
    )
    session.add(relayed)
    await session.flush()
    await outbox.insert(session, [_row(relayed, now)])
    return relayed


async def reply_replied_to(
    session: AsyncSession, coach_id: int, message_id: int
) -> RelayedMessage | None:
    """The athlete's relayed reply a coach's Telegram reply answers, if it answers one."""
    relay_id = await session.scalar(
        select(Delivery.ref_id).where(
            Delivery.kind == KIND,
            Delivery.chat_id == coach_id,
            Delivery.message_id == message_id,
        )
    )
    if relay_id is None:
        return None
    relayed = await session.get(RelayedMessage, relay_id)
    return relayed if relayed is not None and relayed.coach_id == coach_id else None


async def to_athlete(
    session: AsyncSession, answered: RelayedMessage, text_html: str, now: dt.datetime
) -> RelayedMessage:
    """Pass the coach's answer back to the athlete whose reply it answers."""
    check_text(text_html)
    if not answered.to_coach:
        raise Unavailable(answered.id)
    relayed = RelayedMessage(
        coach_id=answered.coach_id,
        athlete_id=answered.athlete_id,
        broadcast_id=answered.broadcast_id,
        to_coach=False,
        text_html=text_html,
        created_at=now,
    )
    session.add(relayed)
    await session.flush()
    await outbox.insert(session, [_row(relayed, now)])
    return relayed


async def forget_settled(session: AsyncSession) -> int:
    """Drop the texts of relays whose delivery is settled: the bot keeps no copy of them."""
    settled = select(Delivery.ref_id).where(Delivery.kind == KIND, Delivery.status.in_(SETTLED))
    result = await session.execute(
        update(RelayedMessage)
        .where(RelayedMessage.text_html.is_not(None), RelayedMessage.id.in_(settled))
        .values(text_html=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def replies(session: AsyncSession, broadcast_ids: list[int]) -> dict[int, int]:
    """How many athletes' replies each broadcast had (for its report)."""
    if not broadcast_ids:
        return {}
    rows = await session.execute(
        select(RelayedMessage.broadcast_id, func.count())
        .where(RelayedMessage.broadcast_id.in_(broadcast_ids), RelayedMessage.to_coach.is_(True))
        .group_by(RelayedMessage.broadcast_id)
    )
    return {broadcast_id: int(n) for broadcast_id, n in rows.tuples() if broadcast_id is not None}
