"""The weekly coach digest: Monday 08:00 in the coach's zone, once, with the week's numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select

from coaching import coach_profile, coaches
from coaching.coach_models import GroupMembership
from coaching.console_models import CoachSettings
from coaching.db import Database
from coaching.digest import Digest, GroupWeek
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind
from coaching.reminders.models import Checkin
from knowledge import KnowledgeBase
from scheduler import planner
from scheduler.coach_messages import digest_text
from scheduler.dispatcher import dispatch
from scheduler.messages import composers
from tests.scheduler.fakes import FakeSender

SUNDAY = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
MONDAY_8_HELSINKI = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
COACH = 1


async def test_the_digest_comes_on_monday_morning_in_the_coach_zone_once(
    db: Database, kb: KnowledgeBase
) -> None:
    last_monday = dt.date(2026, 11, 23)
    async with db.transaction() as session:
        role = await coaches.authorise(session, {COACH}, COACH)
        assert role is not None
        await coach_profile.set_zone(session, role, "Europe/Helsinki", SUNDAY)
        group = await coaches.create_group(session, role, "Tuesday & Track", SUNDAY)
        for athlete_id, name in ((2001, "Ann"), (2002, "Bob")):
            session.add(
                Athlete(
                    id=athlete_id,
                    first_name=name,
                    consent_at=SUNDAY,
                    last_seen_at=SUNDAY - dt.timedelta(days=20 if name == "Bob" else 1),
                )
            )
            await session.flush()
            session.add(
                GroupMembership(
                    group_id=group.id,
                    athlete_id=athlete_id,
                    consent_at=SUNDAY,
                    joined_at=SUNDAY - dt.timedelta(days=2 if name == "Ann" else 30),
                )
            )
        session.add(
            SelftestResult(
                athlete_id=2001,
                created_at=SUNDAY,
                content_version="1",
                answers={step.id: step.options[0].id for step in kb.selftest.steps},
                scores={},
                findings={},
                retest_due_at=SUNDAY + dt.timedelta(days=28),
            )
        )
        session.add(Checkin(athlete_id=2001, week_start=last_monday, strength_sessions=2))
        session.add(Checkin(athlete_id=2002, week_start=last_monday, strength_sessions=1))

    await planner.plan(db, SUNDAY)
    async with db.transaction() as session:
        settings = await session.get(CoachSettings, COACH)
        assert settings is not None and settings.next_digest_at == MONDAY_8_HELSINKI
    await planner.plan(db, MONDAY_8_HELSINKI)
    await planner.plan(db, MONDAY_8_HELSINKI + dt.timedelta(minutes=1))
    async with db.transaction() as session:
        rows = (await session.scalars(select(Delivery).where(Delivery.kind == Kind.DIGEST))).all()
        assert [(r.chat_id, r.due_at, (r.payload or {}).get("week")) for r in rows] == [
            (COACH, MONDAY_8_HELSINKI, "2026-11-23")
        ]
        settings = await session.get(CoachSettings, COACH)
        assert settings is not None
        assert settings.next_digest_at == MONDAY_8_HELSINKI + dt.timedelta(days=7)

    sender = FakeSender()
    await dispatch(db, sender, composers(kb), MONDAY_8_HELSINKI)
    [sent] = sender.sent
    assert sent.chat_id == COACH
    assert "<b>Tuesday &amp; Track</b>: 2 athletes, 1 new" in sent.text
    assert "self-tests done 1" in sent.text
    assert "2+ strength sessions: 1 of 2 who answered" in sent.text
    assert "1 not tested yet, 2 behind on strength, 1 silent 14+ days, 0 pain flags" in sent.text


async def test_no_digest_for_a_coach_without_groups(db: Database, kb: KnowledgeBase) -> None:
    async with db.transaction() as session:
        assert await coaches.authorise(session, {COACH}, COACH) is not None
    await planner.plan(db, SUNDAY)
    monday_8_utc = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
    await planner.plan(db, monday_8_utc)
    sender = FakeSender()
    report = await dispatch(db, sender, composers(kb), monday_8_utc)
    assert sender.sent == [] and report["skipped"] == 1


def group_week(name: str, members: int, joined: int) -> GroupWeek:
    return GroupWeek(
        name=name,
        members=members,
        joined=joined,
        tests=0,
        strong=0,
        answered=0,
        untested=0,
        behind=0,
        silent=0,
        pain=0,
    )


def test_the_digest_counts_athletes_and_new_ones_in_the_plural_they_need(
    kb: KnowledgeBase,
) -> None:
    week = Digest(dt.date(2026, 11, 23), [group_week("Solo", 1, 1), group_week("Track", 5, 2)])
    en, fi = digest_text(kb, "en", week), digest_text(kb, "fi", week)
    assert "<b>Solo</b>: 1 athlete, 1 new" in en
    assert "<b>Track</b>: 5 athletes, 2 new" in en
    assert "<b>Solo</b>: 1 urheilija, 1 uusi" in fi
    assert "<b>Track</b>: 5 urheilijaa, 2 uutta" in fi


def test_groups_past_one_message_are_counted_in_the_plural_they_need(kb: KnowledgeBase) -> None:
    """However many groups are left out, "more groups" agrees with the number."""
    groups = [group_week(f"Group {i:02}", 12, 3) for i in range(60)]
    full = digest_text(kb, "en", Digest(dt.date(2026, 11, 23), groups))
    shown = full.count("<b>Group ")
    assert f"…and {60 - shown} more groups: /athletes shows them all." in full

    def more(lang: str, left_out: int) -> str:
        week = Digest(dt.date(2026, 11, 23), groups[: shown + left_out])
        return digest_text(kb, lang, week).rsplit("\n\n", 1)[-1]

    assert more("en", 1) == "…and 1 more group: /athletes shows them all."
    assert more("en", 3) == "…and 3 more groups: /athletes shows them all."
    assert more("fi", 1) == "…ja 1 muu ryhmä: /athletes näyttää kaikki."
    assert more("fi", 3) == "…ja 3 muuta ryhmää: /athletes näyttää kaikki."


def test_pain_flags_are_counted_in_the_plural_they_need(kb: KnowledgeBase) -> None:
    """ "1 pain flag", "3 pain flags": the flag line agrees with the number."""

    def flags(lang: str, pain: int) -> str:
        week = Digest(dt.date(2026, 11, 23), [replace(group_week("Track", 5, 0), pain=pain)])
        return digest_text(kb, lang, week).split("\n")[-1]

    assert "0 silent 14+ days, 1 pain flag. /athletes" in flags("en", 1)
    assert "0 silent 14+ days, 3 pain flags. /athletes" in flags("en", 3)
    assert "hiljaa 14+ päivää, 1 kipulippu. /athletes" in flags("fi", 1)
    assert "hiljaa 14+ päivää, 3 kipulippua. /athletes" in flags("fi", 3)
