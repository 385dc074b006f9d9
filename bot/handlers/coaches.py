"""Coach commands: invites, training groups, group chats, and the athlete overview.

Usage (coaches only; everyone else is told "not allowed" and nothing changes):

    /invite_coach         one-time link that makes someone a coach
    /newgroup <name>      a training group and its join link
    /groups               my groups, their join links and members
    /linkgroup <code>     (in a Telegram group chat) post this group's broadcasts here
    /athletes             per group: self-test, latest findings, 4-week adherence
    /stats                overall counts

Athletes reach this module through deep links (`?start=grp_<code>`,
`?start=coach_<token>`), which /start hands to `start_payload`, and leave a
group with `/leave` (anyone: lists the groups they belong to). Buttons
(`coaching.callbacks`): `gj:<code>:<y|n>` (join consent), `gl:<group>` (link a
group chat), `gx:<group>` (CSV export), `gq:<group>` (leave: only the tapper's
own membership is removed). Every button is checked against the database again:
the tapper must own the group it names, or be a member of the group they leave.

In a group chat an admin may post anonymously (as the group, `sender_chat`):
the bot cannot tell who that is, so it says so instead of guessing.
"""

from __future__ import annotations

import csv
import html
import io
import logging

from telegram import ChatMember, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.handlers.common import language, tapped
from bot.handlers.onboarding_questions import question
from bot.render import keyboard, split_message, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import coaches, onboarding
from coaching.callbacks import GroupExport, GroupJoin, GroupLeave, GroupLink
from coaching.coach_models import GROUP_NAME_MAX
from coaching.coaches import InviteOutcome, Role
from coaching.models import Athlete
from coaching.names import clean_name
from knowledge.schema import text_for

log = logging.getLogger(__name__)


def deep_link(context: ContextTypes.DEFAULT_TYPE, payload: str) -> str:
    return f"https://t.me/{context.bot.username}?start={payload}"


def anonymous(update: Update) -> bool:
    """Sent by an anonymous group admin (as the group itself), or by no user at all.

    Telegram shows such a message as from the group (`sender_chat`), with `from`
    missing or set to a placeholder bot; either way no coach can be recognised.
    """
    message = update.message  # a command; a button's message is the bot's own
    return update.effective_user is None or (
        message is not None and message.sender_chat is not None
    )


async def authorised(update: Update, svc: Services) -> Role | None:
    """The sender's coach role; a non-coach is told "not allowed" and gets None."""
    user = update.effective_user
    if user is None or anonymous(update):
        await send_html(update, ui(svc.kb, language(update), "coach_anonymous"))
        return None
    async with svc.db.transaction() as session:
        role = await coaches.authorise(session, svc.settings.admin_ids, user.id)
    if role is None:
        if update.callback_query is not None:
            await answer_query(
                update.callback_query, ui(svc.kb, language(update), "coach_not_allowed")
            )
        else:
            await send_html(update, ui(svc.kb, language(update), "coach_not_allowed"))
    return role


# --------------------------------------------------------------------- deep links


async def start_payload(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """Handle `grp_`/`coach_` deep links from /start; False if the payload is not ours."""
    if payload.startswith(coaches.JOIN_PREFIX):
        await offer_join(update, context, payload.removeprefix(coaches.JOIN_PREFIX))
        return True
    if payload.startswith(coaches.INVITE_PREFIX):
        await accept_invite(update, context, payload.removeprefix(coaches.INVITE_PREFIX))
        return True
    return False


async def accept_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> None:
    """Make the user a coach if the invite is live and unused."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    async with svc.db.transaction() as session:
        outcome = await coaches.redeem_invite(
            session, svc.settings.admin_ids, token, user.id, svc.clock()
        )
    key = {
        InviteOutcome.ACCEPTED: "coach_invite_accepted",
        InviteOutcome.ALREADY: "coach_invite_already",
        InviteOutcome.INVALID: "coach_invite_invalid",
    }[outcome]
    await send_html(update, ui(svc.kb, language(update), key))


async def offer_join(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """Ask the athlete whether to join the group and share results with its coach."""
    svc = services(context)
    lang = language(update)
    async with svc.db.transaction() as session:
        group = await coaches.group_by_code(session, code)
    if group is None:
        await send_html(update, ui(svc.kb, lang, "group_link_invalid"))
        return
    buttons = [
        [(ui(svc.kb, lang, "group_join_yes"), GroupJoin(group.join_code, accept=True).encode())],
        [(ui(svc.kb, lang, "group_join_no"), GroupJoin(group.join_code, accept=False).encode())],
    ]
    await send_html(
        update, ui(svc.kb, lang, "group_join_question", group=group.name), keyboard(buttons)
    )


async def join_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The athlete's answer to the join question: yes joins with consent, no changes nothing."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    button = tapped(update)
    lang = language(update)
    if not isinstance(button, GroupJoin):
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    valid = False
    async with svc.db.transaction() as session:
        group = await coaches.group_by_code(session, button.code)
        athlete = await session.get(Athlete, query.from_user.id)
        if group is not None and athlete is not None:
            valid = True
            name = group.name
            if button.accept:
                await coaches.join_group(session, group, athlete.id, svc.clock())
            step = onboarding.current_step(athlete)
    if not valid or athlete is None:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    await answer_query(query)
    key = "group_joined" if button.accept else "group_join_declined"
    await edit_query_message(query, ui(svc.kb, lang, key, group=name))
    if step is not None:  # a new athlete: carry on with onboarding where it stands
        await send_html(update, *question(svc, athlete, step))


async def leave_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the groups the athlete belongs to, each with a "Leave" button."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    lang = language(update)
    async with svc.db.transaction() as session:
        groups = await coaches.member_groups(session, user.id)
    if not groups:
        await send_html(update, ui(svc.kb, lang, "group_leave_none"))
        return
    rows = [
        # A button label is plain text: the name goes in unescaped.
        [(svc.kb.ui_text("group_leave_button", lang, group=g.name), GroupLeave(g.id).encode())]
        for g in groups[:50]
    ]
    names = "\n".join(f"• {html.escape(g.name)}" for g in groups)
    await send_html(update, ui(svc.kb, lang, "group_leave_list") + "\n" + names, keyboard(rows))


async def leave_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave one group: only the tapper's own membership; anything else changes nothing."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    button = tapped(update)
    lang = language(update)
    name: str | None = None
    if isinstance(button, GroupLeave):
        async with svc.db.transaction() as session:
            group = await coaches.leave_group(
                session, query.from_user.id, button.group_id, svc.clock(), svc.settings.admin_ids
            )
            name = group.name if group is not None else None
    if name is None:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    await answer_query(query)
    await edit_query_message(query, ui(svc.kb, lang, "group_left", group=name))


# --------------------------------------------------------------------- coach commands


async def invite_coach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A one-time, expiring link that makes whoever opens it a coach."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    async with svc.db.transaction() as session:
        token = await coaches.create_invite(session, role, svc.clock())
    link = deep_link(context, coaches.INVITE_PREFIX + token)
    hours = int(coaches.INVITE_LIFETIME.total_seconds() // 3600)
    await send_html(
        update, ui(svc.kb, language(update), "coach_invite_link", link=link, hours=hours)
    )


async def new_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Create a training group from `/newgroup <name>` and show its join link."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    raw = clean_name(" ".join(context.args or []))
    try:
        async with svc.db.transaction() as session:
            group = await coaches.create_group(session, role, raw, svc.clock())
    except coaches.InvalidName:
        await send_html(update, ui(svc.kb, lang, "group_name_invalid", limit=GROUP_NAME_MAX))
        return
    link = deep_link(context, coaches.JOIN_PREFIX + group.join_code)
    await send_html(
        update, ui(svc.kb, lang, "group_created", group=group.name, link=link, code=group.join_code)
    )


async def _my_overviews(svc: Services, role: Role) -> list[coaches.GroupOverview]:
    """Every group of this coach with its members, as of now."""
    now = svc.clock()
    async with svc.db.transaction() as session:
        groups = await coaches.my_groups(session, role)
        return [await coaches.group_overview(session, g, now) for g in groups]


async def list_groups(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The coach's groups with join links and member counts."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    overviews = await _my_overviews(svc, role)
    if not overviews:
        await send_html(update, ui(svc.kb, lang, "groups_none"))
        return
    lines = [ui(svc.kb, lang, "groups_title")]
    for overview in overviews:
        group = overview.group
        lines.append(
            ui(
                svc.kb,
                lang,
                "groups_line",
                group=group.name,
                members=len(overview.members),
                link=deep_link(context, coaches.JOIN_PREFIX + group.join_code),
                code=group.join_code,
            )
        )
    for part in split_message("\n\n".join(lines)):
        await send_html(update, part)


async def link_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/linkgroup <code>` in a group chat: post that training group's broadcasts here."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    chat = update.effective_chat
    assert chat is not None
    lang = language(update)
    code = (context.args or [""])[0]
    async with svc.db.transaction() as session:
        group = await coaches.group_by_code(session, code)
        if group is None or group.coach_id != role.user_id:
            group = None
        else:
            await coaches.link_chat(session, group, chat.id, clean_name(chat.title), role.user_id)
    if group is None:
        await send_html(update, ui(svc.kb, lang, "group_link_invalid"))
        return
    await send_html(update, ui(svc.kb, lang, "group_chat_linked", group=group.name))


async def bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to or removed from a group chat: offer to link it, or unlink it."""
    svc = services(context)
    change = update.my_chat_member
    if change is None or change.chat.id >= 0:
        return
    status = change.new_chat_member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        async with svc.db.transaction() as session:
            await coaches.unlink_chat(session, change.chat.id)
        return
    if status not in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        return
    async with svc.db.transaction() as session:
        role = await coaches.authorise(session, svc.settings.admin_ids, change.from_user.id)
        groups = await coaches.my_groups(session, role) if role is not None else []
    if not groups:
        return  # added by someone who is not a coach: stay quiet
    lang = onboarding.language_for(change.from_user.language_code)
    rows = [[(g.name[:60], GroupLink(g.id).encode())] for g in groups[:20]]
    await context.bot.send_message(
        change.chat.id,
        ui(svc.kb, lang, "group_chat_pick"),
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(rows),
    )


async def link_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A coach picked which of their groups this chat belongs to."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    role = await authorised(update, svc)
    if role is None:
        return
    button = tapped(update)
    if not isinstance(button, GroupLink) or chat is None or chat.id >= 0:
        await answer_query(query, ui(svc.kb, language(update), "stale_button"))
        return
    async with svc.db.transaction() as session:
        group = await coaches.my_group(session, role, button.group_id)
        if group is not None:
            title = clean_name(chat.title)
            await coaches.link_chat(session, group, chat.id, title, role.user_id)
    if group is None:
        await answer_query(query, ui(svc.kb, language(update), "coach_not_allowed"))
        return
    await answer_query(query)
    await edit_query_message(
        query, ui(svc.kb, language(update), "group_chat_linked", group=group.name)
    )


# --------------------------------------------------------------------- overview


async def athletes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Per group: who has done a self-test, their latest findings, 4-week adherence."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    overviews = await _my_overviews(svc, role)
    if not overviews:
        await send_html(update, ui(svc.kb, lang, "groups_none"))
        return
    for overview in overviews:
        lines = [
            ui(
                svc.kb,
                lang,
                "athletes_group",
                group=overview.group.name,
                members=len(overview.members),
            )
        ]
        for member in overview.members:
            found = ", ".join(
                text_for(svc.kb.faults[f].name, lang) for f in member.found if f in svc.kb.faults
            )
            lines.append(
                ui(
                    svc.kb,
                    lang,
                    "athletes_line",
                    name=member.name or str(member.athlete_id),
                    test="✅" if member.tested else "—",
                    findings=found
                    or ("—" if not member.tested else ui(svc.kb, lang, "athletes_no_findings")),
                    weeks=member.good_weeks,
                    total=coaches.ADHERENCE_WEEKS,
                )
            )
        parts = split_message("\n".join(lines))
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            markup = (
                keyboard(
                    [
                        [
                            (
                                ui(svc.kb, lang, "athletes_export"),
                                GroupExport(overview.group.id).encode(),
                            )
                        ]
                    ]
                )
                if last
                else None
            )
            await send_html(update, part, markup)


async def export_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send one group's overview as a CSV document (only to that group's coach)."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    role = await authorised(update, svc)
    if role is None:
        return
    button = tapped(update)
    if not isinstance(button, GroupExport):
        await answer_query(query, ui(svc.kb, language(update), "stale_button"))
        return
    async with svc.db.transaction() as session:
        group = await coaches.my_group(session, role, button.group_id)
        overview = await coaches.group_overview(session, group, svc.clock()) if group else None
    if overview is None:
        await answer_query(query, ui(svc.kb, language(update), "coach_not_allowed"))
        return
    await answer_query(query)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(coaches.overview_csv_rows(overview))
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(
            io.BytesIO(buffer.getvalue().encode("utf-8")), filename=f"group-{overview.group.id}.csv"
        ),
        caption=ui(svc.kb, language(update), "athletes_csv_caption", group=overview.group.name),
        parse_mode=ParseMode.HTML,
    )


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Overall counts: my groups and members; for admins, the whole bot too."""
    svc = services(context)
    role = await authorised(update, svc)
    if role is None:
        return
    lang = language(update)
    async with svc.db.transaction() as session:
        counts = await coaches.stats(session, role)
    text = ui(
        svc.kb,
        lang,
        "coach_stats",
        groups=counts.groups,
        members=counts.members,
        tested=counts.tested,
        chats=counts.linked_chats,
        broadcasts=counts.broadcasts,
    )
    if counts.athletes is not None:
        text += "\n\n" + ui(
            svc.kb,
            lang,
            "admin_stats",
            athletes=counts.athletes,
            active=counts.active,
            coaches=counts.coaches,
        )
    await send_html(update, text)
