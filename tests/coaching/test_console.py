"""The coach's console without Telegram: the list, filters, an athlete's card, nudges,
delivery reports that name people, and the order of /broadcasts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts, coaches, console, outbox
from coaching.cadence.models import CadenceRun
from coaching.coach_models import Broadcast, GroupChat, GroupMembership, TrainingGroup
from coaching.coaches import Role
from coaching.console import Filter
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind, Status
from coaching.paging import paged
from coaching.reminders.models import Checkin, WarmupAck
from coaching.scoring import SKIPPED, UNTESTED, findings, score
from knowledge import load_knowledge

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # a Tuesday
COACH = 1
OTHER_COACH = 2
KB = load_knowledge()
HIP_DROP_MARKED = {"pelvis_dip": "clearly", "knees_inward": "clearly"}
HIP_DROP_MILD = {"pelvis_dip": "slightly", "knees_inward": "sometimes"}
TILT_MARKED = {"back_arch": "clearly", "hands_on_hips": "clearly", "sitting": "half"}


def athlete(athlete_id: int, name: str, **values: object) -> Athlete:
    fields: dict[str, object] = {
        "id": athlete_id,
        "first_name": name,
        "consent_at": NOW - dt.timedelta(days=60),
        "onboarded_at": NOW - dt.timedelta(days=60),
        "timezone": "Europe/Helsinki",
        "last_seen_at": NOW - dt.timedelta(days=1),
        "created_at": NOW - dt.timedelta(days=60),
    }
    fields.update(values)
    return Athlete(**fields)


async def coach_with_group(session: AsyncSession, name: str = "Tuesday Track") -> tuple[Role, int]:
    role = await coaches.authorise(session, {COACH, OTHER_COACH}, COACH)
    assert role is not None
    group = await coaches.create_group(session, role, name, NOW - dt.timedelta(days=90))
    return role, group.id


def member(group_id: int, athlete_id: int, joined: dt.datetime = NOW) -> GroupMembership:
    return GroupMembership(
        group_id=group_id, athlete_id=athlete_id, consent_at=joined, joined_at=joined
    )


async def group_broadcast(session: AsyncSession, role: Role, group_id: int, to: list[int]) -> int:
    broadcast = Broadcast(
        coach_id=role.user_id,
        text_html="hi",
        audience="group",
        audience_ref=str(group_id),
        recipients=len(to),
        send_at=NOW - dt.timedelta(days=10),
        created_at=NOW - dt.timedelta(days=10),
    )
    session.add(broadcast)
    await session.flush()
    rows = [
        outbox.planned(
            Kind.BROADCAST,
            f"b{broadcast.id}",
            broadcast.send_at,
            NOW,
            athlete_id=a,
            ref_id=broadcast.id,
        )
        for a in to
    ]
    await outbox.insert(session, rows)
    return broadcast.id


async def test_a_roster_of_500_is_complete_across_pages_and_marks_blocked_and_departed(
    db: Database,
) -> None:
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        for i in range(500):
            session.add(athlete(10_000 + i, f"Runner {i:03d}", active=i % 50 != 7))
        session.add(athlete(20_000, "Lea"))  # left the group
        await session.flush()
        for i in range(500):
            session.add(member(group_id, 10_000 + i))
        await session.flush()
        await group_broadcast(session, role, group_id, [10_000, 20_000])

    async with db.transaction() as session:
        entries = await console.roster(session, KB, role, NOW)
    assert len(entries) == 501
    ids: list[int] = []
    number = 0
    while True:
        page = paged(entries, number)
        ids += [entry.athlete_id for entry in page.items]
        if page.next is None:
            break
        number = page.next
    assert sorted(ids) == sorted([*range(10_000, 10_500), 20_000])
    assert len(ids) == len(set(ids))
    assert entries[-1].athlete_id == 20_000 and entries[-1].departed, "those who left come last"
    blocked = [e.athlete_id for e in entries if e.blocked]
    assert blocked == [10_000 + i for i in range(500) if i % 50 == 7]
    assert [e.name for e in entries[:2]] == ["Runner 000", "Runner 001"]


async def test_filters_pick_untested_behind_and_silent_members(db: Database) -> None:
    week = coaches.adherence_weeks(NOW.date())
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add_all(
            [
                athlete(101, "Tested and strong"),
                athlete(102, "Never tested"),
                athlete(103, "Silent", last_seen_at=NOW - dt.timedelta(days=15)),
                athlete(104, "Never wrote", last_seen_at=None),
                athlete(105, "Left"),
            ]
        )
        await session.flush()
        session.add_all([member(group_id, a) for a in (101, 102, 103, 104)])
        session.add(result(101, answers(pelvis_dip="slightly", knees_inward="sometimes")))
        session.add(result(103, answers()))
        session.add(result(104, answers()))
        session.add_all(
            [Checkin(athlete_id=101, week_start=w, strength_sessions=2) for w in week[:2]]
        )
        await session.flush()
        await group_broadcast(session, role, group_id, [105])

    async with db.transaction() as session:
        entries = await console.roster(session, KB, role, NOW)

    def names(which: Filter) -> list[str]:
        return [e.name for e in console.filtered(entries, which, NOW)]

    assert names(Filter.UNTESTED) == ["Never tested"]
    assert names(Filter.STRENGTH) == ["Never tested", "Never wrote", "Silent"]
    assert names(Filter.SILENT) == ["Never wrote", "Silent"]
    assert names(Filter.PAIN) == []
    assert names(Filter.ALL)[-1] == "Left"
    strong = next(e for e in entries if e.athlete_id == 101)
    assert (strong.tested, strong.found, strong.good_weeks) == (True, ("hip_drop",), 2)


def answers(**picks: str) -> dict[str, str]:
    """An answer per step: the one that scores least, except `picks` (step id → option id)."""
    best = {
        step.id: min(
            (o for o in step.options if not o.unsure), key=lambda o: sum(o.scores.values())
        ).id
        for step in KB.selftest.steps
    }
    return {**best, **picks}


ALL_SKIPPED = {step.id: SKIPPED for step in KB.selftest.steps}


def result(athlete_id: int, given: dict[str, str], days_ago: int = 5) -> SelftestResult:
    """A result as saved before "not tested" existed: findings from the scores alone,
    where a skip counted as fine; the console judges it from its answers."""
    scores = score(KB.selftest, given)
    return SelftestResult(
        athlete_id=athlete_id,
        created_at=NOW - dt.timedelta(days=days_ago),
        content_version="1",
        answers=given,
        scores=dict(scores),
        findings=dict(findings(KB, scores)),
        retest_due_at=NOW + dt.timedelta(days=20),
    )


async def test_the_card_shows_trends_warmups_strength_cadence_and_consent(db: Database) -> None:
    weeks = coaches.adherence_weeks(NOW.date())
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add(athlete(7, "Ann", active=False))
        await session.flush()
        session.add(member(group_id, 7, NOW - dt.timedelta(days=40)))
        session.add(result(7, answers(**HIP_DROP_MARKED, back_arch="clearly"), days_ago=35))
        session.add(result(7, answers(**HIP_DROP_MILD, **TILT_MARKED), days_ago=3))
        session.add(Checkin(athlete_id=7, week_start=weeks[1], strength_sessions=2))
        session.add(Checkin(athlete_id=7, week_start=weeks[2], strength_sessions=1))
        for days, answer in ((2, "done"), (4, "skip"), (6, None), (40, "done")):
            due = NOW - dt.timedelta(days=days)
            row = outbox.planned(Kind.WARMUP, f"w{days}", due, due, athlete_id=7)
            row["status"] = Status.SENT
            await outbox.insert(session, [row])
            delivery_id = await session.scalar(
                select(Delivery.id).where(Delivery.slot == f"w{days}")
            )
            assert delivery_id is not None
            if answer is not None:
                session.add(
                    WarmupAck(athlete_id=7, delivery_id=delivery_id, answer=answer, answered_at=due)
                )
        for days, spm in ((20, 162.0), (10, 166.5), (2, 171.0)):
            session.add(cadence_run(7, NOW - dt.timedelta(days=days), spm))

    async with db.transaction() as session:
        found = await console.card(session, role, 7, NOW)
        other = await coaches.authorise(session, {COACH, OTHER_COACH}, OTHER_COACH)
        assert other is not None
        assert await console.card(session, other, 7, NOW) is None, "not in their groups"
        assert await console.card(session, role, 99, NOW) is None
    assert found is not None
    assert (found.name, found.groups, found.blocked, found.health_consent) == (
        "Ann",
        ["Tuesday Track"],
        True,
        True,
    )
    assert len(found.tests) == 2
    trends = {t.fault: (t.levels, t.change) for t in found.trends(KB)}
    assert trends["hip_drop"] == (("marked", "mild"), -1)
    assert trends["anterior_tilt"] == (("mild", "marked"), 1)
    assert (found.warmups.done, found.warmups.skipped, found.warmups.unanswered) == (1, 1, 1)
    assert found.strength_weeks == [
        (weeks[0], None),
        (weeks[1], 2),
        (weeks[2], 1),
        (weeks[3], None),
    ]
    assert found.good_weeks == 1
    assert [spm for _, spm in found.cadence.runs] == [162.0, 166.5, 171.0]
    assert found.cadence.change == 9.0
    assert found.pain is None, "no pain log: the card says nothing about pain"


async def test_an_athlete_whose_tests_were_all_skipped_is_not_tested(db: Database) -> None:
    """A test with not enough answers is no test: "not tested yet" lists (and nudges) an
    athlete whose only test was all skipped; one whose retest was all skipped keeps the
    findings of the test before, as their plan does."""
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add_all([athlete(401, "Skipped all"), athlete(402, "Skipped the retest")])
        await session.flush()
        session.add_all([member(group_id, a) for a in (401, 402)])
        session.add(result(401, ALL_SKIPPED))
        session.add(result(402, answers(**HIP_DROP_MILD), days_ago=30))
        session.add(result(402, ALL_SKIPPED, days_ago=2))
    async with db.transaction() as session:
        entries = await console.roster(session, KB, role, NOW)
        preview = await console.nudge_recipients(session, KB, role, Filter.UNTESTED, group_id, NOW)
    by_name = {e.name: (e.tested, e.found) for e in entries}
    assert by_name == {"Skipped all": (False, ()), "Skipped the retest": (True, ("hip_drop",))}
    assert [e.name for e in console.filtered(entries, Filter.UNTESTED, NOW)] == ["Skipped all"]
    assert [e.name for e in preview] == ["Skipped all"]


async def test_the_card_trend_leaves_out_all_skipped_tests_and_never_calls_untested_fine(
    db: Database,
) -> None:
    """Each finding over the tests with enough answers, "untested" where a test could not
    judge it, and the change the self-test summary gives: against the latest earlier
    test that judged the fault, never an all-skipped one."""
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add(athlete(8, "Bea"))
        await session.flush()
        session.add(member(group_id, 8, NOW - dt.timedelta(days=40)))
        session.add(result(8, answers(**HIP_DROP_MARKED, back_arch="clearly"), days_ago=30))
        session.add(result(8, ALL_SKIPPED, days_ago=20))
        hip_drop_skipped = answers(pelvis_dip=SKIPPED, knees_inward=SKIPPED)
        session.add(result(8, hip_drop_skipped, days_ago=3))
    async with db.transaction() as session:
        found = await console.card(session, role, 8, NOW)
    assert found is not None
    assert len(found.tests) == 3, "every test taken is counted"
    trends = {t.fault: (t.levels, t.change) for t in found.trends(KB)}
    assert trends == {
        "hip_drop": (("marked", UNTESTED), None),
        "anterior_tilt": (("mild", "none"), -1),
    }


def cadence_run(athlete_id: int, started: dt.datetime, spm: float) -> CadenceRun:
    return CadenceRun(
        athlete_id=athlete_id,
        uploaded_at=started,
        started_at=started,
        source="fit",
        duration_s=1800,
        avg_cadence_spm=spm,
        share_in_target=0.5,
        assumed_unit="steps",
        pace_bands=[],
    )


async def test_a_nudge_is_an_ordinary_broadcast_to_the_reachable_filtered_athletes(
    db: Database,
) -> None:
    asked = NOW - dt.timedelta(minutes=1)
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add_all(
            [athlete(201, "Untested"), athlete(202, "Blocked", active=False), athlete(203, "Done")]
        )
        await session.flush()
        session.add_all([member(group_id, a) for a in (201, 202, 203)])
        session.add(result(203, answers()))
    async with db.transaction() as session:
        preview = await console.nudge_recipients(session, KB, role, Filter.UNTESTED, group_id, NOW)
        assert [e.name for e in preview] == ["Untested"]
        sent = await console.nudge(
            session, KB, role, Filter.UNTESTED, group_id, "Do the test", NOW, asked
        )
    async with db.transaction() as session:
        with pytest.raises(console.AlreadySent):
            await console.nudge(
                session, KB, role, Filter.UNTESTED, group_id, "Do the test", NOW, asked
            )
    async with db.transaction() as session:
        with pytest.raises(console.EmptyAudience):
            await console.nudge(session, KB, role, Filter.SILENT, group_id, "Hello?", NOW, asked)
        rows = (await session.execute(select(Delivery.athlete_id, Delivery.kind))).tuples().all()
        assert list(rows) == [(201, Kind.BROADCAST)]
        stored = await session.get(Broadcast, sent.id)
        assert stored is not None and stored.audience == "nudge"
        assert console.parse_nudge_ref(stored.audience_ref) == (Filter.UNTESTED, group_id)
        report = await broadcasts.report(session, stored)
        assert report.pending == 1, "the ordinary report and cancel work on it"


async def test_a_delivery_report_names_who_was_blocked_and_why_chats_counted_apart(
    db: Database,
) -> None:
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add_all([athlete(301, "Ann"), athlete(302, "Bob"), athlete(303, "Cy")])
        await session.flush()
        session.add(GroupChat(chat_id=-100, group_id=group_id, title="Club <chat>", linked_by=1))
        broadcast_id = await group_broadcast(session, role, group_id, [301, 302, 303])
        await outbox.insert(
            session,
            [
                outbox.planned(
                    Kind.GROUP_POST, f"b{broadcast_id}", NOW, NOW, chat_id=-100, ref_id=broadcast_id
                )
            ],
        )
        outcomes = {
            301: (Status.SENT, None),
            302: (Status.BLOCKED, "Forbidden: bot was blocked by the user"),
            303: (Status.FAILED, "Bad Request: message is too long"),
        }
        for delivery in (await session.scalars(select(Delivery))).all():
            if delivery.chat_id is not None:
                outbox.finish(delivery, Status.UNKNOWN, NOW, "read timeout")
            else:
                assert delivery.athlete_id is not None
                status, error = outcomes[delivery.athlete_id]
                outbox.finish(delivery, status, NOW, error)
    async with db.transaction() as session:
        stored = await session.get(Broadcast, broadcast_id)
        assert stored is not None
        report = await console.delivery_report(session, stored)
    assert (report.athletes.sent, report.athletes.blocked, report.athletes.failed) == (1, 1, 1)
    assert (report.chats.total, report.chats.unknown, report.chats.sent) == (1, 1, 0)
    assert [(p.name, p.chat, p.status, p.error) for p in report.problems] == [
        ("Bob", False, Status.BLOCKED, "Forbidden: bot was blocked by the user"),
        ("Cy", False, Status.FAILED, "Bad Request: message is too long"),
        ("Club <chat>", True, Status.UNKNOWN, "read timeout"),
    ]


async def test_broadcasts_list_waiting_ones_first_soonest_first_then_history_newest_first(
    db: Database,
) -> None:
    async with db.transaction() as session:
        role, group_id = await coach_with_group(session)
        session.add(athlete(401, "Ann"))
        await session.flush()
        session.add(member(group_id, 401))
        made: list[int] = []
        for hours in (-30, 48, -5, 24, -1):  # negative: in the past, already sent
            broadcast = Broadcast(
                coach_id=COACH,
                text_html="x",
                audience="group",
                audience_ref=str(group_id),
                recipients=1,
                send_at=NOW + dt.timedelta(hours=hours),
                created_at=NOW - dt.timedelta(days=2),
            )
            session.add(broadcast)
            await session.flush()
            row = outbox.planned(
                Kind.BROADCAST,
                f"b{broadcast.id}",
                broadcast.send_at,
                NOW,
                athlete_id=401,
                ref_id=broadcast.id,
            )
            if hours < 0:
                row["status"] = Status.SENT
            await outbox.insert(session, [row])
            made.append(broadcast.id)
        cancelled = await session.get(Broadcast, made[3])  # the one in 24 h
        assert cancelled is not None
        await broadcasts.cancel(session, cancelled, NOW)
    async with db.transaction() as session:
        order = await console.broadcast_order(session, role, NOW)
        count = await session.scalar(select(func.count()).select_from(TrainingGroup))
    assert count == 1
    assert order == [made[1], made[4], made[3], made[2], made[0]]
