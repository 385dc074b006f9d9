"""Coach broadcasts: compose, preview, confirm, report, cancel; and their delivery.

Flow (every step is stored in the coach's `broadcast_draft`, so a restart or
another instance takes the next step; see docs/coach_broadcast.mmd):

    /broadcast → type the text (or send a photo, caption optional) → pick the audience
    → preview with recipient count
    → "Send now" | "Schedule…" (type the time → confirm) | Back | Cancel

Buttons (`coaching.callbacks`): `bd:<draft>:<action>[:<arg>]` (refused unless
the draft is the tapper's current one and at the right step), `bx:<broadcast>`
(cancel a broadcast that is still sending; refused unless it is the tapper's),
`br:<broadcast>` (send it again to the recipients Telegram never confirmed).
`/broadcasts` shows each broadcast's report: sent, pending, failed, blocked,
cancelled, and how many were not confirmed (they may or may not have arrived).

Delivery: each recipient, athlete or linked group chat, is one outbox row
(`coaching.outbox`) that the scheduler's dispatcher sends at the shared pace;
with PAID_BROADCAST on, athletes' copies are paid broadcasts (up to 1000/s),
group-chat posts never are.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.handlers.coaches import authorised
from bot.handlers.common import language, tapped
from bot.render import Button, keyboard, split_message, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import broadcasts, coaches
from coaching.broadcasts import Audience, Step
from coaching.callbacks import (
    BroadcastCancel,
    BroadcastResend,
    DraftStep,
    GroupExport,
    GroupJoin,
    GroupLeave,
    GroupLink,
    route,
)
from coaching.coach_models import BroadcastDraft, TrainingGroup
from coaching.coaches import Role
from coaching.models import Athlete
from knowledge.schema import FAULT_IDS, text_for
from scheduler.recurrence import zone

log = logging.getLogger(__name__)


# --------------------------------------------------------------------- rendering


def _data(draft: BroadcastDraft, action: str, arg: str | None = None) -> str:
    return DraftStep(draft.id, action, arg).encode()


def _cancel_row(svc: Services, lang: str, draft: BroadcastDraft) -> list[Button]:
    return [(ui(svc.kb, lang, "broadcast_cancel_draft"), _data(draft, "x"))]


async def audience_question(
    svc: Services, session: AsyncSession, role: Role, lang: str, draft: BroadcastDraft
) -> tuple[str, list[list[Button]]]:
    groups = await coaches.my_groups(session, role)
    rows: list[list[Button]] = [[(g.name[:60], _data(draft, "g", str(g.id)))] for g in groups[:20]]
    if groups:
        rows.append([(ui(svc.kb, lang, "broadcast_to_mine"), _data(draft, "m"))])
    if role.admin:
        rows.append([(ui(svc.kb, lang, "broadcast_to_all"), _data(draft, "a"))])
    rows.append([(ui(svc.kb, lang, "broadcast_to_finding"), _data(draft, "f"))])
    rows.append(_cancel_row(svc, lang, draft))
    return ui(svc.kb, lang, "broadcast_ask_audience"), rows


def finding_question(
    svc: Services, lang: str, draft: BroadcastDraft
) -> tuple[str, list[list[Button]]]:
    rows: list[list[Button]] = [
        [(text_for(svc.kb.faults[f].name, lang)[:60], _data(draft, "fv", f))]
        for f in FAULT_IDS
        if f in svc.kb.faults
    ]
    rows.append([(ui(svc.kb, lang, "back"), _data(draft, "back"))])
    return ui(svc.kb, lang, "broadcast_ask_finding"), rows


async def audience_label(
    svc: Services, session: AsyncSession, lang: str, audience: str, ref: str | None
) -> str:
    if audience == Audience.GROUP and ref and ref.isdigit():
        group = await session.get(TrainingGroup, int(ref))
        return group.name if group else "?"
    if audience == Audience.FINDING and ref in svc.kb.faults:
        return ui(
            svc.kb, lang, "broadcast_label_finding", fault=text_for(svc.kb.faults[ref].name, lang)
        )
    return ui(svc.kb, lang, "broadcast_to_all" if audience == Audience.ALL else "broadcast_to_mine")


async def coach_zone(session: AsyncSession, user_id: int) -> tuple[dt.tzinfo, str]:
    athlete = await session.get(Athlete, user_id)
    name = athlete.timezone if athlete is not None and athlete.timezone else "UTC"
    return zone(name), name


def local(instant: dt.datetime, tz: dt.tzinfo) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------- commands


async def broadcast_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start composing a broadcast: ask for the text."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    async with svc.db.transaction() as session:
        draft = await broadcasts.start_draft(session, role, svc.clock())
    ask = ui(svc.kb, lang, "broadcast_ask_text") + "\n" + ui(svc.kb, lang, "broadcast_photo_hint")
    await send_html(update, ask, keyboard([_cancel_row(svc, lang, draft)]))


class Refusal(Exception):
    """Leaves a transaction (nothing changed) with a message to send once it is closed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _storable(text: str | None) -> str | None:
    """Without NUL bytes, which PostgreSQL refuses in text (and no reader would see)."""
    return text.replace("\x00", "") if text is not None else None


async def answer_text(update: Update, svc: Services, text: str) -> bool:
    """Typed text for a coach's draft (the message, or the schedule time); False if none waits."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return False
    now = svc.clock()
    lang = language(update)
    try:
        async with svc.db.transaction() as session:
            draft = await broadcasts.current_draft(session, user.id, now)
            if draft is None or draft.step not in (Step.TEXT, Step.TIME):
                return False
            role = await coaches.authorise(session, svc.settings.admin_ids, user.id)
            if role is None:
                await session.delete(draft)
                return False
            if draft.step == Step.TEXT:
                entities_html = message.text_html if message.entities else None
                try:
                    escaped = broadcasts.set_text(
                        draft, text.replace("\x00", ""), now, _storable(entities_html)
                    )
                except broadcasts.InvalidText:
                    raise Refusal(ui(svc.kb, lang, "broadcast_text_invalid")) from None
                question, rows = await audience_question(svc, session, role, lang, draft)
            else:
                tz, tz_name = await coach_zone(session, user.id)
                try:
                    broadcasts.set_time(draft, broadcasts.parse_send_time(text, now, tz), now)
                except broadcasts.InvalidTime:
                    raise Refusal(ui(svc.kb, lang, "broadcast_time_invalid", tz=tz_name)) from None
                count = await broadcasts.preview(session, role, draft)
                assert draft.send_at is not None
                question = ui(
                    svc.kb,
                    lang,
                    "broadcast_confirm_scheduled",
                    when=f"{local(draft.send_at, tz)} ({tz_name})",
                    athletes=count.athletes,
                    chats=count.chats,
                )
                rows = [
                    [(ui(svc.kb, lang, "broadcast_confirm"), _data(draft, "ok"))],
                    [(ui(svc.kb, lang, "back"), _data(draft, "back"))],
                    _cancel_row(svc, lang, draft),
                ]
                escaped = False
    except Refusal as refusal:
        await send_html(update, refusal.text)
        return True
    if escaped:
        await send_html(update, ui(svc.kb, lang, "broadcast_escaped"))
    await send_html(update, question, keyboard(rows))
    return True


async def answer_photo(update: Update, svc: Services) -> bool:
    """A photo (caption optional) as the message of a coach's draft; False if none waits."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or not message.photo:
        return False
    now = svc.clock()
    lang = language(update)
    try:
        async with svc.db.transaction() as session:
            draft = await broadcasts.current_draft(session, user.id, now)
            if draft is None or draft.step != Step.TEXT:
                return False
            role = await coaches.authorise(session, svc.settings.admin_ids, user.id)
            if role is None:
                await session.delete(draft)
                return False
            caption = _storable(message.caption)
            entities_html = _storable(message.caption_html if message.caption_entities else None)
            try:
                escaped = broadcasts.set_photo(
                    draft, message.photo[-1].file_id, caption, now, entities_html
                )
            except broadcasts.CaptionTooLong as exc:
                too_long = ui(
                    svc.kb,
                    lang,
                    "broadcast_caption_too_long",
                    length=exc.args[0],
                    limit=broadcasts.MAX_CAPTION,
                )
                raise Refusal(too_long) from None
            except broadcasts.InvalidText:
                raise Refusal(ui(svc.kb, lang, "broadcast_text_invalid")) from None
            question, rows = await audience_question(svc, session, role, lang, draft)
    except Refusal as refusal:
        await send_html(update, refusal.text)
        return True
    if escaped:
        await send_html(update, ui(svc.kb, lang, "broadcast_escaped"))
    await send_html(update, question, keyboard(rows))
    return True


async def draft_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A step of the compose flow; anything not for the tapper's current draft changes nothing."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    button = tapped(update)
    if not isinstance(button, DraftStep):
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    draft_id, action, arg = button.draft_id, button.action, button.arg
    now = svc.clock()
    preview_body: str | None = None
    preview_photo: str | None = None
    done_text: str | None = None
    rows: list[list[Button]] = []
    async with svc.db.transaction() as session:
        draft = await broadcasts.owned_draft(session, role, draft_id, now)
        try:
            if draft is None:
                raise broadcasts.Stale("no draft")
            if action == "x":
                await session.delete(draft)
                done_text = ui(svc.kb, lang, "broadcast_draft_cancelled")
            elif action in ("g", "m", "a", "f", "fv"):
                audience = {
                    "g": Audience.GROUP,
                    "m": Audience.MINE,
                    "a": Audience.ALL,
                    "f": Audience.FINDING,
                    "fv": Audience.FINDING,
                }[action]
                await broadcasts.choose_audience(session, role, draft, audience, arg, now)
                if draft.step == Step.FINDING:
                    text, rows = finding_question(svc, lang, draft)
                else:
                    preview_body, preview_photo = draft.text_html, draft.photo_file_id
                    text, rows = await preview_question(svc, session, role, lang, draft)
                done_text = text
            elif action == "back":
                broadcasts.back_to_audience(draft, now)
                done_text, rows = await audience_question(svc, session, role, lang, draft)
            elif action == "later":
                broadcasts.ask_time(draft, now)
                _, tz_name = await coach_zone(session, role.user_id)
                done_text = ui(svc.kb, lang, "broadcast_ask_time", tz=tz_name)
                rows = [_cancel_row(svc, lang, draft)]
            elif action in ("now", "ok"):
                if (action == "now") != (draft.step == Step.PREVIEW):
                    raise broadcasts.Stale(draft.step)
                broadcast = await broadcasts.confirm(session, role, draft, now)
                tz, tz_name = await coach_zone(session, role.user_id)
                if broadcast.send_at > now:
                    done_text = ui(
                        svc.kb,
                        lang,
                        "broadcast_scheduled",
                        id=broadcast.id,
                        count=broadcast.recipients,
                        when=f"{local(broadcast.send_at, tz)} ({tz_name})",
                    )
                else:
                    done_text = ui(
                        svc.kb,
                        lang,
                        "broadcast_queued",
                        id=broadcast.id,
                        count=broadcast.recipients,
                    )
            else:
                raise broadcasts.Stale(action)
        except (broadcasts.Stale, broadcasts.NotAllowed, ValueError):
            done_text = None
    if done_text is None:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    await answer_query(query)
    if preview_body is not None:
        await edit_query_message(query, ui(svc.kb, lang, "broadcast_preview_below"))
        if preview_photo is not None:
            chat = update.effective_chat
            assert chat is not None
            await chat.send_photo(
                preview_photo, caption=preview_body or None, parse_mode=ParseMode.HTML
            )
        else:
            for part in split_message(preview_body):
                await send_html(update, part)
        await send_html(update, done_text, keyboard(rows))
        return
    await edit_query_message(query, done_text, keyboard(rows) if rows else None)


async def preview_question(
    svc: Services, session: AsyncSession, role: Role, lang: str, draft: BroadcastDraft
) -> tuple[str, list[list[Button]]]:
    count = await broadcasts.preview(session, role, draft)
    label = await audience_label(svc, session, lang, draft.audience or "", draft.audience_ref)
    text = ui(
        svc.kb,
        lang,
        "broadcast_preview",
        audience=label,
        athletes=count.athletes,
        chats=count.chats,
    )
    rows: list[list[Button]] = [
        [
            (ui(svc.kb, lang, "broadcast_send_now"), _data(draft, "now")),
            (ui(svc.kb, lang, "broadcast_schedule"), _data(draft, "later")),
        ],
        [(ui(svc.kb, lang, "back"), _data(draft, "back"))],
        _cancel_row(svc, lang, draft),
    ]
    return text, rows


async def broadcasts_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Each recent broadcast with its report: sent, pending, failed, blocked."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    now = svc.clock()
    lines: list[str] = []
    rows: list[list[Button]] = []
    async with svc.db.transaction() as session:
        tz, _ = await coach_zone(session, role.user_id)
        for broadcast in await broadcasts.my_broadcasts(session, role):
            report = await broadcasts.report(session, broadcast)
            state = report.state(now)
            lines.append(
                ui(
                    svc.kb,
                    lang,
                    "broadcast_report",
                    id=broadcast.id,
                    when=local(broadcast.send_at, tz),
                    audience=await audience_label(
                        svc, session, lang, broadcast.audience, broadcast.audience_ref
                    ),
                    state=ui(svc.kb, lang, f"broadcast_state_{state}"),
                    recipients=broadcast.recipients,
                    sent=report.sent,
                    pending=report.pending,
                    failed=report.failed,
                    blocked=report.blocked,
                    cancelled=report.cancelled,
                )
            )
            if report.unknown:
                lines[-1] += "\n" + ui(svc.kb, lang, "broadcast_unconfirmed", count=report.unknown)
            if state == "done" and report.not_confirmed:
                rows.append(
                    [
                        (
                            ui(
                                svc.kb,
                                lang,
                                "broadcast_resend_button",
                                id=broadcast.id,
                                count=report.not_confirmed,
                            ),
                            BroadcastResend(broadcast.id).encode(),
                        )
                    ]
                )
            if state in ("sending", "scheduled"):
                rows.append(
                    [
                        (
                            ui(svc.kb, lang, "broadcast_cancel_button", id=broadcast.id),
                            BroadcastCancel(broadcast.id).encode(),
                        )
                    ]
                )
    if not lines:
        await send_html(update, ui(svc.kb, lang, "broadcasts_none"))
        return
    parts = split_message("\n\n".join([ui(svc.kb, lang, "broadcasts_title"), *lines]))
    for index, part in enumerate(parts):
        await send_html(update, part, keyboard(rows) if rows and index == len(parts) - 1 else None)


async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel what has not been sent yet of one of the tapper's own broadcasts."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    button = tapped(update)
    if not isinstance(button, BroadcastCancel):
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    async with svc.db.transaction() as session:
        broadcast = await broadcasts.owned_broadcast(session, role, button.broadcast_id)
        cancelled = await broadcasts.cancel(session, broadcast, svc.clock()) if broadcast else None
    if broadcast is None or cancelled is None:
        await answer_query(query, ui(svc.kb, lang, "coach_not_allowed"))
        return
    await answer_query(query)
    await send_html(
        update, ui(svc.kb, lang, "broadcast_cancelled", id=broadcast.id, count=cancelled)
    )


async def resend_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a broadcast again to exactly the recipients Telegram never confirmed."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    button = tapped(update)
    if not isinstance(button, BroadcastResend):
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    async with svc.db.transaction() as session:
        broadcast = await broadcasts.owned_broadcast(session, role, button.broadcast_id)
        resent = (
            await broadcasts.resend_unconfirmed(session, broadcast, svc.clock())
            if broadcast
            else None
        )
    if broadcast is None or resent is None:
        await answer_query(query, ui(svc.kb, lang, "coach_not_allowed"))
        return
    await answer_query(query)
    if not resent:
        await send_html(update, ui(svc.kb, lang, "broadcast_resend_nothing"))
        return
    await send_html(update, ui(svc.kb, lang, "broadcast_resent", id=broadcast.id, count=resent))


# --------------------------------------------------------------------- wiring


def handlers(private: filters.BaseFilter) -> list[BaseHandler[Any, Any, Any]]:
    """Every coach command and button (coach commands are not in the public menu), and
    the athletes' side of groups: `/leave` and its buttons."""
    from bot.handlers import coaches as coach_handlers

    commands = (
        ("invite_coach", coach_handlers.invite_coach),
        ("newgroup", coach_handlers.new_group),
        ("groups", coach_handlers.list_groups),
        ("athletes", coach_handlers.athletes),
        ("stats", coach_handlers.stats),
        ("broadcast", broadcast_command),
        ("broadcasts", broadcasts_command),
    )
    found: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler(name, callback, filters=private) for name, callback in commands
    ]
    found += [
        CommandHandler("linkgroup", coach_handlers.link_group, filters=filters.ChatType.GROUPS),
        ChatMemberHandler(coach_handlers.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        CallbackQueryHandler(coach_handlers.join_button, pattern=route(GroupJoin)),
        CallbackQueryHandler(coach_handlers.link_button, pattern=route(GroupLink)),
        CallbackQueryHandler(coach_handlers.export_button, pattern=route(GroupExport)),
        CommandHandler("leave", coach_handlers.leave_command, filters=private),
        CallbackQueryHandler(coach_handlers.leave_button, pattern=route(GroupLeave)),
        CallbackQueryHandler(draft_button, pattern=route(DraftStep)),
        CallbackQueryHandler(cancel_button, pattern=route(BroadcastCancel)),
        CallbackQueryHandler(resend_button, pattern=route(BroadcastResend)),
    ]
    return found
