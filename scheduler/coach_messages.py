"""What coaches' messages say when they arrive: broadcasts with their sender, relayed replies.

An athlete used to receive a coach's broadcast with no word of who sent it, and
had nowhere to answer. Every broadcast now opens with a header naming the
coach and the group ("Coach Yan · Tuesday Track") and carries a "Reply to
coach" button (`rc:<broadcast>`); group-chat posts get the header only. A
header that would push a message past Telegram's limit (4096, or 1024 for a
photo caption) is left out rather than cutting the coach's text.

Relayed messages (`coaching.relay`) name who wrote and about which
broadcast; the coach's copy says that replying to it answers the athlete.
Every name and label is escaped here; the texts themselves were made safe
Telegram HTML when they were taken in.
"""

from __future__ import annotations

import datetime as dt
import html

from sqlalchemy.ext.asyncio import AsyncSession

from coaching import coach_profile, digest
from coaching.callbacks import ReplyToCoach
from coaching.coach_models import Broadcast, TrainingGroup
from coaching.coaches import Role
from coaching.console import parse_nudge_ref
from coaching.console_models import RelayedMessage
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind
from knowledge.i18n import format_date, plural
from knowledge.schema import KnowledgeBase
from knowledge.telegram_text import telegram_length
from scheduler.sender import ButtonRows, OutgoingMessage

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def ui(kb: KnowledgeBase, lang: str, key: str, **params: object) -> str:
    return kb.ui_text(key, lang, **{name: html.escape(str(v)) for name, v in params.items()})


async def coach_label(session: AsyncSession, kb: KnowledgeBase, lang: str, coach_id: int) -> str:
    """ "Coach Yan", or "Your coach" when the coach's name is not known (plain text)."""
    name = await coach_profile.display_name(session, coach_id)
    if name:
        return kb.ui_text("coach_named", lang, name=name)
    return kb.ui_text("coach_unnamed", lang)


async def group_label(
    session: AsyncSession, kb: KnowledgeBase, lang: str, broadcast: Broadcast
) -> str | None:
    """The group a broadcast went to, as its athletes know it; None for other audiences."""
    group_id: int | None = None
    if broadcast.audience == "group" and (broadcast.audience_ref or "").isdecimal():
        group_id = int(str(broadcast.audience_ref))
    elif broadcast.audience == "nudge":
        parsed = parse_nudge_ref(broadcast.audience_ref)
        group_id = parsed[1] if parsed is not None else None
    elif broadcast.audience == "mine":
        return kb.ui_text("broadcast_header_all_groups", lang)
    if group_id is None:
        return None
    group = await session.get(TrainingGroup, group_id)
    return group.name if group is not None else None


async def broadcast_header(
    session: AsyncSession, kb: KnowledgeBase, lang: str, broadcast: Broadcast
) -> str:
    coach = await coach_label(session, kb, lang, broadcast.coach_id)
    group = await group_label(session, kb, lang, broadcast)
    if group is None:
        return ui(kb, lang, "broadcast_header_coach", coach=coach)
    return ui(kb, lang, "broadcast_header", coach=coach, group=group)


def _fits(text: str, photo: bool) -> bool:
    limit = CAPTION_LIMIT if photo else MESSAGE_LIMIT
    return telegram_length(text) <= limit and len(text) <= 3 * limit


async def broadcast_message(
    session: AsyncSession,
    kb: KnowledgeBase,
    broadcast: Broadcast,
    delivery: Delivery,
    athlete: Athlete | None,
    paid: bool,
) -> OutgoingMessage:
    """A broadcast copy: header, the coach's text, and (to an athlete) "Reply to coach"."""
    text, buttons = await _broadcast_text(
        session, kb, broadcast, athlete.language if athlete is not None else None
    )
    if delivery.kind != Kind.BROADCAST:
        buttons = []
    return OutgoingMessage(
        delivery.recipient, text, buttons, photo=broadcast.photo_file_id, paid=paid
    )


async def _broadcast_text(
    session: AsyncSession, kb: KnowledgeBase, broadcast: Broadcast, lang: str | None
) -> tuple[str, ButtonRows]:
    """The text and buttons of a broadcast's copies in one language (None: the coach's,
    for group-chat posts), worked out once per claimed batch: the copies of a broadcast
    differ only in their recipient and language, and a batch holds hundreds of them."""
    made: dict[tuple[int, str | None], tuple[str, ButtonRows]]
    made = session.info.setdefault("broadcast_texts", {})
    key = (broadcast.id, lang)
    if key in made:
        return made[key]
    language = lang or await coach_profile.language_of(session, broadcast.coach_id)
    header = await broadcast_header(session, kb, language, broadcast)
    body = broadcast.text_html
    photo = broadcast.photo_file_id is not None
    text = f"{header}\n\n{body}" if body else header
    if not _fits(text, photo):
        text = body
    label = kb.ui_text("reply_to_coach_button", language)
    made[key] = text, [[(label, ReplyToCoach(broadcast.id).encode())]]
    return made[key]


class RelayComposer:
    """A reply relayed to the coach, or the coach's answer relayed to the athlete."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete | None, now: dt.datetime
    ) -> OutgoingMessage | None:
        relayed = await session.get(RelayedMessage, delivery.ref_id) if delivery.ref_id else None
        if relayed is None or not relayed.text_html:
            return None
        kb = self.kb
        broadcast = (
            await session.get(Broadcast, relayed.broadcast_id) if relayed.broadcast_id else None
        )
        if relayed.to_coach:
            lang = await coach_profile.language_of(session, relayed.coach_id)
            writer = await session.get(Athlete, relayed.athlete_id)
            name = (writer.first_name if writer is not None else "") or str(relayed.athlete_id)
            group = await group_label(session, kb, lang, broadcast) if broadcast else None
            head = ui(
                kb,
                lang,
                "relay_to_coach",
                athlete=name,
                id=relayed.broadcast_id or "?",
                group=group or "—",
            )
            foot = ui(kb, lang, "relay_to_coach_hint", athlete=name)
            return OutgoingMessage(delivery.recipient, f"{head}\n\n{relayed.text_html}\n\n{foot}")
        lang = athlete.language if athlete is not None else "en"
        coach = await coach_label(session, kb, lang, relayed.coach_id)
        head = ui(kb, lang, "relay_to_athlete", coach=coach)
        buttons: ButtonRows = []
        if relayed.broadcast_id is not None:
            label = kb.ui_text("reply_to_coach_button", lang)
            buttons = [[(label, ReplyToCoach(relayed.broadcast_id).encode())]]
        return OutgoingMessage(delivery.recipient, f"{head}\n\n{relayed.text_html}", buttons)


class DigestComposer:
    """A coach's weekly digest: per group, the week's numbers and who needs a word.
    Nothing is sent to a coach without groups."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete | None, now: dt.datetime
    ) -> OutgoingMessage | None:
        coach_id = delivery.recipient
        raw = (delivery.payload or {}).get("week")
        if not isinstance(raw, str):
            return None
        week = await digest.week_of(
            session, self.kb, Role(coach_id, admin=False), dt.date.fromisoformat(raw), now
        )
        if not week.groups:
            return None
        lang = await coach_profile.language_of(session, coach_id)
        return OutgoingMessage(coach_id, digest_text(self.kb, lang, week))


def digest_text(kb: KnowledgeBase, lang: str, week: digest.Digest) -> str:
    """The digest as one message: as many groups as fit, then how many more there are.
    Counts of athletes, new ones and groups take the plural their number needs."""
    parts = [ui(kb, lang, "digest_title", week=format_date(week.week_start, lang))]
    for index, group in enumerate(week.groups):
        part = plural(
            kb,
            lang,
            "digest_group",
            group.members,
            group=html.escape(group.name),
            joined=plural(kb, lang, "digest_joined", group.joined),
            tests=group.tests,
            strong=group.strong,
            answered=group.answered,
        )
        part += "\n" + ui(
            kb,
            lang,
            "digest_flags",
            untested=group.untested,
            behind=group.behind,
            silent=group.silent,
            pain=plural(kb, lang, "digest_pain", group.pain),
        )
        if telegram_length("\n\n".join([*parts, part])) > MESSAGE_LIMIT - 200:
            parts.append(plural(kb, lang, "digest_more", len(week.groups) - index))
            break
        parts.append(part)
    return "\n\n".join(parts)
