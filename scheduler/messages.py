"""What each kind of delivery says: Telegram HTML and buttons, from the knowledge base.

Every parameter put into an interface text is HTML-escaped here (the
scheduler cannot use `bot.render`). Button data comes from `coaching.callbacks`,
the codec the bot's handlers parse it with, and names the delivery it answers:
`rm:<delivery>:<d|s|z>` for warm-ups (done, skip today, snooze),
`ci:<delivery>:s:<0|1|2>` for check-ins, `st:new` to start a retest.

The warm-up reminder and the check-in also carry what an athlete may need
there and then: the routine or session cards (`cd:i:<id>:n`, opened as a new
message so the reminder keeps its buttons), "Something hurts" (`pn:go`), and in
the check-in "too hard" (`lv:d`) and, after three weeks of two sessions, the
next level (`lv:u`). A red flag from the pain triage pauses the check-in and
strength tips (`coaching.pain.strength_paused_until`).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import pain, progression, reminders
from coaching.callbacks import (
    CardOpen,
    CheckinAnswer,
    LevelChange,
    PainStart,
    SelftestStart,
    SwimAnswer,
    WarmupAnswer,
)
from coaching.coach_models import Broadcast
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind
from coaching.reminders.models import TipSent
from coaching.scoring import Assessment
from coaching.video.findings import findings_of
from knowledge.i18n import plural
from knowledge.render import render_routine, render_tip
from knowledge.schema import KnowledgeBase, text_for
from scheduler.coach_messages import DigestComposer, RelayComposer, broadcast_message
from scheduler.recurrence import week_start, zone
from scheduler.sender import ButtonRows, MessageComposer, OutgoingMessage
from scheduler.tips import select_tip

PRERUN_ROUTINE = "prerun_activation"
STRENGTH_TOPICS = frozenset({"strength"})
"""Tips held back while a red flag pauses strength nudges."""


def ui(kb: KnowledgeBase, lang: str, key: str, **params: object) -> str:
    """An interface text with every parameter HTML-escaped."""
    return kb.ui_text(key, lang, **{name: html.escape(str(v)) for name, v in params.items()})


def local_clock(instant: dt.datetime, tz_name: str | None) -> str:
    return instant.astimezone(zone(tz_name)).strftime("%H:%M")


def card_button(kb: KnowledgeBase, lang: str, item_id: str) -> tuple[str, str]:
    """A button opening a routine's or session's card as a new message."""
    item = kb.routines.get(item_id) or kb.strength_sessions[item_id]
    return f"📋 {text_for(item.name, lang)}", CardOpen(item_id, "n").encode()


def pain_button(kb: KnowledgeBase, lang: str) -> tuple[str, str]:
    return ui(kb, lang, "pain_button"), PainStart().encode()


def warmup_buttons(
    kb: KnowledgeBase, lang: str, delivery: Delivery, now: dt.datetime | None = None
) -> ButtonRows:
    """Done / Skip today, and Snooze unless the run starts within the snooze (`now` given)."""
    answer_to = reminders.original_of(delivery)
    rows: ButtonRows = [
        [
            (ui(kb, lang, "warmup_done_button"), WarmupAnswer(answer_to, "d").encode()),
            (ui(kb, lang, "warmup_skip_button"), WarmupAnswer(answer_to, "s").encode()),
        ],
    ]
    if now is None or reminders.can_snooze(delivery, now):
        rows.append(
            [(ui(kb, lang, "warmup_snooze_button"), WarmupAnswer(delivery.id, "z").encode())]
        )
    return rows + warmup_extras(kb, lang)


def warmup_extras(kb: KnowledgeBase, lang: str) -> ButtonRows:
    """What the warm-up reminder keeps once answered: the routine's card, "Something hurts"."""
    extra = [pain_button(kb, lang)]
    if PRERUN_ROUTINE in kb.routines:
        extra.insert(0, card_button(kb, lang, PRERUN_ROUTINE))
    return [extra]


def checkin_text(kb: KnowledgeBase, lang: str, offer_next_level: bool = False) -> str:
    """The check-in's question, with the next level offered when earned."""
    text = ui(kb, lang, "checkin_question")
    if offer_next_level:
        weeks = plural(kb, lang, "count_weeks", progression.WEEKS_TO_PROGRESS)
        text += "\n\n" + ui(kb, lang, "checkin_level_offer", weeks=weeks)
    return text


def checkin_buttons(
    kb: KnowledgeBase, lang: str, delivery_id: int, offer_next_level: bool = False
) -> ButtonRows:
    """Sessions done (0 / 1 / 2+), then `checkin_extras`."""
    rows: ButtonRows = [
        [(ui(kb, lang, f"checkin_{n}"), CheckinAnswer(delivery_id, n).encode()) for n in (0, 1, 2)]
    ]
    return rows + checkin_extras(kb, lang, offer_next_level)


def checkin_extras(kb: KnowledgeBase, lang: str, offer_next_level: bool = False) -> ButtonRows:
    """What the check-in keeps once answered: the session cards, "too hard", the next
    level when earned, and "Something hurts"."""
    rows: ButtonRows = []
    sessions = [card_button(kb, lang, s) for s in kb.strength_sessions]
    if sessions:
        rows.append(sessions)
    rows.append([(ui(kb, lang, "level_easier_button"), LevelChange("d").encode())])
    if offer_next_level:
        rows.append([(ui(kb, lang, "level_harder_button"), LevelChange("u").encode())])
    rows.append([pain_button(kb, lang)])
    return rows


def swim_buttons(kb: KnowledgeBase, lang: str, delivery_id: int) -> ButtonRows:
    return [
        [
            (ui(kb, lang, "yes"), SwimAnswer(delivery_id, swam=True).encode()),
            (ui(kb, lang, "no"), SwimAnswer(delivery_id, swam=False).encode()),
        ]
    ]


async def latest_judged_test(
    session: AsyncSession, kb: KnowledgeBase, athlete_id: int
) -> tuple[dict[str, str] | None, Assessment] | None:
    """The answers and findings of the athlete's newest test with enough answers, the
    test /plan is built on, with a hip drop measured from video over its answer
    (`findings_of`): an all-skipped retest says nothing, so tips keep following the test
    before it. The answers are None when only a measurement found something."""
    found = (await findings_of(session, kb, [athlete_id])).get(athlete_id)
    if found is None or found.findings.found is None:
        return None
    return found.answers, found.findings.found


class Composer:
    """Builds the message for a claimed delivery; None means there is nothing to send."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete | None, now: dt.datetime
    ) -> OutgoingMessage | None:
        if athlete is None:
            return None
        kb, lang = self.kb, athlete.language
        kind = delivery.kind
        if kind == Kind.TIP:
            return await self._tip(session, delivery, athlete)
        if kind in (Kind.WARMUP, Kind.SNOOZE):
            return self._warmup(delivery, athlete, now)
        if kind == Kind.CHECKIN:
            return await self._checkin(session, delivery, athlete, now)
        if kind == Kind.RETEST:
            return OutgoingMessage(
                athlete.id,
                ui(kb, lang, "retest_reminder"),
                [[(ui(kb, lang, "retest_button"), SelftestStart("new").encode())]],
            )
        return None

    async def _checkin(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete, now: dt.datetime
    ) -> OutgoingMessage | None:
        """The weekly check-in, unless a red flag pauses strength nudges (then nothing)."""
        kb, lang = self.kb, athlete.language
        if await pain.strength_paused_until(session, athlete.id, now) is not None:
            return None
        raw = (delivery.payload or {}).get("week")
        week = (
            dt.date.fromisoformat(raw)
            if isinstance(raw, str)
            else week_start(delivery.due_at, athlete.timezone)
        )
        ready = await progression.ready_for_next(session, kb, athlete.id, week, now)
        text = checkin_text(kb, lang, ready)
        return OutgoingMessage(athlete.id, text, checkin_buttons(kb, lang, delivery.id, ready))

    async def _tip(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete
    ) -> OutgoingMessage | None:
        kb, lang = self.kb, athlete.language
        tip_id = (delivery.payload or {}).get("tip_id")
        tip = next((t for t in kb.tips if t.id == tip_id), None)
        if tip is None:
            judged = await latest_judged_test(session, kb, athlete.id)
            latest, found = judged if judged is not None else (None, None)
            sent_rows = await session.execute(
                select(TipSent.tip_id, TipSent.sent_at).where(TipSent.athlete_id == athlete.id)
            )
            sent: Mapping[str, dt.datetime] = dict(sent_rows.tuples().all())
            paused = await pain.strength_paused_until(session, athlete.id, delivery.due_at)
            tip = select_tip(
                kb.tips,
                found.levels if found is not None else None,
                athlete.triathlete,
                sent,
                answers=latest,
                first_tip=kb.meta.first_tip,
                avoid_topics=STRENGTH_TOPICS if paused is not None else (),
            )
            if tip is None:
                return None
            delivery.payload = {**(delivery.payload or {}), "tip_id": tip.id}
        text = ui(kb, lang, "tip_header") + "\n\n" + render_tip(kb, tip, lang)
        return OutgoingMessage(athlete.id, text)

    def _warmup(self, delivery: Delivery, athlete: Athlete, now: dt.datetime) -> OutgoingMessage:
        kb, lang = self.kb, athlete.language
        raw = (delivery.payload or {}).get("run_at")
        run_at = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else delivery.due_at
        minutes = max(0, round((run_at - now).total_seconds() / 60))
        head = plural(
            kb,
            lang,
            "warmup_reminder",
            minutes,
            run_time=html.escape(local_clock(run_at, athlete.timezone)),
        )
        parts = [head]
        routine = kb.routines.get(PRERUN_ROUTINE)
        if routine is not None:
            parts.append(render_routine(kb, routine, lang))
        buttons = warmup_buttons(kb, lang, delivery, now)
        return OutgoingMessage(athlete.id, "\n\n".join(parts), buttons)


class BroadcastComposer:
    """A coach's broadcast, to an athlete or posted in a linked group chat: the text
    (or photo and caption) as the coach made it, under a header naming the coach and
    the group, with "Reply to coach" on athletes' copies (`scheduler.coach_messages`;
    without `kb`, the text alone). `paid` sends athletes' copies as paid broadcasts
    (the PAID_BROADCAST setting); group-chat posts are never paid."""

    def __init__(self, kb: KnowledgeBase | None = None, paid: bool = False) -> None:
        self.kb = kb
        self.paid = paid

    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete | None, now: dt.datetime
    ) -> OutgoingMessage | None:
        broadcast = await session.get(Broadcast, delivery.ref_id) if delivery.ref_id else None
        if broadcast is None or broadcast.cancelled_at is not None:
            return None
        paid = self.paid and delivery.kind == Kind.BROADCAST
        if self.kb is not None:
            return await broadcast_message(session, self.kb, broadcast, delivery, athlete, paid)
        return OutgoingMessage(
            delivery.recipient, broadcast.text_html, photo=broadcast.photo_file_id, paid=paid
        )


def composers(kb: KnowledgeBase, paid_broadcast: bool = False) -> dict[str, MessageComposer]:
    """Who composes each kind of delivery."""
    reminder = Composer(kb)
    broadcast = BroadcastComposer(kb, paid=paid_broadcast)
    found: dict[str, MessageComposer] = {kind.value: reminder for kind in Kind}
    found[Kind.BROADCAST] = found[Kind.GROUP_POST] = broadcast
    found[Kind.RELAY] = RelayComposer(kb)
    found[Kind.DIGEST] = DigestComposer(kb)
    return found
