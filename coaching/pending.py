"""What the bot is waiting for in a chat: one pending question per chat, in the database.

Whatever the bot asked and now waits for (a typed time or time zone, a group's
name, a broadcast's text, the next self-test answer, a yes to erase data) is
one `pending_question` row. So `/cancel`, free text and a restart treat every
question alike: `/cancel` ends exactly the chat's question, typed text goes to
it (or gets one hint when there is none), and any instance, before or after a
restart, knows what the next message answers::

    asked = await pending.ask(session, chat_id, Kind.SETTINGS, now, step="tz")
    question = await pending.current(session, chat_id)
    ended = await pending.end(session, chat_id)

A flow keeps its own state where it always did (the onboarding step on the
athlete, the self-test session, the broadcast draft); the question only says
which of them the chat's next answer is for, and which message carries its
keyboard (`message_id`, noted once that message is sent) so that a question
that is cancelled, replaced or finished loses its buttons.

A new question replaces the chat's old one and gets a new id: a button that
names a question (`coaching.callbacks.QuestionButton`) can never act on a
later one. The same question asked again on the message that carries it (the
self-test's next step) is no new question, and keeps its id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow
from coaching.rows import persistent


class Kind(StrEnum):
    """What a chat can be waiting for; `step` and `ref_id` say more where a kind needs it."""

    ONBOARDING = "onboarding"  # step: the onboarding step asked
    SETTINGS = "settings"  # step: the typed value /settings waits for (a `reminders.Draft`)
    GROUP_NAME = "group_name"  # /newgroup without a name
    BROADCAST = "broadcast"  # ref_id: the coach's broadcast draft
    SELFTEST = "selftest"  # ref_id: the self-test session
    WITHDRAWAL = "withdrawal"  # step: where it was asked ("settings" or "onboarding")
    RELAY = "relay"  # ref_id: the broadcast whose coach the next message goes to


class PendingQuestion(Base):
    """The one question a chat is waiting to have answered.

    `chat_id` is a private chat's id, which Telegram makes the person's own id:
    the privacy walk treats it as the person (`coaching.privacy.PERSON_KEYS`),
    so it is exported and erased with them, whether athlete or coach.
    """

    __tablename__ = "pending_question"
    # Ids never come back (SQLite would reuse a deleted row's): a button naming an
    # ended question must not match the chat's next one.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[str | None] = mapped_column(String(24))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def question_kind(self) -> Kind | None:
        """The kind as an enum; None for a kind this version does not know."""
        try:
            return Kind(self.kind)
        except ValueError:
            return None


_COLUMNS = tuple(PendingQuestion.__table__.columns)


@dataclass(frozen=True)
class Asked:
    """A question just asked, and the message of the one it replaced (to strip its buttons)."""

    question: PendingQuestion
    replaced_message_id: int | None


async def current(session: AsyncSession, chat_id: int) -> PendingQuestion | None:
    """The chat's pending question, if it waits for one."""
    found = await session.scalars(select(PendingQuestion).where(PendingQuestion.chat_id == chat_id))
    return found.first()


async def ask(
    session: AsyncSession,
    chat_id: int,
    kind: Kind,
    now: dt.datetime,
    *,
    step: str | None = None,
    ref_id: int | None = None,
    message_id: int | None = None,
) -> Asked:
    """Make this the chat's question, replacing any other (which gets no further answer).

    `message_id` is for a question asked on a message that already exists (a
    self-test step edited in place); otherwise it is noted once the message is sent.

    The same question asked again on the same message (the self-test's next step:
    same kind, same session) is kept as it is, id and all: one statement. Any other
    takes two, not three: the DELETE hands back the replaced question's message (no
    read first), and the INSERT gives the new question a new id (an UPSERT would keep
    the old id, and a button naming the old question would act on this one).
    """
    asked = {
        "ask_chat": chat_id,
        "ask_kind": kind.value,
        "ask_step": step,
        "ask_ref": ref_id,
        "ask_message": message_id,
        "ask_at": now,
    }
    if message_id is not None:
        kept = (await session.execute(_KEEP, asked)).first()
        if kept is not None:
            return Asked(persistent(session, PendingQuestion, kept), None)
    replaced = (await session.execute(_REPLACE, asked)).scalar()
    inserted = (await session.execute(_INSERT, asked)).one()
    question = persistent(session, PendingQuestion, inserted)
    if replaced == message_id:
        replaced = None  # the same message carries the new question: its buttons stay
    return Asked(question, replaced)


# `ask`'s statements, built once: building one and working out its cache key for every
# question cost more than running it.
_TABLE = cast(Table, PendingQuestion.__table__)
_KEEP = (
    update(_TABLE)
    .where(
        _TABLE.c.chat_id == bindparam("ask_chat"),
        _TABLE.c.kind == bindparam("ask_kind"),
        _TABLE.c.step.is_not_distinct_from(bindparam("ask_step", type_=String)),
        _TABLE.c.ref_id.is_not_distinct_from(bindparam("ask_ref", type_=Integer)),
        _TABLE.c.message_id == bindparam("ask_message"),
    )
    .values(asked_at=bindparam("ask_at"))
    .returning(*_COLUMNS)
)
_REPLACE = (  # the ORM's DELETE: the replaced question leaves the session too
    delete(PendingQuestion)
    .where(PendingQuestion.chat_id == bindparam("ask_chat"))
    .returning(PendingQuestion.message_id)
)
_INSERT = (
    insert(_TABLE)
    .values(
        chat_id=bindparam("ask_chat"),
        kind=bindparam("ask_kind"),
        step=bindparam("ask_step"),
        ref_id=bindparam("ask_ref"),
        message_id=bindparam("ask_message"),
        asked_at=bindparam("ask_at"),
    )
    .returning(*_COLUMNS)
)


async def end(
    session: AsyncSession,
    chat_id: int,
    *,
    kind: Kind | None = None,
    question_id: int | None = None,
) -> PendingQuestion | None:
    """End the chat's question (only if it is of `kind`, or is `question_id`); the ended one.

    One DELETE that says which question it ends, not a read and then a delete: the
    row it removes comes back from the statement itself.
    """
    conditions = [PendingQuestion.chat_id == chat_id]
    if kind is not None:
        conditions.append(PendingQuestion.kind == kind.value)
    if question_id is not None:
        conditions.append(PendingQuestion.id == question_id)
    ended = (
        await session.execute(delete(PendingQuestion).where(*conditions).returning(*_COLUMNS))
    ).first()
    if ended is None:
        return None
    return PendingQuestion(**ended._asdict())


async def note_message(session: AsyncSession, question_id: int, message_id: int) -> None:
    """Remember which message asks the question (a replaced question is left alone)."""
    await session.execute(
        update(PendingQuestion)
        .where(PendingQuestion.id == question_id)
        .values(message_id=message_id)
        .execution_options(synchronize_session=False)
    )


__all__ = [
    "Asked",
    "Kind",
    "PendingQuestion",
    "ask",
    "current",
    "end",
    "note_message",
]
