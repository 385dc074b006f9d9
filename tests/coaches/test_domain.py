"""Coach domain rules without Telegram: invites, text as HTML, schedule times, names."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching import broadcasts, coaches, when
from coaching.coach_models import GROUP_NAME_MAX
from coaching.coaches import InviteOutcome
from coaching.db import Database
from coaching.group_names import graphemes, name_key

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


async def test_invites_are_single_use_and_expire(url: str) -> None:
    db = Database(url)
    admins = {1}
    async with db.transaction() as session:
        admin = await coaches.authorise(session, admins, 1)
        assert admin is not None and admin.admin
        assert await coaches.authorise(session, admins, 2) is None
        token = await coaches.create_invite(session, admin, NOW)
        old = await coaches.create_invite(session, admin, NOW - dt.timedelta(days=3))
    async with db.transaction() as session:
        assert await coaches.redeem_invite(session, admins, old, 3, NOW) is InviteOutcome.INVALID
        assert (
            await coaches.redeem_invite(session, admins, "forged", 3, NOW) is InviteOutcome.INVALID
        )
        assert await coaches.redeem_invite(session, admins, token, 2, NOW) is InviteOutcome.ACCEPTED
        assert await coaches.redeem_invite(session, admins, token, 3, NOW) is InviteOutcome.INVALID
        role = await coaches.authorise(session, admins, 2)
        assert role is not None and not role.admin
        assert await coaches.authorise(session, admins, 3) is None
    # An admin removed from ADMIN_IDS is no longer a coach.
    async with db.transaction() as session:
        assert await coaches.authorise(session, set(), 1) is None
    await db.dispose()


def test_coach_text_is_html_only_when_the_checker_accepts_it() -> None:
    assert broadcasts.coach_text_html("<b>hi</b> there") == ("<b>hi</b> there", False)
    assert broadcasts.coach_text_html("a < b & c") == ("a &lt; b &amp; c", True)
    assert broadcasts.coach_text_html("<script>x</script>") == (
        "&lt;script&gt;x&lt;/script&gt;",
        True,
    )
    assert broadcasts.coach_text_html("<b>open") == ("&lt;b&gt;open", True)
    assert broadcasts.coach_text_html("x", "<b>x</b>") == ("<b>x</b>", False)


def test_schedule_times_are_local_future_and_bounded() -> None:
    """Read by `coaching.when` in the coach's zone (UTC+2 in March), at most 60 days ahead."""
    helsinki = "Europe/Helsinki"
    assert broadcasts.parse_send_time("15:30", NOW, helsinki) == NOW.replace(hour=13, minute=30)
    assert broadcasts.parse_send_time("13:00", NOW, helsinki) == dt.datetime(
        2026, 3, 11, 11, 0, tzinfo=dt.UTC
    )
    assert broadcasts.parse_send_time("tomorrow 7:00", NOW, helsinki) == dt.datetime(
        2026, 3, 11, 5, 0, tzinfo=dt.UTC
    )
    errors = {
        "2026-03-01 10:00": when.InThePast,
        "2027-01-01 10:00": when.TooFarAhead,
        "soon": when.Unreadable,
        "30.2. 10:00": when.NoSuchDate,
    }
    for bad, error in errors.items():
        with pytest.raises(error):
            broadcasts.parse_send_time(bad, NOW, helsinki)


def test_group_names_count_what_a_coach_sees_and_clash_in_any_case() -> None:
    runner = "🏃‍♀️"  # one grapheme cluster of four code points
    assert graphemes(runner * GROUP_NAME_MAX) == GROUP_NAME_MAX
    assert coaches.clean_group_name(runner * GROUP_NAME_MAX) == runner * GROUP_NAME_MAX
    with pytest.raises(coaches.InvalidName):
        coaches.clean_group_name(runner * (GROUP_NAME_MAX + 1))
    assert graphemes("Tiistai 🇫🇮") == 9
    assert name_key("TRACK") == name_key("track") == name_key("Track")
    assert name_key("Straße") == name_key("STRASSE")


def test_group_names_are_bounded() -> None:
    assert coaches.clean_group_name("  Hill   runners ") == "Hill runners"
    for bad in ("", "   ", "x" * (GROUP_NAME_MAX + 1)):
        with pytest.raises(coaches.InvalidName):
            coaches.clean_group_name(bad)


def test_csv_cells_cannot_become_formulas() -> None:
    assert coaches._csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert coaches._csv_safe("Ann") == "Ann"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("Hills & strides", "Hills &amp; strides"),
        ("Pace <5:00/km on the flat", "Pace &lt;5:00/km on the flat"),
        ("<b>Hills</b> & strides", "<b>Hills</b> &amp; strides"),
        ("<i>easy</i> run", "<i>easy</i> run"),
    ],
)
def test_coach_text_keeps_real_tags_and_escapes_stray_characters(typed: str, sent: str) -> None:
    body, escaped = broadcasts.coach_text_html(typed)
    assert body == sent
    assert escaped is (typed != sent)


async def test_a_coachs_group_names_are_unique_renamed_and_archived(db: Database) -> None:
    """Unique per coach in any case among groups not archived; another coach may share one."""
    async with db.transaction() as session:
        yan = await coaches.authorise(session, {1, 2}, 1)
        eve = await coaches.authorise(session, {1, 2}, 2)
        assert yan is not None and eve is not None
        track = await coaches.create_group(session, yan, "Track", NOW)
        hills = await coaches.create_group(session, yan, "Hills", NOW)
        await coaches.create_group(session, eve, "TRACK", NOW)
        with pytest.raises(coaches.NameTaken):
            await coaches.create_group(session, yan, "  track ", NOW)
        with pytest.raises(coaches.NameTaken):
            await coaches.rename_group(session, yan, hills, "TRACK")
        assert await coaches.rename_group(session, yan, track, "track") == "track"
        assert await coaches.rename_group(session, yan, hills, "Hill repeats") == "Hill repeats"
        await coaches.archive_group(track, NOW)
        await session.flush()
        assert [g.name for g in await coaches.my_groups(session, yan)] == ["Hill repeats"]
        assert len(await coaches.my_groups(session, yan, archived=True)) == 2
        assert await coaches.group_by_code(session, track.join_code) is None
        again = await coaches.create_group(session, yan, "Track", NOW)
        assert again.name_key == track.name_key == "track"
