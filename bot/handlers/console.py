"""The coach's console: every athlete a page at a time, one athlete's card, nudges,
/broadcasts with what is still to go out first, and the coach's own time zone.

Usage (coaches only; everyone else is told "not allowed" and nothing changes):

    /athletes          all my athletes, 20 a page, blocked (🚫) and departed (👋) marked;
                       filter buttons (not tested yet, behind on strength, silent 14+
                       days, pain flag), a button per athlete for their card, one group
                       at a time and its CSV export, and on a filtered list "Nudge
                       these N" (a preview, then an ordinary broadcast)
    /broadcasts        my broadcasts, those still to go out first, then the history;
                       athletes and group chats counted apart, 🔎 names who was not
                       reached and why
    /timezone [zone]   show or set my time zone as a coach (every time I type or see)

Buttons (`coaching.callbacks`): `al:<filter>:<group>:<page>` a page of the list,
`ac:<athlete>:<filter>:<group>:<page>` a card (Back returns to that page),
`np:<filter>:<group>` a nudge's preview, `ns:<filter>:<group>:<asked>` sending it
(once per preview), `bl:<page>` a page of /broadcasts, `bi:<broadcast>` its
problems. Pages are recomputed when tapped, so a list that changed meanwhile
is shown as it is now; nothing is ever cut off: a page is at most 20 entries,
and a long report is split between lines.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update

from bot.context import HipContext, coach_only, on_button
from bot.counted import counted, plural_text
from bot.handlers import video_card
from bot.pager import with_nav
from bot.render import Button, keyboard
from coaching import coach_profile, coaches, console, pain, relay
from coaching.broadcasts import Report
from coaching.callbacks import (
    AthleteCardOpen,
    AthleteList,
    BroadcastCancel,
    BroadcastDetails,
    BroadcastList,
    BroadcastResend,
    GroupExport,
    NudgePreview,
    NudgeSend,
)
from coaching.coach_models import Broadcast, TrainingGroup
from coaching.coaches import ADHERENCE_WEEKS
from coaching.console import AthleteCard, Filter, ListEntry
from coaching.paging import Page, paged
from coaching.scoring import UNTESTED, assess, latest_judged
from coaching.timeparse import InvalidInput
from coaching.video import with_measured
from coaching.when import zone_of
from knowledge.i18n import format_date
from knowledge.schema import text_for

BROADCAST_PAGE = 8
"""Broadcasts per page: each takes a few lines and may bring two buttons."""
NAMES_IN_PREVIEW = 30
BUTTON_LABEL = 40
MAX_GROUP_BUTTONS = 20


def _plain(text: str, limit: int = BUTTON_LABEL) -> str:
    """A button label: plain text, short enough for a phone's keyboard row."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------- the list


def _group(group_id: int) -> int | None:
    return group_id or None


async def _entries(context: HipContext, which: Filter, group_id: int | None) -> list[ListEntry]:
    session = await context.db()
    members = await console.member_ids(session, context.role, group_id)
    flagged = await pain.flagged(session, members, context.now)
    entries = await console.roster(
        session, context.kb, context.role, context.now, group_id, flagged
    )
    return console.filtered(entries, which, context.now)


def _line(context: HipContext, number: int, entry: ListEntry) -> str:
    if entry.departed:
        return context.t("console_line_departed", number=number, name=entry.name or "?")
    found = ", ".join(
        text_for(context.kb.faults[f].name, context.lang)
        for f in entry.found
        if f in context.kb.faults
    )
    if entry.last_seen is None:
        seen = context.kb.ui_text("console_seen_never", context.lang)
    else:
        days = max(0, (context.now - entry.last_seen).days)
        seen = plural_text(context.kb, context.lang, "console_seen_days", days)
    line = context.t(
        "console_line",
        number=number,
        name=entry.name or str(entry.athlete_id),
        test="✅" if entry.tested else "—",
        findings=found or "—",
        weeks=entry.good_weeks,
        total=ADHERENCE_WEEKS,
        seen=seen,
    )
    if entry.pain:
        line += " · " + context.t("console_pain")
    if entry.blocked:
        line += " · " + context.t("console_blocked")
    return line


async def _scope(context: HipContext, group_id: int | None) -> str:
    if group_id is None:
        return context.kb.ui_text("console_scope_all", context.lang)
    group = await (await context.db()).get(TrainingGroup, group_id)
    return group.name if group is not None else "?"


async def athletes_page(
    context: HipContext, which: Filter, group_id: int | None, number: int
) -> tuple[str, list[list[Button]]]:
    """One page of the list: its text and its buttons (cards, filters, pages, nudge)."""
    entries = await _entries(context, which, group_id)
    page: Page[ListEntry] = paged(entries, number)
    group_ref = group_id or 0
    title = context.t(
        "console_athletes_title",
        scope=await _scope(context, group_id),
        filter=context.kb.ui_text(f"console_filter_{which.value}", context.lang),
        total=page.total,
        page=page.number + 1,
        pages=page.count,
    )
    lines = [
        _line(context, page.first_index + index + 1, entry)
        for index, entry in enumerate(page.items)
    ]
    text = "\n".join([title, "", *(lines or [context.t("console_none")])])
    cards: list[Button] = [
        (
            _plain(
                context.kb.ui_text(
                    "console_card_button",
                    context.lang,
                    number=page.first_index + index + 1,
                    name=entry.name or str(entry.athlete_id),
                )
            ),
            AthleteCardOpen(entry.athlete_id, which.value, group_ref, page.number).encode(),
        )
        for index, entry in enumerate(page.items)
        if not entry.departed
    ]
    rows: list[list[Button]] = [cards[i : i + 2] for i in range(0, len(cards), 2)]
    rows = with_nav(rows, context, page, lambda n: AthleteList(which.value, group_ref, n).encode())
    filters: list[Button] = [
        (
            context.kb.ui_text(f"console_filter_{other.value}", context.lang),
            AthleteList(other.value, group_ref, 0).encode(),
        )
        for other in Filter
        if other is not which
    ]
    rows += [filters[i : i + 2] for i in range(0, len(filters), 2)]
    rows += await _group_rows(context, which, group_id)
    reachable = sum(1 for entry in entries if entry.reachable)
    if which is not Filter.ALL and reachable:
        rows.append(
            [
                (
                    plural_text(context.kb, context.lang, "console_nudge_button", reachable),
                    NudgePreview(which.value, group_ref).encode(),
                )
            ]
        )
    return text, rows


async def _group_rows(
    context: HipContext, which: Filter, group_id: int | None
) -> list[list[Button]]:
    """One group at a time (when there are several), and each shown group's CSV export."""
    groups = list(await coaches.my_groups(await context.db(), context.role))
    rows: list[list[Button]] = []
    if group_id is None and len(groups) > 1:
        scopes = [
            (_plain(group.name), AthleteList(which.value, group.id, 0).encode())
            for group in groups[:MAX_GROUP_BUTTONS]
        ]
        rows += [scopes[i : i + 2] for i in range(0, len(scopes), 2)]
    elif group_id is not None:
        rows.append(
            [
                (
                    context.kb.ui_text("console_scope_all", context.lang),
                    AthleteList(which.value, 0, 0).encode(),
                )
            ]
        )
    shown = [g for g in groups if group_id is None or g.id == group_id]
    export = context.kb.ui_text("athletes_export", context.lang)
    for group in shown[:MAX_GROUP_BUTTONS] if len(shown) == 1 or group_id else []:
        rows.append([(_plain(f"{export} · {group.name}", 60), GroupExport(group.id).encode())])
    return rows


@coach_only
async def athletes_command(update: Update, context: HipContext) -> None:
    """Every athlete of my groups, a page at a time; tap one for their card."""
    if not await coaches.my_groups(await context.db(), context.role):
        context.say("groups_none")
        return
    text, rows = await athletes_page(context, Filter.ALL, None, 0)
    context.reply(text, keyboard(rows))


@on_button(AthleteList)
@coach_only
async def list_button(update: Update, context: HipContext, button: AthleteList) -> None:
    """Another page, group or filter of the list, in the same message."""
    text, rows = await athletes_page(
        context, Filter(button.which), _group(button.group_id), button.page
    )
    context.edit(text, keyboard(rows))


# --------------------------------------------------------------------- one athlete


def _levels(context: HipContext, levels: tuple[str, ...]) -> str:
    return " → ".join(context.kb.ui_text(f"level_{level}", context.lang) for level in levels)


def card_text(context: HipContext, card: AthleteCard, zone: dt.tzinfo) -> str:
    """An athlete's card as the coach reads it; every name and label escaped."""
    lang = context.lang
    consent = context.kb.ui_text("yes" if card.health_consent else "no", lang)
    parts = [
        context.t(
            "card_title", name=card.name or str(card.athlete_id), groups=", ".join(card.groups)
        ),
        context.t(
            "card_sharing",
            since=format_date(card.sharing_since.astimezone(zone).date(), lang),
            consent=consent,
        ),
        context.t(
            "card_last_seen",
            seen=(
                format_date(card.last_seen.astimezone(zone).date(), lang)
                if card.last_seen is not None
                else context.kb.ui_text("console_seen_never", lang)
            ),
        ),
    ]
    if card.blocked:
        parts.append(context.t("console_blocked"))
    tests = [
        counted(
            context,
            "card_tests",
            len(card.tests),
            latest=format_date(card.tests[-1].astimezone(zone).date(), lang),
        )
        if card.tests
        else context.t("card_tests_none")
    ]
    by_eye: dict[str, str] = {}
    for trend in card.trends(context.kb):
        change = trend.change
        word = {None: "first", -1: "better", 0: "same", 1: "worse"}[change]
        if trend.levels[-1] == UNTESTED:
            word = "untested"  # the latest test could not judge it: nothing to compare
        fault = next((f for i, f in context.kb.faults.items() if i == trend.fault), None)
        by_eye[trend.fault] = context.t(
            "card_trend",
            fault=text_for(fault.name, lang) if fault is not None else trend.fault,
            levels=_levels(context, trend.levels),
            trend=context.kb.ui_text(f"card_trend_{word}", lang),
        )
    judged = latest_judged([assess(context.kb, answers) for answers in card.answers])
    measured = with_measured(context.kb, judged, card.video)  # a measurement outranks an eye
    tests.extend(video_card.trend_lines(context, measured, by_eye, zone))
    parts.append("\n".join(tests))
    warmups = card.warmups
    parts.append(
        context.t(
            "card_warmups",
            done=warmups.done,
            skipped=warmups.skipped,
            unanswered=warmups.unanswered,
        )
    )
    weeks = " ".join("·" if n is None else str(n) for _, n in reversed(card.strength_weeks))
    parts.append(
        context.t(
            "card_strength", good=card.good_weeks, total=len(card.strength_weeks), weeks=weeks
        )
    )
    if card.cadence.runs:
        runs = " → ".join(f"{spm:.0f}" for _, spm in card.cadence.runs)
        delta = card.cadence.change
        parts.append(
            context.t(
                "card_cadence", runs=runs, change=f"{delta:+.0f}" if delta is not None else "—"
            )
        )
    else:
        parts.append(context.t("card_cadence_none"))
    video_line = video_card.card_line(context, card.video, zone)
    if video_line is not None:
        parts.append(video_line)
    if card.pain is not None:
        parts.append(context.t("card_pain_flag" if card.pain else "card_pain_none"))
    return "\n\n".join(parts)


@on_button(AthleteCardOpen)
@coach_only
async def card_button(update: Update, context: HipContext, button: AthleteCardOpen) -> None:
    """One athlete's card, if they share with the tapper; Back returns to the list's page."""
    session = await context.db()
    flagged = await pain.flagged(session, [button.athlete_id], context.now)
    card = await console.card(
        session, context.role, button.athlete_id, context.now, pain=button.athlete_id in flagged
    )
    if card is None:
        context.toast("card_not_allowed")
        return
    zone = zone_of(await coach_profile.zone_name(session, context.role.user_id))
    back = AthleteList(button.which, button.group_id, button.page).encode()
    context.edit(
        card_text(context, card, zone),
        keyboard([[(context.kb.ui_text("console_back", context.lang), back)]]),
    )


# --------------------------------------------------------------------- nudges


@on_button(NudgePreview)
@coach_only
async def nudge_preview_button(update: Update, context: HipContext, button: NudgePreview) -> None:
    """Who a nudge would reach and what it says; sending it is one more tap."""
    which = Filter(button.which)
    session = await context.db()
    group_id = _group(button.group_id)
    members = await console.member_ids(session, context.role, group_id)
    flagged = await pain.flagged(session, members, context.now)
    recipients = (
        await console.nudge_recipients(
            session, context.kb, context.role, which, group_id, context.now, flagged
        )
        if which in console.NUDGE_FILTERS
        else []
    )
    label = context.kb.ui_text(f"console_filter_{which.value}", context.lang)
    if not recipients:
        context.toast("nudge_empty", filter=label)
        return
    names = ", ".join(e.name or str(e.athlete_id) for e in recipients[:NAMES_IN_PREVIEW])
    if len(recipients) > NAMES_IN_PREVIEW:
        names += ", …"
    head = counted(context, "nudge_preview", len(recipients), filter=label, names=names)
    body = context.kb.ui_text(f"nudge_text_{which.value}", context.lang)
    asked = int(context.now.timestamp())
    send = NudgeSend(which.value, button.group_id, asked).encode()
    context.reply(
        f"{head}\n\n{body}",
        keyboard(
            [[(plural_text(context.kb, context.lang, "nudge_send_button", len(recipients)), send)]]
        ),
    )


@on_button(NudgeSend)
@coach_only
async def nudge_send_button(update: Update, context: HipContext, button: NudgeSend) -> None:
    """Send the previewed nudge as an ordinary broadcast; a second tap sends nothing."""
    which = Filter(button.which)
    label = context.kb.ui_text(f"console_filter_{which.value}", context.lang)
    if which not in console.NUDGE_FILTERS:  # forged: no preview offers it
        context.toast("nudge_empty", filter=label)
        return
    session = await context.db()
    group_id = _group(button.group_id)
    members = await console.member_ids(session, context.role, group_id)
    flagged = await pain.flagged(session, members, context.now)
    asked_at = dt.datetime.fromtimestamp(button.asked, dt.UTC)
    try:
        broadcast = await console.nudge(
            session,
            context.kb,
            context.role,
            which,
            group_id,
            context.kb.ui_text(f"nudge_text_{which.value}", context.lang),
            context.now,
            asked_at,
            flagged,
        )
    except console.AlreadySent:
        context.toast("nudge_already")
        return
    except console.EmptyAudience:
        context.toast("nudge_empty", filter=label)
        return
    context.edit(counted(context, "nudge_sent", broadcast.recipients, id=broadcast.id))


# --------------------------------------------------------------------- /broadcasts


async def _audience(context: HipContext, broadcast: Broadcast) -> str:
    lang = context.lang
    if broadcast.audience == "group" and (broadcast.audience_ref or "").isdecimal():
        group = await (await context.db()).get(TrainingGroup, int(str(broadcast.audience_ref)))
        return group.name if group is not None else "?"
    if broadcast.audience == console.NUDGE_AUDIENCE:
        parsed = console.parse_nudge_ref(broadcast.audience_ref)
        which = parsed[0].value if parsed is not None else "all"
        return context.kb.ui_text(
            "console_broadcast_nudge",
            lang,
            filter=context.kb.ui_text(f"console_filter_{which}", lang),
        )
    fault = next((f for i, f in context.kb.faults.items() if i == broadcast.audience_ref), None)
    if broadcast.audience == "finding" and fault is not None:
        return context.kb.ui_text("broadcast_label_finding", lang, fault=text_for(fault.name, lang))
    key = "broadcast_to_all" if broadcast.audience == "all" else "broadcast_to_mine"
    return context.kb.ui_text(key, lang)


def _counts(context: HipContext, key: str, report: Report) -> str:
    return context.t(
        key,
        total=report.total,
        sent=report.sent,
        pending=report.pending,
        failed=report.failed,
        blocked=report.blocked,
        cancelled=report.cancelled,
        unknown=report.unknown,
    )


async def broadcasts_page(context: HipContext, number: int) -> tuple[str, list[list[Button]]]:
    """One page of /broadcasts: those still to go out (soonest first), then the history."""
    session = await context.db()
    role = context.role
    order = await console.broadcast_order(session, role, context.now)
    page = paged(order, number, BROADCAST_PAGE)
    zone_name = await coach_profile.zone_name(session, role.user_id)
    zone = zone_of(zone_name)
    replies = await relay.replies(session, list(page.items))
    blocks = [
        context.t("console_broadcasts_title", page=page.number + 1, pages=page.count, tz=zone_name)
    ]
    rows: list[list[Button]] = []
    for broadcast_id in page.items:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None:
            continue
        report = await console.delivery_report(session, broadcast)
        state = report.athletes.state(context.now)
        if report.chats.pending and state == "done":
            state = "sending"
        lines = [
            context.t(
                "console_broadcast_line",
                id=broadcast.id,
                when=broadcast.send_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                audience=await _audience(context, broadcast),
                state=context.kb.ui_text(f"broadcast_state_{state}", context.lang),
            ),
            _counts(context, "console_broadcast_athletes", report.athletes),
        ]
        if report.chats.total:
            lines.append(_counts(context, "console_broadcast_chats", report.chats))
        if replies.get(broadcast.id):
            lines.append(counted(context, "console_broadcast_replies", replies[broadcast.id]))
        blocks.append("\n".join(lines))
        row: list[Button] = []
        if report.problems:
            row.append(
                (
                    context.kb.ui_text("console_details_button", context.lang, id=broadcast.id),
                    BroadcastDetails(broadcast.id).encode(),
                )
            )
        if state in ("scheduled", "sending"):
            row.append(
                (
                    context.kb.ui_text("broadcast_cancel_button", context.lang, id=broadcast.id),
                    BroadcastCancel(broadcast.id).encode(),
                )
            )
        not_confirmed = report.athletes.not_confirmed + report.chats.not_confirmed
        if state == "done" and not_confirmed:
            row.append(
                (
                    plural_text(
                        context.kb,
                        context.lang,
                        "broadcast_resend_button",
                        not_confirmed,
                        id=broadcast.id,
                    ),
                    BroadcastResend(broadcast.id).encode(),
                )
            )
        if row:
            rows.append(row)
    if not order:
        blocks.append(context.t("broadcasts_none"))
    return "\n\n".join(blocks), with_nav(rows, context, page, lambda n: BroadcastList(n).encode())


@coach_only
async def broadcasts_command(update: Update, context: HipContext) -> None:
    """My broadcasts: still to go out first, then the history, a page at a time."""
    text, rows = await broadcasts_page(context, 0)
    context.reply(text, keyboard(rows) if rows else None)


@on_button(BroadcastList)
@coach_only
async def broadcast_list_button(update: Update, context: HipContext, button: BroadcastList) -> None:
    """Another page of /broadcasts, in the same message."""
    text, rows = await broadcasts_page(context, button.page)
    context.edit(text, keyboard(rows) if rows else None)


@on_button(BroadcastDetails)
@coach_only
async def details_button(update: Update, context: HipContext, button: BroadcastDetails) -> None:
    """Who one of my broadcasts did not reach, and why (as many messages as it takes)."""
    session = await context.db()
    broadcast = await session.get(Broadcast, button.broadcast_id)
    if broadcast is None or broadcast.coach_id != context.role.user_id:
        context.toast("coach_not_allowed")
        return
    report = await console.delivery_report(session, broadcast)
    lines = [context.t("console_details_title", id=broadcast.id)]
    for problem in report.problems:
        status = context.kb.ui_text(f"console_status_{problem.status}", context.lang)
        lines.append(
            context.t(
                "console_problem_chat" if problem.chat else "console_problem_athlete",
                name=problem.name,
                status=status,
                why=f" ({problem.error})" if problem.error else "",
            )
        )
    if not report.problems:
        lines.append(context.t("console_details_none"))
    context.reply_long("\n".join(lines))


# --------------------------------------------------------------------- /timezone


@coach_only
async def timezone_command(update: Update, context: HipContext) -> None:
    """Show my time zone as a coach, or set it: /timezone Europe/Helsinki (or +2)."""
    session = await context.db()
    typed = " ".join(context.args or [])
    if not typed:
        name = await coach_profile.zone_name(session, context.role.user_id)
        context.say("coach_timezone_current", tz=name)
        return
    try:
        name = await coach_profile.set_zone(session, context.role, typed, context.now)
    except InvalidInput as invalid:
        raise context.refuse("coach_timezone_invalid", value=invalid.value) from None
    local = context.now.astimezone(zone_of(name)).strftime("%H:%M")
    context.say("coach_timezone_set", tz=name, now=local)
