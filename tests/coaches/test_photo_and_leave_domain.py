"""Photo broadcasts and leaving a group, as domain rules: captions, own memberships only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coaching import broadcasts, coaches
from coaching.broadcasts import Audience, Step
from coaching.coach_models import BroadcastDraft, GroupMembership
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery
from knowledge import get_knowledge

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
COACH, OTHER_COACH, ANN, BOB = 1, 2, 501, 502


def draft() -> BroadcastDraft:
    return BroadcastDraft(coach_id=COACH, step=Step.TEXT, updated_at=NOW)


def test_a_photo_with_or_without_caption_becomes_the_message() -> None:
    with_caption = draft()
    assert not broadcasts.set_photo(with_caption, "FILE1", "<b>Hills</b> at 19", NOW)
    assert (with_caption.photo_file_id, with_caption.text_html) == ("FILE1", "<b>Hills</b> at 19")
    assert with_caption.step == Step.AUDIENCE
    bare = draft()
    broadcasts.set_photo(bare, "FILE2", None, NOW)
    assert (bare.photo_file_id, bare.text_html) == ("FILE2", "")
    # Typed text after all (a new draft) carries no photo.
    text = draft()
    text.photo_file_id = "OLD"
    broadcasts.set_text(text, "words", NOW)
    assert text.photo_file_id is None


def test_a_caption_over_1024_characters_is_refused_while_composing() -> None:
    fits = draft()
    broadcasts.set_photo(fits, "FILE", "x" * 1024, NOW)
    assert fits.step == Step.AUDIENCE
    too_long = draft()
    with pytest.raises(broadcasts.CaptionTooLong) as raised:
        broadcasts.set_photo(too_long, "FILE", "x" * 1025, NOW)
    assert raised.value.args[0] == 1025
    assert too_long.step == Step.TEXT and too_long.photo_file_id is None
    # Escaping counts too: Telegram counts the visible text, not the markup.
    escaped = draft()
    broadcasts.set_photo(escaped, "FILE", "a < b " * 170, NOW)
    assert escaped.escaped and escaped.step == Step.AUDIENCE
    with pytest.raises(broadcasts.Stale):
        broadcasts.set_photo(escaped, "FILE", "again", NOW)  # no longer waiting for the message


async def test_leaving_removes_only_the_own_membership_and_pending_copies(url: str) -> None:
    db = Database(url)
    admins = {COACH}
    async with db.transaction() as session:
        role = await coaches.authorise(session, admins, COACH)
        assert role is not None
        session.add_all(
            [
                Athlete(id=ANN, first_name="Ann", language="en", timezone="UTC"),
                Athlete(id=BOB, first_name="Bob", language="en", timezone="UTC"),
            ]
        )
        await session.flush()
        hills = await coaches.create_group(session, role, "Hills", NOW)
        track = await coaches.create_group(session, role, "Track", NOW)
        for group in (hills, track):
            await coaches.join_group(session, group, ANN, NOW)
        await coaches.join_group(session, hills, BOB, NOW)
        later = NOW + dt.timedelta(hours=2)
        sent_ids = {}
        for audience, ref in ((Audience.GROUP, str(hills.id)), (Audience.MINE, None)):
            composing = await broadcasts.start_draft(session, role, NOW)
            broadcasts.set_text(composing, f"to {audience}", NOW)
            await broadcasts.choose_audience(session, role, composing, audience, ref, NOW)
            broadcasts.ask_time(composing, NOW)
            broadcasts.set_time(composing, later, NOW)
            sent_ids[audience] = (await broadcasts.confirm(session, role, composing, NOW)).id
        hills_id, track_id = hills.id, track.id

    async with db.transaction() as session:
        # Forged: a group Ann is not in, one that does not exist, or Bob's membership.
        other = await coaches.authorise(session, {OTHER_COACH}, OTHER_COACH)
        assert other is not None
        elsewhere = await coaches.create_group(session, other, "Elsewhere", NOW)
        await coaches.join_group(session, elsewhere, BOB, NOW)
        assert await coaches.leave_group(session, ANN, elsewhere.id, NOW, admins) is None
        assert await coaches.leave_group(session, ANN, 999_999, NOW, admins) is None
        assert await coaches.leave_group(session, BOB, track_id, NOW, admins) is None
    async with db.transaction() as session:
        assert len((await session.scalars(select(GroupMembership))).all()) == 4

    async with db.transaction() as session:
        left = await coaches.leave_group(session, ANN, hills_id, NOW, admins)
        assert left is not None and left.name == "Hills"
        assert [g.name for g in await coaches.member_groups(session, ANN)] == ["Track"]
        assert await coaches.leave_group(session, ANN, hills_id, NOW, admins) is None
        role = await coaches.authorise(session, admins, COACH)
        assert role is not None
        overview = await coaches.group_overview(
            session, get_knowledge(), await session.get_one(type(left), hills_id), NOW
        )
        assert [m.athlete_id for m in overview.members] == [BOB]
        assert await broadcasts.recipient_ids(
            session, get_knowledge(), role, Audience.GROUP, str(hills_id)
        ) == [BOB]
        statuses = dict(
            (
                await session.execute(
                    select(Delivery.ref_id, Delivery.status).where(Delivery.athlete_id == ANN)
                )
            )
            .tuples()
            .all()
        )
        # The Hills broadcast is cancelled for her; "all my groups" still reaches her (Track).
        assert statuses == {
            sent_ids[Audience.GROUP]: "cancelled",
            sent_ids[Audience.MINE]: "pending",
        }
        bob = dict(
            (
                await session.execute(
                    select(Delivery.ref_id, Delivery.status).where(Delivery.athlete_id == BOB)
                )
            )
            .tuples()
            .all()
        )
        assert set(bob.values()) == {"pending"}

    async with db.transaction() as session:
        assert await coaches.leave_group(session, ANN, track_id, NOW, admins) is not None
        statuses = dict(
            (
                await session.execute(
                    select(Delivery.ref_id, Delivery.status).where(Delivery.athlete_id == ANN)
                )
            )
            .tuples()
            .all()
        )
        assert statuses[sent_ids[Audience.MINE]] == "cancelled"
        assert list(await coaches.member_groups(session, ANN)) == []
    await db.dispose()
