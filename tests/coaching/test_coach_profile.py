"""A coach's own zone and name, independent of athlete onboarding; exported and erased."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching import coach_profile, coaches, privacy
from coaching.console_models import CoachSettings
from coaching.db import Database
from coaching.models import Athlete
from coaching.timeparse import InvalidInput

NOW = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)


async def test_a_coach_who_never_onboarded_has_utc_until_they_set_a_zone(db: Database) -> None:
    async with db.transaction() as session:
        role = await coaches.authorise(session, {5}, 5)
        assert role is not None
        assert await coach_profile.zone_name(session, 5) == "UTC"
        assert not await coach_profile.has_own_zone(session, 5)
        assert await coach_profile.set_zone(session, role, "europe/helsinki", NOW) == (
            "Europe/Helsinki"
        )
        with pytest.raises(InvalidInput):
            await coach_profile.set_zone(session, role, "Mars/Base", NOW)
    async with db.transaction() as session:
        assert await coach_profile.zone_name(session, 5) == "Europe/Helsinki"
        assert await coach_profile.has_own_zone(session, 5)


async def test_an_athlete_zone_is_used_until_the_coach_sets_their_own(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Athlete(id=6, first_name="Yan", timezone="America/New_York", language="fi"))
        role = await coaches.authorise(session, {6}, 6)
        assert role is not None
    async with db.transaction() as session:
        assert await coach_profile.zone_name(session, 6) == "America/New_York"
        assert await coach_profile.display_name(session, 6) == "Yan"
        assert await coach_profile.language_of(session, 6) == "fi"
        await coach_profile.set_zone(session, role, "+2", NOW)
        await coach_profile.note_identity(session, role, "Yan\u202e\u200b K", "en", NOW)
    async with db.transaction() as session:
        assert await coach_profile.zone_name(session, 6) == "Etc/GMT-2"
        assert await coach_profile.display_name(session, 6) == "Yan K"
        assert await coach_profile.language_of(session, 6) == "en"
        athlete = await session.get(Athlete, 6)
        assert athlete is not None and athlete.timezone == "America/New_York", "untouched"


async def test_coach_settings_are_exported_and_erased_with_the_coach(db: Database) -> None:
    async with db.transaction() as session:
        role = await coaches.authorise(session, {7}, 7)
        assert role is not None
        await coach_profile.set_zone(session, role, "Europe/Helsinki", NOW)
    async with db.transaction() as session:
        exported = await privacy.export(session, 7, NOW)
        assert exported is not None
        assert [row["timezone"] for row in exported["tables"]["coach_settings"]] == [
            "Europe/Helsinki"
        ]
        await privacy.erase(session, 7, NOW)
    async with db.transaction() as session:
        assert await session.get(CoachSettings, 7) is None
