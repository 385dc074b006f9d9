"""Replies to broadcasts: an athlete's answer goes to the coach, the coach's answer comes back.

    athlete: replies (Telegram's Reply) to a broadcast, or taps "Reply to coach" under
             it and writes the next message  → relayed to the coach, with who and which
    coach:   replies to that relayed message  → relayed back to the athlete, who can
             reply to it in turn

Both ways are outbox relays (`coaching.relay`), sent by the dispatcher, so a
reply is never lost to a restart and never sent twice. "Reply to coach" makes
the athlete's next message the chat's pending question (`coaching.pending`,
kind "relay"), so /cancel ends it like any other question. A Telegram reply to
any other message is ordinary typed text (`bot.handlers.conversation`).
The relayed text keeps the sender's formatting; stray `<`, `>` and `&` are
escaped (`knowledge.telegram_text.repair_html`).
"""

from __future__ import annotations

from telegram import Message, Update

from bot.context import HipContext, athlete_only, handler, on_button
from bot.handlers import conversation
from coaching import coach_profile, coaches, relay
from coaching.callbacks import ReplyToCoach
from coaching.coach_models import Broadcast
from coaching.console_models import RelayedMessage
from coaching.models import Athlete
from coaching.pending import Kind, PendingQuestion
from knowledge.telegram_text import html_problems, repair_html


def relayed_html(message: Message) -> str:
    """What the person wrote, as Telegram HTML: their own formatting, or the typed text
    with real tags kept and stray `<`, `>`, `&` escaped."""
    text = (message.text or "").replace("\x00", "")
    if message.entities:
        formatted = message.text_html.replace("\x00", "")
        if not html_problems(formatted):
            return formatted
    return repair_html(text)


async def _coach_name(context: HipContext, coach_id: int) -> str:
    name = await coach_profile.display_name(await context.db(), coach_id)
    if name:
        return context.kb.ui_text("coach_named", context.lang, name=name)
    return context.kb.ui_text("coach_unnamed", context.lang)


async def _to_coach(context: HipContext, broadcast: Broadcast, message: Message) -> None:
    try:
        await relay.to_coach(
            await context.db(), context.user_id, broadcast, relayed_html(message), context.now
        )
    except relay.TooLong as too_long:
        raise context.refuse(
            "relay_too_long", length=too_long.args[0], limit=relay.MAX_TEXT
        ) from None
    except relay.Unavailable:
        raise context.refuse("relay_unavailable") from None
    context.say("relay_sent", coach=await _coach_name(context, broadcast.coach_id))


async def _to_athlete(context: HipContext, answered: RelayedMessage, message: Message) -> None:
    session = await context.db()
    role = await coaches.authorise(session, context.svc.settings.admin_ids, context.user_id)
    if role is None:
        raise context.refuse("relay_unavailable")
    user = context.turn.update.effective_user
    await coach_profile.note_identity(
        session, role, user.first_name if user else None, context.lang, context.now
    )
    try:
        await relay.to_athlete(session, answered, relayed_html(message), context.now)
    except relay.TooLong as too_long:
        raise context.refuse(
            "relay_too_long", length=too_long.args[0], limit=relay.MAX_TEXT
        ) from None
    except relay.Unavailable:
        raise context.refuse("relay_unavailable") from None
    athlete = await session.get(Athlete, answered.athlete_id)
    name = (athlete.first_name if athlete is not None else "") or str(answered.athlete_id)
    context.say("relay_answer_sent", athlete=name)


@on_button(ReplyToCoach)
@athlete_only
async def reply_button(update: Update, context: HipContext, button: ReplyToCoach) -> None:
    """ "Reply to coach": the athlete's next message goes to the broadcast's coach."""
    session = await context.db()
    broadcast = await session.get(Broadcast, button.broadcast_id)
    if broadcast is None or not await relay.received_broadcast(
        session, context.user_id, broadcast.id
    ):
        context.toast("stale_button")
        return
    await context.wait_for(Kind.RELAY, ref_id=broadcast.id)
    context.ask(context.t("relay_ask", coach=await _coach_name(context, broadcast.coach_id)))


@athlete_only
async def answer_text(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """The message the athlete wrote after "Reply to coach" (a pending "relay" question)."""
    message = update.effective_message
    session = await context.db()
    broadcast = await session.get(Broadcast, question.ref_id) if question.ref_id else None
    if message is None or broadcast is None:
        await context.stop_waiting(Kind.RELAY)
        raise context.refuse("relay_unavailable")
    await _to_coach(context, broadcast, message)
    await context.stop_waiting(Kind.RELAY)


@handler
async def reply_message(update: Update, context: HipContext) -> None:
    """A Telegram reply in a private chat: to a relayed reply (the coach answers), to a
    broadcast or a relayed answer (the athlete writes to the coach); else typed text."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if message is None or replied is None or not message.text:
        await conversation.text_message(update, context)
        return
    session = await context.db()
    await context.find_athlete()
    answered = await relay.reply_replied_to(session, context.user_id, replied.message_id)
    if answered is not None:
        await _to_athlete(context, answered, message)
        return
    broadcast = await relay.broadcast_replied_to(session, context.user_id, replied.message_id)
    if broadcast is not None:
        await _to_coach(context, broadcast, message)
        return
    await conversation.text_message(update, context)
