"""What each kind of delivery says: Telegram HTML and buttons, from the knowledge base.

Every parameter put into an interface text is HTML-escaped here (the
scheduler cannot use `bot.render`). Button data comes from `coaching.callbacks`,
the codec the bot's handlers parse it with, and names the delivery it answers:
`rm:<delivery>:<d|s|z>` for warm-ups (done, skip today, snooze),
`ci:<delivery>:s:<0|1|2>` for check-ins, `st:new` to start a retest.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import reminders
from coaching.callbacks import CheckinAnswer, SelftestStart, SwimAnswer, WarmupAnswer
from coaching.coach_models import Broadcast
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind
from coaching.reminders.models import TipSent
from knowledge.render import render_routine, render_tip
from knowledge.schema import KnowledgeBase
from scheduler.coach_messages import DigestComposer, RelayComposer, broadcast_message
from scheduler.recurrence import zone
from scheduler.sender import ButtonRows, MessageComposer, OutgoingMessage
from scheduler.tips import select_tip

PRERUN_ROUTINE = "prerun_activation"


def ui(kb: KnowledgeBase, lang: str, key: str, **params: object) -> str:
    """An interface text with every parameter HTML-escaped."""
    return kb.ui_text(key, lang, **{name: html.escape(str(v)) for name, v in params.items()})


def local_clock(instant: dt.datetime, tz_name: str | None) -> str:
    return instant.astimezone(zone(tz_name)).strftime("%H:%M")


def warmup_buttons(kb: KnowledgeBase, lang: str, delivery: Delivery) -> ButtonRows:
    answer_to = reminders.original_of(delivery)
    return [
        [
            (ui(kb, lang, "warmup_done_button"), WarmupAnswer(answer_to, "d").encode()),
            (ui(kb, lang, "warmup_skip_button"), WarmupAnswer(answer_to, "s").encode()),
        ],
        [(ui(kb, lang, "warmup_snooze_button"), WarmupAnswer(delivery.id, "z").encode())],
    ]


def checkin_buttons(kb: KnowledgeBase, lang: str, delivery_id: int) -> ButtonRows:
    return [
        [(ui(kb, lang, f"checkin_{n}"), CheckinAnswer(delivery_id, n).encode()) for n in (0, 1, 2)]
    ]


def swim_buttons(kb: KnowledgeBase, lang: str, delivery_id: int) -> ButtonRows:
    return [
        [
            (ui(kb, lang, "yes"), SwimAnswer(delivery_id, swam=True).encode()),
            (ui(kb, lang, "no"), SwimAnswer(delivery_id, swam=False).encode()),
        ]
    ]


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
            return OutgoingMessage(
                athlete.id,
                ui(kb, lang, "checkin_question"),
                checkin_buttons(kb, lang, delivery.id),
            )
        if kind == Kind.RETEST:
            return OutgoingMessage(
                athlete.id,
                ui(kb, lang, "retest_reminder"),
                [[(ui(kb, lang, "retest_button"), SelftestStart("new").encode())]],
            )
        return None

    async def _tip(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete
    ) -> OutgoingMessage | None:
        kb, lang = self.kb, athlete.language
        tip_id = (delivery.payload or {}).get("tip_id")
        tip = next((t for t in kb.tips if t.id == tip_id), None)
        if tip is None:
            latest = await session.scalar(
                select(SelftestResult.findings)
                .where(SelftestResult.athlete_id == athlete.id)
                .order_by(SelftestResult.created_at.desc(), SelftestResult.id.desc())
                .limit(1)
            )
            sent_rows = await session.execute(
                select(TipSent.tip_id, TipSent.sent_at).where(TipSent.athlete_id == athlete.id)
            )
            sent: Mapping[str, dt.datetime] = dict(sent_rows.tuples().all())
            tip = select_tip(kb.tips, latest, athlete.triathlete, sent)
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
        head = ui(
            kb,
            lang,
            "warmup_reminder",
            run_time=local_clock(run_at, athlete.timezone),
            minutes=minutes,
        )
        parts = [head]
        routine = kb.routines.get(PRERUN_ROUTINE)
        if routine is not None:
            parts.append(render_routine(kb, routine, lang))
        return OutgoingMessage(athlete.id, "\n\n".join(parts), warmup_buttons(kb, lang, delivery))


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
