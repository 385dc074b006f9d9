"""A measured pelvic drop outranks the athlete's by-eye answer, through the real bot.

Ada sent a rear-view clip on 20 November (its figures are stored as the bot
stores them); on 29 November she takes the self-test and says her pelvis
"stays level". The summary's hip-drop finding is the measured one, with the
video's date, the plan is built on it and says so, and /plan says it again.
The foot landing stays the answer's, with the side-view figures beside it.
"""

from __future__ import annotations

import datetime as dt

from coaching.db import Database
from coaching.video import measure, save_video
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from knowledge.schema import text_for
from tests.e2e.clocked import UTC, Clock, add_athlete, clocked_bot
from tests.e2e.test_selftest_summary_e2e import answers, finding, take_test
from tests.video.synthetic import GUIDANCE, Runner

ADA = 6311
FILMED = dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
HIP_DROP_ADVICE = "Your hip stabilisers likely need work"


async def test_a_measured_drop_outranks_stays_level(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    clock = Clock(dt.datetime(2026, 11, 29, 8, 0, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, ADA, clock.now, tips=False, checkins=False)
    rear = Runner(view="rear", standing_s=2.0, seconds=12.0, drop_left=9.5, drop_right=4.0)
    side = Runner(reach=0.25)
    async with db.transaction() as session:
        await save_video(session, ADA, measure(rear.track(), GUIDANCE), FILMED)
        await save_video(session, ADA, measure(side.track(), GUIDANCE), FILMED)
    ada = FakeUser(api, ADA, first_name="Ada", started=True)
    async with clocked_bot(api, db, clock):
        summary, plan = await take_test(ada, answers(kb))  # "No, it stays level"
        text = summary.text or ""
        hip_drop = text.split(finding(kb, "hip_drop", "marked"))[1].split("\n\n")[0]
        assert "Measured from your video of Nov 20, 2026: your pelvis drops 9." in hip_drop
        assert finding(kb, "hip_drop", "none") not in text
        overstriding = text.split(finding(kb, "overstriding", "none"))[1].split("\n\n")[0]
        assert "From your video of Nov 20, 2026: your heel lands 0.2" in overstriding
        planned = plan.text or ""
        assert HIP_DROP_ADVICE in planned
        assert "Your hip drop comes from your video of Nov 20, 2026" in planned
        assert "/video" in planned

        ada.send_command("/plan")
        again = await ada.wait_message_async(contains="Your hip drop comes from your video")
        assert HIP_DROP_ADVICE in (again.text or "")
    step = text_for(kb.selftest.step("pelvis_dip").instructions, "en")
    assert "/video" in step
