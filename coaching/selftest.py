"""The self-test as a state machine stored in `selftest_session`.

Every transition names the session and the step it answers, and is refused
unless both are current and the session belongs to the acting athlete: an old
keyboard, a double tap or forged button data can never change an answer.

A step whose options are numeric ranges, named like `under_160`, `c160_169`,
`over_180` (the cadence step), can also be answered by typing a number: it
picks the option whose range holds it (`option_for_number`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import typing
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    Table,
    Update,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.base import UTCDateTime
from coaching.models import Athlete, SelftestResult, SelftestSession
from coaching.rows import persistent
from coaching.scoring import SKIPPED, assess, score
from knowledge.schema import KnowledgeBase, SelfTestStep

RETEST_AFTER = dt.timedelta(weeks=4)
_UNDER = re.compile(r"under_([0-9]{1,4})")
_BETWEEN = re.compile(r"c([0-9]{1,4})_([0-9]{1,4})")
_OVER = re.compile(r"over_([0-9]{1,4})")
_NUMBER = re.compile(r"\s*([0-9]{1,4})(?:[.,][0-9]+)?\s*(?:spm|steps?(?:/min)?|askelta)?\s*", re.I)


class Status(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """Button actions besides choosing an option; option ids cannot start with '-'."""

    BACK = "-b"
    SKIP = "-s"
    CANCEL = "-x"


class NoConsent(Exception):
    """Self-test answers are health data: nothing is stored without consent."""


class StaleStep(Exception):
    """The answer is not for the athlete's current step (or session)."""


def current_step(kb: KnowledgeBase, sel: SelftestSession) -> SelfTestStep | None:
    steps = kb.selftest.steps
    return steps[sel.step_index] if sel.step_index < len(steps) else None


async def active_session(session: AsyncSession, athlete_id: int) -> SelftestSession | None:
    found = await session.scalars(
        select(SelftestSession).where(
            SelftestSession.athlete_id == athlete_id, SelftestSession.status == Status.ACTIVE
        )
    )
    return found.first()


async def start(
    session: AsyncSession, athlete: Athlete, kb: KnowledgeBase, now: dt.datetime
) -> SelftestSession:
    """A fresh session; an unfinished one is cancelled first (the athlete chose to restart)."""
    if athlete.consent_at is None:
        raise NoConsent
    previous = await active_session(session, athlete.id)
    if previous is not None:
        previous.status = Status.CANCELLED
        previous.updated_at = now
        await session.flush()
    sel = SelftestSession(
        athlete_id=athlete.id,
        status=Status.ACTIVE,
        step_index=0,
        answers={},
        content_version=kb.version,
        started_at=now,
        updated_at=now,
    )
    session.add(sel)
    await session.flush()
    return sel


def _check_current(
    kb: KnowledgeBase, sel: SelftestSession, athlete_id: int, step_index: int
) -> SelfTestStep:
    step = current_step(kb, sel)
    if (
        sel.athlete_id != athlete_id
        or sel.status != Status.ACTIVE
        or sel.step_index != step_index
        or step is None
    ):
        raise StaleStep
    return step


def answer(
    kb: KnowledgeBase,
    sel: SelftestSession,
    athlete_id: int,
    step_index: int,
    choice: str,
    now: dt.datetime,
) -> SelfTestStep | None:
    """Apply one button: an option id, or back/skip/cancel. Returns the new current step."""
    step = _check_current(kb, sel, athlete_id, step_index)
    answers = dict(sel.answers)
    if choice == Action.BACK:
        sel.step_index = max(0, sel.step_index - 1)
    elif choice == Action.CANCEL:
        sel.status = Status.CANCELLED
    elif choice == Action.SKIP:
        answers[step.id] = SKIPPED
        sel.step_index += 1
    elif any(option.id == choice for option in step.options):
        answers[step.id] = choice
        sel.step_index += 1
    else:
        raise StaleStep
    sel.answers = answers
    sel.updated_at = now
    if sel.status != Status.ACTIVE:
        return None
    return current_step(kb, sel)


def cancel(sel: SelftestSession, now: dt.datetime) -> None:
    sel.status = Status.CANCELLED
    sel.updated_at = now


def complete(
    session: AsyncSession, kb: KnowledgeBase, sel: SelftestSession, now: dt.datetime
) -> SelftestResult:
    """Score a session whose last step is answered and store the result."""
    if sel.status != Status.ACTIVE or current_step(kb, sel) is not None:
        raise StaleStep
    sel.status = Status.COMPLETED
    sel.updated_at = now
    return _store_result(session, kb, sel, now)


def _store_result(
    session: AsyncSession, kb: KnowledgeBase, sel: SelftestSession, now: dt.datetime
) -> SelftestResult:
    """The result of a session just completed.

    The findings stored are `assess`'s levels: a fault the answers could not judge
    (skipped, "not sure") is stored as untested, never as fine.
    """
    result = SelftestResult(
        athlete_id=sel.athlete_id,
        session_id=sel.id,
        created_at=now,
        content_version=kb.version,
        answers=dict(sel.answers),
        scores=dict(score(kb.selftest, sel.answers)),
        findings=dict(assess(kb, sel.answers).levels),
        retest_due_at=now + RETEST_AFTER,
    )
    session.add(result)
    return result


async def results(session: AsyncSession, athlete_id: int) -> list[SelftestResult]:
    """The athlete's results, oldest first."""
    found = await session.scalars(
        select(SelftestResult)
        .where(SelftestResult.athlete_id == athlete_id)
        .order_by(SelftestResult.created_at, SelftestResult.id)
    )
    return list(found)


async def latest_result(session: AsyncSession, athlete_id: int) -> SelftestResult | None:
    found = await session.scalars(
        select(SelftestResult)
        .where(SelftestResult.athlete_id == athlete_id)
        .order_by(SelftestResult.created_at.desc(), SelftestResult.id.desc())
        .limit(1)
    )
    return found.first()


def _range(option_id: str) -> tuple[int, int] | None:
    """The numbers an option id such as `under_160`, `c160_169` or `over_180` stands for."""
    if match := _UNDER.fullmatch(option_id):
        return 0, int(match[1]) - 1
    if match := _BETWEEN.fullmatch(option_id):
        return int(match[1]), int(match[2])
    if match := _OVER.fullmatch(option_id):
        return int(match[1]) + 1, 10_000
    return None


def option_for_number(step: SelfTestStep, text: str) -> str | None:
    """The option a typed number picks on a step of numeric ranges; None if it picks none."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    number = int(match[1])
    for option in step.options:
        span = _range(option.id)
        if span is not None and span[0] <= number <= span[1]:
            return option.id
    return None


def takes_numbers(step: SelfTestStep) -> bool:
    """Whether a number can be typed to answer the step."""
    return any(_range(option.id) is not None for option in step.options)


@dataclass(frozen=True)
class Answered:
    """One answer taken: the session after it, and the result if it was the last."""

    session: SelftestSession
    step_index: int
    choice: str
    result: SelftestResult | None

    @property
    def over(self) -> bool:
        """The session no longer waits for answers (finished or cancelled)."""
        return self.session.status != Status.ACTIVE


async def take_answer(
    session: AsyncSession,
    kb: KnowledgeBase,
    athlete_id: int,
    session_id: int,
    step_index: int,
    choice: str,
    now: dt.datetime,
) -> Answered:
    """Store one answer (or back / skip / cancel) and, after the last, score the test.

    `StaleStep` unless the session is the athlete's active one and the step is current.

    One statement, not a read and then a write: the transition is worked out from
    the step the button names (`answer` on a session at that step), and the UPDATE
    applies it only where the session is still the athlete's, active and at that
    step. That condition is the optimistic check: a double tap or a second instance
    answering the same step finds no row, as a stale version would have failed the
    write before.
    """
    probe = SelftestSession(athlete_id=athlete_id, status=Status.ACTIVE, step_index=step_index)
    probe.answers = {}
    answer(kb, probe, athlete_id, step_index, choice, now)  # StaleStep for no such step or choice
    finished = probe.status == Status.ACTIVE and current_step(kb, probe) is None
    parameters: dict[str, Any] = {
        "sel_id": session_id,
        "owner": athlete_id,
        "at_step": step_index,
        "new_step": probe.step_index,
        "new_status": Status.COMPLETED if finished else probe.status,
        "now": now,
    }
    for number, (key, value) in enumerate(probe.answers.items()):
        parameters[f"key_{number}"], parameters[f"value_{number}"] = key, value
        parameters[f"path_{number}"] = "$." + json.dumps(key)  # SQLite's json_set names it so
    dialect = session.get_bind().dialect.name
    found = await session.execute(_answer_statement(dialect, len(probe.answers)), parameters)
    row = found.first()
    if row is None:
        raise StaleStep
    sel = persistent(session, SelftestSession, row)
    result = _store_result(session, kb, sel, now) if finished else None
    return Answered(sel, step_index, choice, result)


_SESSIONS = typing.cast(Table, SelftestSession.__table__)


@cache
def _answer_statement(dialect: str, added: int) -> Update:
    """`take_answer`'s UPDATE, built once for each dialect and number of answers it adds.

    Its values are bound parameters: building a statement and working out its cache
    key anew for every tap cost more than running it.
    """
    columns = _SESSIONS.c
    values: dict[Any, Any] = {
        columns.step_index: bindparam("new_step", type_=Integer),
        columns.status: bindparam("new_status", type_=String),
        columns.updated_at: bindparam("now", type_=UTCDateTime),
        columns.version: columns.version + 1,
    }
    if added:
        values[columns.answers] = _with_answers(dialect, added)
    return (
        update(_SESSIONS)
        .where(
            columns.id == bindparam("sel_id", type_=Integer),
            columns.athlete_id == bindparam("owner", type_=Integer),
            columns.status == Status.ACTIVE,
            columns.step_index == bindparam("at_step", type_=Integer),
        )
        .values(values)
        .returning(*columns)
    )


def _with_answers(dialect: str, added: int) -> ColumnElement[Any]:
    """The stored answers with `added` more set, as SQL: the UPDATE needs no read of them
    first. Each answer is the parameters `key_N` (or as a JSON path, `path_N`) and `value_N`."""
    values = [bindparam(f"value_{n}", type_=String) for n in range(added)]
    if dialect == "postgresql":
        merged: ColumnElement[Any] = cast(_SESSIONS.c.answers, JSONB)
        for n, value in enumerate(values):
            key = bindparam(f"key_{n}", type_=String)
            merged = merged.op("||")(func.jsonb_build_object(key, value))
        return cast(merged, JSON)
    arguments: list[Any] = []
    for n, value in enumerate(values):
        arguments += [bindparam(f"path_{n}", type_=String), value]
    return func.json_set(_SESSIONS.c.answers, *arguments, type_=JSON)
