"""Coach commands: invites, training groups, group chats, and the athlete overview.

Usage (coaches only; everyone else is told "not allowed" and nothing changes):

    /invite_coach         one-time link that makes someone a coach
    /newgroup [name]      a training group and its join link (the name is asked for if missing)
    /groups               my groups a page at a time: members, join link, linked group chat,
                          and ⚙ settings per group (rename, archive, unlink the group chat)
    /linkgroup <code>     (in a Telegram group chat) post this group's broadcasts here
    (/athletes and /broadcasts are the coach console: `bot.handlers.console`)
    /stats                overall counts

Group names are the coach's own: unique among their groups that are not archived,
whatever the case, and at most 48 characters as the coach counts them (grapheme
clusters: "🏃‍♀️" is one). An archived group leaves /groups and the broadcast
choices and its join link stops working; its members and their data stay.

Athletes reach this module through deep links (`?start=grp_<code>`,
`?start=coach_<token>`), which /start hands to `start_payload`: the join question
names the coach, and a member reopening the link is told they are in already.
They leave a group with `/leave` (anyone: the groups they belong to, a page at a
time; leaving asks first). Buttons (`coaching.callbacks`): `gj:<code>:<y|n>`
(join consent), `gl:<group>` (link a group chat), `gx:<group>` (CSV export),
`gq:<group>[:y]` (leave, then sure: only the tapper's own membership is removed),
`gv:<page>` (a page of /leave), `gp:<page>` (a page of /groups),
`gm:<group>:<o|r|a|ay|u>` (a group's settings, rename, archive, sure, unlink).
Every button is checked against the database again: the tapper must own the
group it names, or be a member of the group they leave.

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
from bot.counted import counted
from bot.handlers.onboarding_questions import ask_step
from bot.pager import with_nav
from bot.render import Button, keyboard
from coaching import coach_profile, coaches, onboarding
from coaching.callbacks import (
    GroupExport,
    GroupJoin,
    GroupLeave,
    GroupLink,
    GroupManage,
    GroupsPage,
    LeavePage,
    QuestionButton,
)
from coaching.coach_models import GROUP_NAME_MAX, GroupChat, TrainingGroup
from coaching.coaches import InviteOutcome
from coaching.names import clean_name
from coaching.paging import paged
from coaching.pending import Kind, PendingQuestion

GROUPS_PAGE = 10
"""Groups per page of /groups: each takes four lines and a button."""
LEAVE_PAGE = 10
"""Groups per page of /leave, each with its own Leave button."""
BUTTON_LABEL = 40

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


async def _coach_name(context: HipContext, group: TrainingGroup) -> str:
    """Who coaches the group, as athletes see it on broadcasts ("your coach" if unknown)."""
    name = await coach_profile.display_name(await context.db(), group.coach_id)
    return name or context.kb.ui_text("coach_unnamed", context.lang)


async def offer_join(context: HipContext, code: str) -> None:
    """Ask the athlete whether to join the group and share results with its coach, who is
    named; someone in it already is told so and asked nothing."""
    session = await context.db()
    group = await coaches.group_by_code(session, code)
    if group is None:
        context.say("group_link_invalid")
        return
    coach = await _coach_name(context, group)
    if await coaches.is_member(session, group.id, context.user_id):
        context.say("group_join_already", group=group.name, coach=coach)
        return
    buttons = [
        [(context.t("group_join_yes"), GroupJoin(group.join_code, accept=True).encode())],
        [(context.t("group_join_no"), GroupJoin(group.join_code, accept=False).encode())],
    ]
    context.say("group_join_question", keyboard(buttons), group=group.name, coach=coach)


async def note_declined_consent(context: HipContext, athlete_id: int) -> None:
    """After "No" to storing self-test answers: a member is told their coach sees no results."""
    groups = await coaches.member_groups(await context.db(), athlete_id)
    if groups:
        names = ", ".join(g.name for g in groups[:5]) + (", …" if len(groups) > 5 else "")
        context.say("group_consent_declined", groups=names)


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


def _label(text: str, limit: int = BUTTON_LABEL) -> str:
    """A button label: plain text (names go in unescaped), short enough for a phone."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def leave_page(context: HipContext, number: int) -> tuple[str, list[list[Button]]] | None:
    """One page of the groups the athlete can leave, each with its button; None: no groups."""
    groups = await coaches.member_groups(await context.db(), context.user_id)
    if not groups:
        return None
    page = paged(groups, number, LEAVE_PAGE)
    rows: list[list[Button]] = [
        [
            (
                _label(context.kb.ui_text("group_leave_button", context.lang, group=g.name)),
                GroupLeave(g.id).encode(),
            )
        ]
        for g in page.items
    ]
    names = "\n".join(f"• {html.escape(g.name)}" for g in page.items)
    head = context.t("group_leave_list")
    if page.count > 1:
        head += "\n" + context.t("list_page", page=page.number + 1, pages=page.count)
    return head + "\n" + names, with_nav(rows, context, page, lambda n: LeavePage(n).encode())


@handler
async def leave_command(update: Update, context: HipContext) -> None:
    """List the groups the athlete belongs to, a page at a time, each with a "Leave" button."""
    await context.find_athlete()
    shown = await leave_page(context, 0)
    if shown is None:
        context.say("group_leave_none")
        return
    context.reply(shown[0], keyboard(shown[1]))


@on_button(LeavePage)
async def leave_page_button(update: Update, context: HipContext, button: LeavePage) -> None:
    """Another page of /leave, in the same message."""
    await context.find_athlete()
    shown = await leave_page(context, button.page)
    if shown is None:
        context.edit(context.t("group_leave_none"))
        return
    context.edit(shown[0], keyboard(shown[1]))


@on_button(GroupLeave)
async def leave_button(update: Update, context: HipContext, button: GroupLeave) -> None:
    """Leave one group once the athlete is sure: only the tapper's own membership."""
    await context.find_athlete()
    session = await context.db()
    if not button.sure:
        groups = await coaches.member_groups(session, context.user_id)
        group = next((g for g in groups if g.id == button.group_id), None)
        if group is None:
            context.toast("stale_button")
            return
        rows = [
            [(context.t("group_leave_yes"), GroupLeave(group.id, sure=True).encode())],
            [(context.kb.ui_text("back", context.lang), LeavePage(0).encode())],
        ]
        context.edit(context.t("group_leave_confirm", group=group.name), keyboard(rows))
        return
    left = await coaches.leave_group(
        session,
        context.user_id,
        button.group_id,
        context.now,
        context.svc.settings.admin_ids,
    )
    if left is None:
        context.toast("stale_button")
        return
    context.toast("group_left_short")
    context.edit(context.t("group_left", group=left.name))


# --------------------------------------------------------------------- coach commands


@coach_only
async def invite_coach(update: Update, context: HipContext) -> None:
    """A one-time, expiring link that makes whoever opens it a coach."""
    token = await coaches.create_invite(await context.db(), context.role, context.now)
    link = deep_link(context, coaches.INVITE_PREFIX + token)
    hours = int(coaches.INVITE_LIFETIME.total_seconds() // 3600)
    context.reply(counted(context, "coach_invite_link", hours, link=link))


async def _name_refused(context: HipContext, raw: str, rename: TrainingGroup | None) -> str | None:
    """The cleaned name if it cannot be used, else None; says why (the flow asks again)."""
    name = clean_name(raw)
    try:
        if rename is None:
            group = await coaches.create_group(await context.db(), context.role, name, context.now)
        else:
            old = rename.name
            await coaches.rename_group(await context.db(), context.role, rename, name)
            context.say("group_renamed", old=old, group=rename.name)
            return None
    except coaches.InvalidName:
        context.say("group_name_invalid", limit=GROUP_NAME_MAX)
        return name
    except coaches.NameTaken:
        context.say("group_name_taken", group=name)
        return name
    link = deep_link(context, coaches.JOIN_PREFIX + group.join_code)
    context.say("group_created", group=group.name, link=link, code=group.join_code)
    return None


@coach_only
async def new_group(update: Update, context: HipContext) -> None:
    """Create a training group from `/newgroup <name>`, or ask for the name."""
    if context.args:
        await _name_refused(context, " ".join(context.args), None)
        return
    question = await context.wait_for(Kind.GROUP_NAME)
    cancel = [[(context.t("cancel"), QuestionButton(question.id, "x").encode())]]
    context.ask(context.t("group_name_ask", limit=GROUP_NAME_MAX), keyboard(cancel))


@coach_only
async def answer_group_name(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """The name /newgroup (or Rename, `ref_id` the group) asked for; one that will not do
    is explained and asked again."""
    rename = None
    if question.ref_id is not None:
        rename = await coaches.my_group(await context.db(), context.role, question.ref_id)
        if rename is None or rename.archived_at is not None:
            await context.stop_waiting(Kind.GROUP_NAME)
            context.say("stale_button")
            return
    if await _name_refused(context, text, rename) is None:
        await context.stop_waiting(Kind.GROUP_NAME)


def _chat_line(context: HipContext, group: TrainingGroup, chats: list[GroupChat]) -> str:
    if not chats:
        return context.t("groups_chat_none", code=group.join_code)
    titles = ", ".join(chat.title or str(chat.chat_id) for chat in chats)
    return context.t("groups_chat_linked", title=titles)


def _group_block(
    context: HipContext, group: TrainingGroup, members: int, chats: list[GroupChat]
) -> str:
    """A group as /groups and its settings show it: name, members, link, group chat."""
    return counted(
        context,
        "groups_line",
        members,
        group=group.name,
        link=deep_link(context, coaches.JOIN_PREFIX + group.join_code),
        chat=_chat_line(context, group, chats),
    )


async def groups_page(context: HipContext, number: int) -> tuple[str, list[list[Button]]] | None:
    """One page of /groups: each group with its members, link and chat, and a settings
    button; None when the coach has no groups (archived ones are not listed)."""
    session = await context.db()
    groups = await coaches.my_groups(session, context.role)
    if not groups:
        return None
    page = paged(groups, number, GROUPS_PAGE)
    ids = [g.id for g in page.items]
    members = await coaches.member_counts(session, ids)
    chats = await coaches.linked_chats(session, ids)
    head = context.t("groups_title")
    if page.count > 1:
        head += " · " + context.t("list_page", page=page.number + 1, pages=page.count)
    blocks = [head]
    blocks += [_group_block(context, g, members[g.id], chats.get(g.id, [])) for g in page.items]
    rows: list[list[Button]] = [
        [
            (
                _label(context.kb.ui_text("group_manage_button", context.lang, group=g.name)),
                GroupManage(g.id, "o").encode(),
            )
        ]
        for g in page.items
    ]
    return "\n\n".join(blocks), with_nav(rows, context, page, lambda n: GroupsPage(n).encode())


@coach_only
async def list_groups(update: Update, context: HipContext) -> None:
    """The coach's groups with join links, members and group chats, a page at a time."""
    shown = await groups_page(context, 0)
    if shown is None:
        context.say("groups_none")
        return
    context.reply(shown[0], keyboard(shown[1]))


@on_button(GroupsPage)
@coach_only
async def groups_page_button(update: Update, context: HipContext, button: GroupsPage) -> None:
    """Another page of /groups, in the same message."""
    shown = await groups_page(context, button.page)
    if shown is None:
        context.edit(context.t("groups_none"))
        return
    context.edit(shown[0], keyboard(shown[1]))


async def _group_settings(context: HipContext, group: TrainingGroup) -> None:
    """One group's settings in the tapped message: rename, archive, unlink its chat."""
    session = await context.db()
    members = (await coaches.member_counts(session, [group.id]))[group.id]
    chats = (await coaches.linked_chats(session, [group.id])).get(group.id, [])
    rows: list[list[Button]] = [
        [
            (context.t("group_rename_button"), GroupManage(group.id, "r").encode()),
            (context.t("group_archive_button"), GroupManage(group.id, "a").encode()),
        ]
    ]
    if chats:
        rows.append([(context.t("group_unlink_button"), GroupManage(group.id, "u").encode())])
    rows.append([(context.t("groups_back_button"), GroupsPage(0).encode())])
    context.edit(_group_block(context, group, members, chats), keyboard(rows))


@on_button(GroupManage)
@coach_only
async def manage_button(update: Update, context: HipContext, button: GroupManage) -> None:
    """A group's settings and their steps; only the coach's own groups that are not archived."""
    session = await context.db()
    group = await coaches.my_group(session, context.role, button.group_id)
    if group is None or group.archived_at is not None:
        context.toast("stale_button")
        return
    if button.action == "o":
        await _group_settings(context, group)
    elif button.action == "r":
        question = await context.wait_for(Kind.GROUP_NAME, ref_id=group.id)
        cancel = [[(context.t("cancel"), QuestionButton(question.id, "x").encode())]]
        context.ask(
            context.t("group_rename_ask", group=group.name, limit=GROUP_NAME_MAX),
            keyboard(cancel),
        )
    elif button.action == "a":
        rows = [
            [(context.t("group_archive_yes"), GroupManage(group.id, "ay").encode())],
            [(context.kb.ui_text("back", context.lang), GroupManage(group.id, "o").encode())],
        ]
        context.edit(context.t("group_archive_confirm", group=group.name), keyboard(rows))
    elif button.action == "ay":
        await coaches.archive_group(group, context.now)
        context.edit(context.t("group_archived", group=group.name))
    else:
        unlinked = await coaches.unlink_group_chats(session, group)
        context.toast("group_unlinked_short")
        context.reply(counted(context, "group_unlinked", unlinked, group=group.name))
        await _group_settings(context, group)


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
    overview = await coaches.group_overview(session, context.kb, group, context.now)
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
    counts = await coaches.stats(await context.db(), context.kb, context.role)
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
    "groups_page",
    "groups_page_button",
    "invite_coach",
    "join_button",
    "leave_button",
    "leave_command",
    "leave_page",
    "leave_page_button",
    "manage_button",
    "note_declined_consent",
    "link_button",
    "link_group",
    "list_groups",
    "new_group",
    "offer_join",
    "start_payload",
    "stats",
]
