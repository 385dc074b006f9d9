"""Coach broadcasts: compose, preview, confirm, report, cancel; and their delivery.

Flow (every step is the coach's `broadcast_draft`, moved only along
`coaching.broadcasts.TRANSITIONS`, which `docs/coach_broadcast.mmd` is drawn from;
the draft is also the chat's pending question, so /cancel discards it and a
restart or another instance takes the next step):

    /broadcast → type the text (or send a photo, caption optional) → pick the audience
    → preview with recipient count (and a warning when nobody would get it)
    → "Send now" | "Schedule…" (type the time → confirm) | "Edit the text" (or caption:
      typed again, the audience kept, previewed again) | Back | Cancel

A schedule time is read by `coaching.when` in the coach's own zone ("tomorrow 7:00",
"Mon 18:00", "30.11. 07:00", Finnish forms too); a refusal says exactly what is
wrong (`bot.schedule_text.describe`), and times are shown with the zone
(`bot.schedule_text.moment`).

Buttons (`coaching.callbacks`): `bd:<draft>:<action>[:<arg>]` (refused unless
the draft is the tapper's current one and at the right step), `bx:<broadcast>[:y]`
(cancel a broadcast that is still sending, once sure; refused unless it is the tapper's),
`br:<broadcast>` (send it again to the recipients Telegram never confirmed);
the reports that offer the last two are /broadcasts (`bot.handlers.console`).

Delivery: each recipient, athlete or linked group chat, is one outbox row
(`coaching.outbox`) that the scheduler's dispatcher sends at the shared pace;
with PAID_BROADCAST on, athletes' copies are paid broadcasts (up to 1000/s),
group-chat posts never are.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.context import HipContext, Refused, coach_only, on_button
from bot.counted import counted
from bot.render import Button, keyboard
from bot.schedule_text import describe, moment
from coaching import broadcasts, coach_profile, coaches
from coaching.broadcasts import Audience, Step
from coaching.callbacks import BroadcastCancel, BroadcastList, BroadcastResend, DraftStep
from coaching.coach_models import BroadcastDraft, TrainingGroup
from coaching.coaches import Role
from coaching.pending import Kind, PendingQuestion
from coaching.timeparse import display_zone
from coaching.when import WhenError
from knowledge.schema import FAULT_IDS, text_for

log = logging.getLogger(__name__)

Question = tuple[str, list[list[Button]]]


# --------------------------------------------------------------------- rendering


def _data(draft: BroadcastDraft, action: str, arg: str | None = None) -> str:
    return DraftStep(draft.id, action, arg).encode()


def _cancel_row(context: HipContext, draft: BroadcastDraft) -> list[Button]:
    return [(context.t("broadcast_cancel_draft"), _data(draft, "x"))]


async def audience_question(
    context: HipContext, session: AsyncSession, role: Role, draft: BroadcastDraft
) -> Question:
    groups = await coaches.my_groups(session, role)
    rows: list[list[Button]] = [[(g.name[:60], _data(draft, "g", str(g.id)))] for g in groups[:20]]
    if groups:
        rows.append([(context.t("broadcast_to_mine"), _data(draft, "m"))])
    if role.admin:
        rows.append([(context.t("broadcast_to_all"), _data(draft, "a"))])
    rows.append([(context.t("broadcast_to_finding"), _data(draft, "f"))])
    rows.append(_cancel_row(context, draft))
    return context.t("broadcast_ask_audience"), rows


def finding_question(context: HipContext, draft: BroadcastDraft) -> Question:
    faults = context.kb.faults
    rows: list[list[Button]] = [
        [(text_for(faults[f].name, context.lang)[:60], _data(draft, "fv", f))]
        for f in FAULT_IDS
        if f in faults
    ]
    rows.append([(context.t("back"), _data(draft, "back"))])
    return context.t("broadcast_ask_finding"), rows


async def audience_label(
    context: HipContext, session: AsyncSession, audience: str, ref: str | None
) -> str:
    if audience == Audience.GROUP and ref and ref.isdigit():
        group = await session.get(TrainingGroup, int(ref))
        return group.name if group else "?"
    if audience == Audience.FINDING and ref in context.kb.faults:
        fault = text_for(context.kb.faults[ref].name, context.lang)
        return context.t("broadcast_label_finding", fault=fault)
    return context.t("broadcast_to_all" if audience == Audience.ALL else "broadcast_to_mine")


async def coach_zone(session: AsyncSession, user_id: int) -> str | None:
    """The coach's own zone (`/timezone`), else their athlete profile's; None: UTC."""
    return await coach_profile.zone_name(session, user_id)


def _recipients(context: HipContext, base: str, count: broadcasts.Preview, **params: object) -> str:
    """A text naming how many athletes (its plural) and group chats a broadcast reaches."""
    chats = counted(context, "count_chats", count.chats)
    return counted(context, base, count.athletes, chats=chats, **params)


async def preview_question(
    context: HipContext, session: AsyncSession, role: Role, draft: BroadcastDraft
) -> Question:
    """What is about to go out and to whom; a warning first when it would reach nobody."""
    count = await broadcasts.preview(session, context.kb, role, draft)
    label = await audience_label(context, session, draft.audience or "", draft.audience_ref)
    text = _recipients(context, "broadcast_preview", count, audience=label)
    if not count.athletes and not count.chats:
        text = context.t("broadcast_empty_warning") + "\n\n" + text
    edit = context.t(
        "broadcast_edit_caption_button" if draft.photo_file_id else "broadcast_edit_button"
    )
    rows: list[list[Button]] = [
        [
            (context.t("broadcast_send_now"), _data(draft, "now")),
            (context.t("broadcast_schedule"), _data(draft, "later")),
        ],
        [(edit, _data(draft, "edit"))],
        [(context.t("back"), _data(draft, "back"))],
        _cancel_row(context, draft),
    ]
    return text, rows


async def confirm_question(
    context: HipContext, session: AsyncSession, role: Role, draft: BroadcastDraft
) -> Question:
    count = await broadcasts.preview(session, context.kb, role, draft)
    zone_name = await coach_zone(session, role.user_id)
    assert draft.send_at is not None
    when = moment(draft.send_at, zone_name, context.lang)
    text = _recipients(context, "broadcast_confirm_scheduled", count, when=when)
    if not count.athletes and not count.chats:
        text = context.t("broadcast_empty_warning") + "\n\n" + text
    rows = [
        [(context.t("broadcast_confirm"), _data(draft, "ok"))],
        [(context.t("back"), _data(draft, "back"))],
        _cancel_row(context, draft),
    ]
    return text, rows


async def _ask(
    context: HipContext, draft: BroadcastDraft, question: Question, *, on_tapped: bool = False
) -> None:
    """The draft's next question, as the chat's pending question."""
    await context.wait_for(Kind.BROADCAST, step=draft.step, ref_id=draft.id, on_tapped=on_tapped)
    text, rows = question
    if on_tapped:
        context.edit(text, keyboard(rows))
    else:
        context.ask(text, keyboard(rows))


# --------------------------------------------------------------------- compose


@coach_only
async def broadcast_command(update: Update, context: HipContext) -> None:
    """Start composing a broadcast: ask for the text."""
    draft = await broadcasts.start_draft(await context.db(), context.role, context.now)
    ask = context.t("broadcast_ask_text") + "\n" + context.t("broadcast_photo_hint")
    await _ask(context, draft, (ask, [_cancel_row(context, draft)]))


async def _draft(context: HipContext) -> tuple[Role, BroadcastDraft] | None:
    """The coach's live draft (discarded if they no longer coach); None: nothing waits."""
    return await broadcasts.coach_draft(
        await context.db(), context.svc.settings.admin_ids, context.user_id, context.now
    )


async def answer_text(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """Typed text for a coach's draft: the message, or the time to send it at."""
    message = update.effective_message
    found = await _draft(context)
    if found is None or message is None or found[1].id != question.ref_id:
        await context.stop_waiting(Kind.BROADCAST)
        context.say("stray_text")
        return
    role, draft = found
    session = await context.db()
    if draft.step in (Step.TEXT, Step.EDIT):
        editing = draft.step == Step.EDIT
        entities_html = message.text_html if message.entities else None
        try:
            escaped = broadcasts.set_text(draft, text, context.now, entities_html)
        except broadcasts.CaptionTooLong as exc:
            raise Refused(
                context.t(
                    "broadcast_caption_too_long", length=exc.args[0], limit=broadcasts.MAX_CAPTION
                )
            ) from None
        except broadcasts.InvalidText:
            raise Refused(context.t("broadcast_text_invalid")) from None
        if escaped:
            context.say("broadcast_escaped")
        if editing:
            await _show_preview(context, session, role, draft)
        else:
            await _ask(context, draft, await audience_question(context, session, role, draft))
    elif draft.step == Step.TIME:
        zone_name = await coach_zone(session, role.user_id)
        try:
            send_at = broadcasts.parse_send_time(text, context.now, zone_name)
        except WhenError as error:
            raise Refused(describe(context.kb, context.lang, text, error)) from None
        broadcasts.set_time(draft, send_at, context.now)
        await _ask(context, draft, await confirm_question(context, session, role, draft))
    else:
        context.say("broadcast_use_buttons")


async def answer_photo(update: Update, context: HipContext, question: PendingQuestion) -> None:
    """A photo (caption optional) as the message of a coach's draft."""
    message = update.effective_message
    found = await _draft(context)
    if found is None or message is None or not message.photo or found[1].step != Step.TEXT:
        context.say("stray_text")
        return
    role, draft = found
    entities_html = message.caption_html if message.caption_entities else None
    try:
        escaped = broadcasts.set_photo(
            draft, message.photo[-1].file_id, message.caption, context.now, entities_html
        )
    except broadcasts.CaptionTooLong as exc:
        raise Refused(
            context.t(
                "broadcast_caption_too_long", length=exc.args[0], limit=broadcasts.MAX_CAPTION
            )
        ) from None
    except broadcasts.InvalidText:
        raise Refused(context.t("broadcast_text_invalid")) from None
    if escaped:
        context.say("broadcast_escaped")
    await _ask(context, draft, await audience_question(context, await context.db(), role, draft))


@on_button(DraftStep)
@coach_only
async def draft_button(update: Update, context: HipContext, button: DraftStep) -> None:
    """A step of the compose flow; anything not for the tapper's current draft changes nothing."""
    session, role = await context.db(), context.role
    try:
        tapped = await broadcasts.tap(
            session, context.kb, role, button.draft_id, button.action, button.arg, context.now
        )
    except (broadcasts.Stale, broadcasts.NotAllowed, ValueError):
        context.toast("stale_button")
        return
    draft, broadcast = tapped.draft, tapped.broadcast
    if broadcast is not None:
        await context.stop_waiting(Kind.BROADCAST)
        if broadcast.send_at > context.now:
            when = moment(broadcast.send_at, await coach_zone(session, role.user_id), context.lang)
            text = counted(
                context, "broadcast_scheduled", broadcast.recipients, id=broadcast.id, when=when
            )
        else:
            text = counted(context, "broadcast_queued", broadcast.recipients, id=broadcast.id)
        context.edit(text)
        return
    if draft is None:
        await context.stop_waiting(Kind.BROADCAST)
        context.edit(context.t("broadcast_draft_cancelled"))
        return
    if draft.step == Step.FINDING:
        await _ask(context, draft, finding_question(context, draft), on_tapped=True)
    elif draft.step == Step.AUDIENCE:
        await _ask(
            context, draft, await audience_question(context, session, role, draft), on_tapped=True
        )
    elif draft.step == Step.TIME:
        tz_name = display_zone(await coach_zone(session, role.user_id))
        question = (context.t("broadcast_ask_time", tz=tz_name), [_cancel_row(context, draft)])
        await _ask(context, draft, question, on_tapped=True)
    elif draft.step == Step.EDIT:
        key = "broadcast_ask_edit_caption" if draft.photo_file_id else "broadcast_ask_edit"
        back = [(context.t("back"), _data(draft, "back"))]
        await _ask(
            context, draft, (context.t(key), [back, _cancel_row(context, draft)]), on_tapped=True
        )
    else:
        context.edit(context.t("broadcast_preview_below"))
        await _show_preview(context, session, role, draft)


async def _show_preview(
    context: HipContext, session: AsyncSession, role: Role, draft: BroadcastDraft
) -> None:
    """The message itself as athletes will see it, then what to do with it."""
    if draft.photo_file_id is not None:
        context.reply_photo(draft.photo_file_id, draft.text_html or None)
    else:
        context.reply_long(draft.text_html or "")
    await _ask(context, draft, await preview_question(context, session, role, draft))


# --------------------------------------------------------------------- reports


@on_button(BroadcastCancel)
@coach_only
async def cancel_button(update: Update, context: HipContext, button: BroadcastCancel) -> None:
    """Cancel what has not been sent yet of one of the tapper's own broadcasts, once the
    coach is sure: the first tap says how many messages would not go out."""
    session = await context.db()
    broadcast = await broadcasts.owned_broadcast(session, context.role, button.broadcast_id)
    if broadcast is None:
        context.toast("coach_not_allowed")
        return
    if not button.sure:
        waiting = (await broadcasts.report(session, broadcast)).pending
        rows = [
            [
                (
                    context.t("broadcast_cancel_yes", id=broadcast.id),
                    BroadcastCancel(broadcast.id, sure=True).encode(),
                )
            ],
            [(context.t("broadcast_cancel_keep"), BroadcastList(0).encode())],
        ]
        text = counted(context, "broadcast_cancel_confirm", waiting, id=broadcast.id)
        context.edit(text, keyboard(rows))
        return
    cancelled = await broadcasts.cancel(session, broadcast, context.now)
    context.edit(counted(context, "broadcast_cancelled", cancelled, id=broadcast.id))


@on_button(BroadcastResend)
@coach_only
async def resend_button(update: Update, context: HipContext, button: BroadcastResend) -> None:
    """Send a broadcast again to exactly the recipients Telegram never confirmed."""
    session = await context.db()
    broadcast = await broadcasts.owned_broadcast(session, context.role, button.broadcast_id)
    if broadcast is None:
        context.toast("coach_not_allowed")
        return
    resent = await broadcasts.resend_unconfirmed(session, broadcast, context.now)
    if not resent:
        context.say("broadcast_resend_nothing")
        return
    context.reply(counted(context, "broadcast_resent", resent, id=broadcast.id))


__all__ = [
    "answer_photo",
    "answer_text",
    "broadcast_command",
    "cancel_button",
    "draft_button",
    "resend_button",
]
