"""Coach commands: invites, training groups, group chats, and the athlete overview.

Usage (coaches only; everyone else is told "not allowed" and nothing changes):

    /invite_coach         one-time link that makes someone a coach
    /newgroup [name]      a training group and its join link (the name is asked for if missing)
    /groups               my groups, their join links and members
    /linkgroup <code>     (in a Telegram group chat) post this group's broadcasts here
    (/athletes and /broadcasts are the coach console: `bot.handlers.console`)
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

from bot.context import HipContext, coach_only, handler, on_button
from bot.handlers.onboarding_questions import ask_step
from bot.render import keyboard
from coaching import coaches, onboarding
from coaching.callbacks import GroupExport, GroupJoin, GroupLeave, GroupLink, QuestionButton
from coaching.coach_models import GROUP_NAME_MAX
from coaching.coaches import InviteOutcome
from coaching.names import clean_name
from coaching.pending import Kind, PendingQuestion

log = logging.getLogger(__name__)


def deep_link(context: HipContext, payload: str) -> str:
    return f"https://t.me/{context.bot.username}?start={payload}"


# --------------------------------------------------------------------- deep links


async def start_payload(update: Update, context: HipContext, payload: str) -> bool:
    """Handle `grp_`/`coach_` deep links from /start; False if the payload is not ours."""
    if payload.startswith(coaches.JOIN_PREFIX):
        await offer_join(context, payload.removeprefix(coaches.JOIN_PREFIX))
        return True
    if payload.startswith(coaches.INVITE_PREFIX):
        await accept_invite(context, payload.removeprefix(coaches.INVITE_PREFIX))
        return True
    return False


async def accept_invite(context: HipContext, token: str) -> None:
    """Make the user a coach if the invite is live and unused."""
    outcome = await coaches.redeem_invite(
        await context.db(), context.svc.settings.admin_ids, token, context.user_id, context.now
    )
    context.say(
        {
            InviteOutcome.ACCEPTED: "coach_invite_accepted",
            InviteOutcome.ALREADY: "coach_invite_already",
            InviteOutcome.INVALID: "coach_invite_invalid",
        }[outcome]
    )


async def offer_join(context: HipContext, code: str) -> None:
    """Ask the athlete whether to join the group and share results with its coach."""
    group = await coaches.group_by_code(await context.db(), code)
    if group is None:
        context.say("group_link_invalid")
        return
    buttons = [
        [(context.t("group_join_yes"), GroupJoin(group.join_code, accept=True).encode())],
        [(context.t("group_join_no"), GroupJoin(group.join_code, accept=False).encode())],
    ]
    context.say("group_join_question", keyboard(buttons), group=group.name)


@on_button(GroupJoin)
async def join_button(update: Update, context: HipContext, button: GroupJoin) -> None:
    """The athlete's answer to the join question: yes joins with consent, no changes nothing."""
    session = await context.db()
    group = await coaches.group_by_code(session, button.code)
    athlete = await context.find_athlete()
    if group is None or athlete is None:
        context.toast("stale_button")
        return
    if button.accept:
        await coaches.join_group(session, group, athlete.id, context.now)
    key = "group_joined" if button.accept else "group_join_declined"
    context.toast(key, group=group.name)
    context.edit(context.t(key, group=group.name))
    step = onboarding.current_step(athlete)
    if step is not None:  # a new athlete: carry on with onboarding where it stands
        await ask_step(context, athlete, step)


@handler
async def leave_command(update: Update, context: HipContext) -> None:
    """List the groups the athlete belongs to, each with a "Leave" button."""
    await context.find_athlete()
    groups = await coaches.member_groups(await context.db(), context.user_id)
    if not groups:
        context.say("group_leave_none")
        return
    rows = [
        # A button label is plain text: the name goes in unescaped.
        [
            (
                context.kb.ui_text("group_leave_button", context.lang, group=g.name),
                GroupLeave(g.id).encode(),
            )
        ]
        for g in groups[:50]
    ]
    names = "\n".join(f"• {html.escape(g.name)}" for g in groups)
    context.reply(context.t("group_leave_list") + "\n" + names, keyboard(rows))


@on_button(GroupLeave)
async def leave_button(update: Update, context: HipContext, button: GroupLeave) -> None:
    """Leave one group: only the tapper's own membership; anything else changes nothing."""
    await context.find_athlete()
    group = await coaches.leave_group(
        await context.db(),
        context.user_id,
        button.group_id,
        context.now,
        context.svc.settings.admin_ids,
    )
    if group is None:
        context.toast("stale_button")
        return
    context.toast("group_left_short")
    context.edit(context.t("group_left", group=group.name))


# --------------------------------------------------------------------- coach commands


@coach_only
async def invite_coach(update: Update, context: HipContext) -> None:
    """A one-time, expiring link that makes whoever opens it a coach."""
    token = await coaches.create_invite(await context.db(), context.role, context.now)
    link = deep_link(context, coaches.INVITE_PREFIX + token)
    hours = int(coaches.INVITE_LIFETIME.total_seconds() // 3600)
    context.say("coach_invite_link", link=link, hours=hours)


async def _create_group(context: HipContext, raw: str) -> bool:
    """Create the group and show its link; False (and why) for a name that will not do."""
    try:
        group = await coaches.create_group(
            await context.db(), context.role, clean_name(raw), context.now
        )
    except coaches.InvalidName:
        context.say("group_name_invalid", limit=GROUP_NAME_MAX)
        return False
    link = deep_link(context, coaches.JOIN_PREFIX + group.join_code)
    context.say("group_created", group=group.name, link=link, code=group.join_code)
    return True


@coach_only
async def new_group(update: Update, context: HipContext) -> None:
    """Create a training group from `/newgroup <name>`, or ask for the name."""
    if context.args:
        await _create_group(context, " ".join(context.args))
        return
    question = await context.wait_for(Kind.GROUP_NAME)
    cancel = [[(context.t("cancel"), QuestionButton(question.id, "x").encode())]]
    context.ask(context.t("group_name_ask", limit=GROUP_NAME_MAX), keyboard(cancel))


@coach_only
async def answer_group_name(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """The name /newgroup asked for; one that will not do is explained and asked again."""
    if await _create_group(context, text):
        await context.stop_waiting(Kind.GROUP_NAME)


async def _overviews(context: HipContext) -> list[coaches.GroupOverview]:
    """Every group of this coach with its members, as of now."""
    session = await context.db()
    groups = await coaches.my_groups(session, context.role)
    return [await coaches.group_overview(session, g, context.now) for g in groups]


@coach_only
async def list_groups(update: Update, context: HipContext) -> None:
    """The coach's groups with join links and member counts."""
    overviews = await _overviews(context)
    if not overviews:
        context.say("groups_none")
        return
    lines = [context.t("groups_title")]
    for overview in overviews:
        group = overview.group
        lines.append(
            context.t(
                "groups_line",
                group=group.name,
                members=len(overview.members),
                link=deep_link(context, coaches.JOIN_PREFIX + group.join_code),
                code=group.join_code,
            )
        )
    context.reply_long("\n\n".join(lines))


@coach_only
async def link_group(update: Update, context: HipContext) -> None:
    """`/linkgroup <code>` in a group chat: post that training group's broadcasts here."""
    chat = update.effective_chat
    assert chat is not None
    session = await context.db()
    group = await coaches.group_by_code(session, (context.args or [""])[0])
    if group is None or group.coach_id != context.role.user_id:
        context.say("group_link_invalid")
        return
    await coaches.link_chat(session, group, chat.id, clean_name(chat.title), context.role.user_id)
    context.say("group_chat_linked", group=group.name)


@handler
async def bot_membership(update: Update, context: HipContext) -> None:
    """The bot was added to or removed from a group chat: offer to link it, or unlink it."""
    change = update.my_chat_member
    if change is None or change.chat.id >= 0:
        return
    session = await context.db()
    status = change.new_chat_member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        await coaches.unlink_chat(session, change.chat.id)
        return
    if status not in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        return
    role = await coaches.authorise(session, context.svc.settings.admin_ids, change.from_user.id)
    groups = await coaches.my_groups(session, role) if role is not None else []
    if not groups:
        return  # added by someone who is not a coach: stay quiet
    rows = [[(g.name[:60], GroupLink(g.id).encode())] for g in groups[:20]]
    context.send_to(change.chat.id, context.t("group_chat_pick"), keyboard(rows))


@on_button(GroupLink)
@coach_only
async def link_button(update: Update, context: HipContext, button: GroupLink) -> None:
    """A coach picked which of their groups this chat belongs to."""
    chat = update.effective_chat
    if chat is None or chat.id >= 0:
        context.toast("stale_button")
        return
    session = await context.db()
    group = await coaches.my_group(session, context.role, button.group_id)
    if group is None:
        context.toast("coach_not_allowed")
        return
    await coaches.link_chat(session, group, chat.id, clean_name(chat.title), context.role.user_id)
    context.edit(context.t("group_chat_linked", group=group.name))


# --------------------------------------------------------------------- overview


@on_button(GroupExport)
@coach_only
async def export_button(update: Update, context: HipContext, button: GroupExport) -> None:
    """Send one group's overview as a CSV document (only to that group's coach)."""
    session = await context.db()
    group = await coaches.my_group(session, context.role, button.group_id)
    if group is None:
        context.toast("coach_not_allowed")
        return
    overview = await coaches.group_overview(session, group, context.now)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(coaches.overview_csv_rows(overview))
    document = InputFile(
        io.BytesIO(buffer.getvalue().encode("utf-8")), filename=f"group-{group.id}.csv"
    )
    caption = context.t("athletes_csv_caption", group=group.name)
    context.reply_document(document, f"group-{group.id}.csv", caption)


@coach_only
async def stats(update: Update, context: HipContext) -> None:
    """Overall counts: my groups and members; for admins, the whole bot too."""
    counts = await coaches.stats(await context.db(), context.role)
    text = context.t(
        "coach_stats",
        groups=counts.groups,
        members=counts.members,
        tested=counts.tested,
        chats=counts.linked_chats,
        broadcasts=counts.broadcasts,
    )
    if counts.athletes is not None:
        text += "\n\n" + context.t(
            "admin_stats", athletes=counts.athletes, active=counts.active, coaches=counts.coaches
        )
    context.reply(text)


__all__ = [
    "accept_invite",
    "answer_group_name",
    "bot_membership",
    "export_button",
    "invite_coach",
    "join_button",
    "leave_button",
    "leave_command",
    "link_button",
    "link_group",
    "list_groups",
    "new_group",
    "offer_join",
    "start_payload",
    "stats",
]
