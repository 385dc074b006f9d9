"""Coach broadcasts: the draft, the audience, one delivery row per recipient, the report.

A broadcast is composed step by step in the coach's `broadcast_draft` (text,
audience, when), so a restart or another instance takes the next step. On
confirmation one transaction deletes the draft (a double tap, on any
instance, finds none), creates the `broadcast` and puts one outbox row per
athlete (kind "broadcast", slot "b<id>", ref_id = the broadcast) and one per
linked group chat (kind "group_post") in `coaching.outbox`; a crash before the
commit leaves nothing half-made. The scheduler's dispatcher then sends them
under the shared pace, resumably and at most once each.

The coach's text keeps its real Telegram HTML tags and has its stray `&`, `<`
and `>` escaped (`knowledge.telegram_text.repair_html`), so `Hills & strides`
goes out as typed and `<b>Hills</b>` stays bold. The message may instead be a photo (its
Telegram file_id is kept, never the bytes) with an optional caption, which
Telegram limits to 1024 characters: a longer one is refused while composing,
not found out at sending time.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox
from coaching.coach_models import (
    Broadcast,
    BroadcastDraft,
    GroupChat,
    GroupMembership,
    TrainingGroup,
)
from coaching.coaches import (
    FOUND_LEVELS,
    Role,
    authorise,
)
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from coaching.video.findings import findings_of
from coaching.when import parse_when
from knowledge.loader import get_knowledge
from knowledge.schema import FAULT_IDS, KnowledgeBase
from knowledge.telegram_text import repair_html, telegram_error, telegram_length

KIND = Kind.BROADCAST
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_AHEAD = dt.timedelta(days=60)
LIFETIME = dt.timedelta(days=3)  # a broadcast still unsent this long after its time is dropped
DRAFT_LIFETIME = dt.timedelta(hours=24)


class Audience(StrEnum):
    GROUP = "group"  # one of the coach's groups (ref = group id)
    MINE = "mine"  # every group of the coach
    ALL = "all"  # every subscriber (admins only)
    FINDING = "finding"  # athletes whose latest judged self-test found a fault (ref = fault id)


class Step(StrEnum):
    TEXT = "text"
    AUDIENCE = "audience"
    FINDING = "finding"
    PREVIEW = "preview"
    TIME = "time"
    CONFIRM = "confirm"
    EDIT = "edit"  # from the preview: the text (or caption) typed again


class NotAllowed(Exception):
    """The coach may not use this audience (another coach's group, "all" for a non-admin)."""


class InvalidText(ValueError):
    """Empty or too long for one Telegram message."""


class CaptionTooLong(InvalidText):
    """A photo caption over Telegram's 1024 characters."""


class Stale(Exception):
    """The draft is not at the step this answer belongs to (an old or forged button)."""


# --------------------------------------------------------------------- the compose flow


class Event(StrEnum):
    """What a coach does to a draft."""

    START = "/broadcast"
    MESSAGE = "message"  # the text, or a photo
    AUDIENCE = "audience"  # one group, all my groups, everyone (admins)
    FINDING = "finding"  # "Athletes with a finding": which one is asked next
    FAULT = "fault"  # that finding
    LATER = "later"
    TIME = "time"  # the typed time to send at
    SEND = "send"
    CONFIRM = "confirm"
    EDIT = "edit"  # change the text (or caption) from the preview
    BACK = "back"
    CANCEL = "cancel"


class End(StrEnum):
    """Where a draft ends (pseudo-states of the diagram)."""

    NEW = "new"
    SENT = "sent"
    DISCARDED = "discarded"


@dataclass(frozen=True)
class Transition:
    source: Step | End
    event: Event
    target: Step | End
    label: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(End.NEW, Event.START, Step.TEXT, "/broadcast (coaches only)"),
    Transition(
        Step.TEXT,
        Event.MESSAGE,
        Step.AUDIENCE,
        "typed message (HTML if it passes, else escaped) or a photo",
    ),
    Transition(Step.AUDIENCE, Event.FINDING, Step.FINDING, "Athletes with a finding"),
    Transition(
        Step.AUDIENCE,
        Event.AUDIENCE,
        Step.PREVIEW,
        "one group / all my groups / all subscribers (admins)",
    ),
    Transition(Step.FINDING, Event.FAULT, Step.PREVIEW, "fault chosen"),
    Transition(Step.PREVIEW, Event.SEND, End.SENT, "Send now: one delivery row per recipient"),
    Transition(Step.PREVIEW, Event.LATER, Step.TIME, "Schedule"),
    Transition(Step.PREVIEW, Event.EDIT, Step.EDIT, "Edit the text (or caption)"),
    Transition(Step.EDIT, Event.MESSAGE, Step.PREVIEW, "typed text or caption: audience kept"),
    Transition(Step.TIME, Event.TIME, Step.CONFIRM, "typed time in the coach's zone"),
    Transition(Step.CONFIRM, Event.CONFIRM, End.SENT, "Confirm: deliveries due at that time"),
    *(
        Transition(step, Event.BACK, Step.AUDIENCE, "Back")
        for step in (Step.FINDING, Step.PREVIEW, Step.TIME, Step.CONFIRM, Step.EDIT)
    ),
    *(Transition(step, Event.CANCEL, End.DISCARDED, "Cancel or /cancel") for step in Step),
)
"""Every move of a draft: the functions below follow it, `docs/coach_broadcast.mmd` is drawn
from it (`coaching.diagram`)."""

_TABLE = {(t.source, t.event): t.target for t in TRANSITIONS}

ACTIONS: dict[str, Event] = {
    "x": Event.CANCEL,
    "g": Event.AUDIENCE,
    "m": Event.AUDIENCE,
    "a": Event.AUDIENCE,
    "f": Event.FINDING,
    "fv": Event.FAULT,
    "back": Event.BACK,
    "later": Event.LATER,
    "now": Event.SEND,
    "ok": Event.CONFIRM,
    "edit": Event.EDIT,
}
"""The draft buttons' actions (`coaching.callbacks.DraftStep`) as events of the table."""

AUDIENCES = {"g": Audience.GROUP, "m": Audience.MINE, "a": Audience.ALL, "fv": Audience.FINDING}


def _move(draft: BroadcastDraft, event: Event, now: dt.datetime) -> Step | End:
    """Follow the table from the draft's step; `Stale` where it has no such move."""
    try:
        target = _TABLE[(Step(draft.step), event)]
    except (KeyError, ValueError):
        raise Stale(draft.step) from None
    if isinstance(target, Step):
        draft.step = target
    draft.updated_at = now
    return target


def _expect(draft: BroadcastDraft, event: Event) -> None:
    """Refuse, before anything changes, an event the draft's step does not take."""
    if (draft.step, event) not in _TABLE:
        raise Stale(draft.step)


# --------------------------------------------------------------------- drafts


async def start_draft(session: AsyncSession, role: Role, now: dt.datetime) -> BroadcastDraft:
    """A fresh draft waiting for the text; replaces any earlier draft of this coach."""
    old = await current_draft(session, role.user_id, now, any_age=True)
    if old is not None:
        await session.delete(old)
        await session.flush()
    draft = BroadcastDraft(
        coach_id=role.user_id, step=_TABLE[(End.NEW, Event.START)], updated_at=now
    )
    session.add(draft)
    await session.flush()
    return draft


async def current_draft(
    session: AsyncSession, user_id: int, now: dt.datetime, *, any_age: bool = False
) -> BroadcastDraft | None:
    """This user's draft, unless it was abandoned more than a day ago."""
    draft = await session.scalar(select(BroadcastDraft).where(BroadcastDraft.coach_id == user_id))
    if draft is None or any_age:
        return draft
    return draft if now - draft.updated_at <= DRAFT_LIFETIME else None


async def owned_draft(
    session: AsyncSession, role: Role, draft_id: int, now: dt.datetime
) -> BroadcastDraft | None:
    """The draft named by a button, only if it is this coach's current one."""
    draft = await current_draft(session, role.user_id, now)
    return draft if draft is not None and draft.id == draft_id else None


async def coach_draft(
    session: AsyncSession, admin_ids: Collection[int], user_id: int, now: dt.datetime
) -> tuple[Role, BroadcastDraft] | None:
    """The draft typed text or a photo is for: this user's live one, while they coach.

    Someone who is no longer a coach keeps no draft: it is discarded here.
    """
    draft = await current_draft(session, user_id, now)
    if draft is None:
        return None
    role = await authorise(session, admin_ids, user_id)
    if role is None:
        await session.delete(draft)
        await session.flush()
        return None
    return role, draft


def coach_text_html(text: str, entities_html: str | None = None) -> tuple[str, bool]:
    """The text as Telegram HTML, and whether anything had to be escaped.

    Formatting the coach applied in the client (`entities_html`, built by the
    library from message entities) is used when Telegram would take it. A typed
    text keeps its real tags and has its stray `&`, `<` and `>` escaped
    (`Hills & strides`, `Pace <5:00/km`), so it is never sent as plain text whole.
    """
    if entities_html is not None and entities_html != html.escape(text, quote=False):
        if telegram_error(entities_html, allow_empty=True) is None:
            return entities_html, False
    body = repair_html(text)
    return body, body != text


def set_text(
    draft: BroadcastDraft, text: str, now: dt.datetime, entities_html: str | None = None
) -> bool:
    """Store the message text; returns True when it was escaped rather than used as HTML.

    At the edit step (from the preview) the typed text replaces the text, or the
    caption of a photo (where "-" means no caption); the audience stays.
    """
    _expect(draft, Event.MESSAGE)
    if draft.step == Step.EDIT and draft.photo_file_id is not None:
        caption = "" if text.strip() == "-" else text
        return _set_caption(draft, draft.photo_file_id, caption, now, entities_html)
    text = text.replace("\x00", "")  # PostgreSQL refuses NUL in text, and nobody sees it
    if not text.strip():
        raise InvalidText("empty")
    body, escaped = coach_text_html(text, _storable(entities_html))
    if telegram_length(body) > MAX_TEXT or len(body) > 3 * MAX_TEXT:
        raise InvalidText("too long")
    draft.text_html, draft.escaped, draft.photo_file_id = body, escaped, None
    _move(draft, Event.MESSAGE, now)
    return escaped


def _storable(text: str | None) -> str | None:
    """Without NUL bytes, which PostgreSQL refuses in text (and no reader would see)."""
    return text.replace("\x00", "") if text is not None else None


def set_photo(
    draft: BroadcastDraft,
    file_id: str,
    caption: str | None,
    now: dt.datetime,
    entities_html: str | None = None,
) -> bool:
    """Store a photo (by Telegram file_id) and its optional caption; True when escaped."""
    _expect(draft, Event.MESSAGE)
    if draft.step != Step.TEXT:
        raise Stale(draft.step)  # a photo starts a message; an edit is typed
    return _set_caption(draft, file_id, caption, now, entities_html)


def _set_caption(
    draft: BroadcastDraft,
    file_id: str,
    caption: str | None,
    now: dt.datetime,
    entities_html: str | None,
) -> bool:
    if not file_id or len(file_id) > 256:
        raise InvalidText("no photo")
    caption = _storable(caption)
    body, escaped = "", False
    if caption and caption.strip():
        body, escaped = coach_text_html(caption, _storable(entities_html))
    if telegram_length(body) > MAX_CAPTION or len(body) > 3 * MAX_CAPTION:
        raise CaptionTooLong(telegram_length(body))
    draft.text_html, draft.escaped, draft.photo_file_id = body, escaped, file_id
    _move(draft, Event.MESSAGE, now)
    return escaped


async def choose_audience(
    session: AsyncSession,
    role: Role,
    draft: BroadcastDraft,
    audience: Audience,
    ref: str | None,
    now: dt.datetime,
) -> None:
    """Pick who receives it; refuses audiences this coach may not address."""
    if audience is Audience.FINDING and ref is None:
        _move(draft, Event.FINDING, now)
        return
    event = Event.FAULT if audience is Audience.FINDING else Event.AUDIENCE
    _expect(draft, event)
    await check_audience(session, role, audience, ref)
    draft.audience, draft.audience_ref = audience, ref
    _move(draft, event, now)


async def check_audience(
    session: AsyncSession, role: Role, audience: Audience, ref: str | None
) -> None:
    if audience is Audience.GROUP:
        group = await session.get(TrainingGroup, int(ref)) if ref and ref.isdigit() else None
        if group is None or group.coach_id != role.user_id or group.archived_at is not None:
            raise NotAllowed(ref)
    elif audience is Audience.ALL:
        if not role.admin:
            raise NotAllowed(audience)
    elif audience is Audience.FINDING:
        if ref not in FAULT_IDS:
            raise NotAllowed(ref)
    elif audience is Audience.MINE and ref is not None:
        raise NotAllowed(ref)


def back_to_audience(draft: BroadcastDraft, now: dt.datetime) -> None:
    _move(draft, Event.BACK, now)
    draft.audience = draft.audience_ref = None
    draft.send_at = None


def ask_time(draft: BroadcastDraft, now: dt.datetime) -> None:
    _move(draft, Event.LATER, now)


def ask_edit(draft: BroadcastDraft, now: dt.datetime) -> None:
    _move(draft, Event.EDIT, now)


def parse_send_time(text: str, now: dt.datetime, zone: str | None) -> dt.datetime:
    """The instant a coach's typed time means in their zone, at most `MAX_AHEAD` ahead.

    Read by `coaching.when.parse_when` ("tomorrow 7:00", "Mon 18:00", "30.11. 07:00",
    Finnish forms too); its `WhenError` says exactly what is wrong.
    """
    return parse_when(text, now, zone, MAX_AHEAD)


def set_time(draft: BroadcastDraft, send_at: dt.datetime, now: dt.datetime) -> None:
    _expect(draft, Event.TIME)
    draft.send_at = send_at
    _move(draft, Event.TIME, now)


@dataclass(frozen=True)
class Tapped:
    """What a draft button did: the draft as it now stands, or the broadcast it became
    (both None: discarded)."""

    draft: BroadcastDraft | None
    broadcast: Broadcast | None = None


async def tap(
    session: AsyncSession,
    kb: KnowledgeBase,
    role: Role,
    draft_id: int,
    action: str,
    arg: str | None,
    now: dt.datetime,
) -> Tapped:
    """One draft button, only on the coach's own current draft: `Stale`, `NotAllowed`."""
    draft = await owned_draft(session, role, draft_id, now)
    event = ACTIONS.get(action)
    if draft is None or event is None:
        raise Stale(action)
    if event is Event.CANCEL:
        _expect(draft, event)
        await session.delete(draft)
        await session.flush()
        return Tapped(None)
    if event is Event.BACK:
        back_to_audience(draft, now)
    elif event is Event.LATER:
        ask_time(draft, now)
    elif event is Event.EDIT:
        ask_edit(draft, now)
    elif event in (Event.SEND, Event.CONFIRM):
        _expect(draft, event)
        return Tapped(None, await confirm(session, role, draft, now, kb))
    elif event is Event.FINDING:
        await choose_audience(session, role, draft, Audience.FINDING, None, now)
    else:
        await choose_audience(session, role, draft, AUDIENCES[action], arg, now)
    return Tapped(draft)


async def discard(session: AsyncSession, user_id: int, draft_id: int | None) -> bool:
    """/cancel of a draft: it goes (only this user's, only that one); False if already gone."""
    draft = await session.scalar(select(BroadcastDraft).where(BroadcastDraft.coach_id == user_id))
    if draft is None or (draft_id is not None and draft.id != draft_id):
        return False
    await session.delete(draft)
    await session.flush()
    return True


# --------------------------------------------------------------------- audiences


def _member_ids(role: Role, group_id: int | None) -> Select[tuple[int]]:
    query = select(GroupMembership.athlete_id).join(
        TrainingGroup, TrainingGroup.id == GroupMembership.group_id
    )
    query = query.where(TrainingGroup.coach_id == role.user_id)
    if group_id is not None:
        query = query.where(TrainingGroup.id == group_id)
    else:  # "all my groups": those not archived
        query = query.where(TrainingGroup.archived_at.is_(None))
    return query


async def recipient_ids(
    session: AsyncSession, kb: KnowledgeBase, role: Role, audience: Audience, ref: str | None
) -> list[int]:
    """The athletes who would receive it now: active, and reachable by this coach.

    "By finding" reads each athlete's newest test with enough answers, judged from its
    answers, with a measured hip drop over it (`findings_of`), as their plan does.
    """
    await check_audience(session, role, audience, ref)
    query = select(Athlete.id).where(Athlete.active.is_(True))
    if audience is Audience.GROUP:
        query = query.where(Athlete.id.in_(_member_ids(role, int(str(ref)))))
    elif audience is Audience.MINE:
        query = query.where(Athlete.id.in_(_member_ids(role, None)))
    elif audience is Audience.ALL:
        query = query.where(Athlete.consent_at.is_not(None))
    else:
        # Findings are shared with a coach only by members of their groups; admins
        # address every subscriber who consented to the bot.
        scope = (
            Athlete.consent_at.is_not(None)
            if role.admin
            else Athlete.id.in_(_member_ids(role, None))
        )
        reachable = (await session.scalars(query.where(scope))).all()
        found = await findings_of(session, kb, reachable)
        return sorted(a for a, f in found.items() if f.levels.get(str(ref)) in FOUND_LEVELS)
    return list((await session.scalars(query.order_by(Athlete.id))).all())


async def chat_ids(
    session: AsyncSession, role: Role, audience: Audience, ref: str | None
) -> list[int]:
    """Linked group chats that also get the post (group audiences only)."""
    if audience not in (Audience.GROUP, Audience.MINE):
        return []
    query = (
        select(GroupChat.chat_id)
        .join(TrainingGroup, TrainingGroup.id == GroupChat.group_id)
        .where(TrainingGroup.coach_id == role.user_id, TrainingGroup.archived_at.is_(None))
    )
    if audience is Audience.GROUP:
        query = query.where(TrainingGroup.id == int(str(ref)))
    return list((await session.scalars(query.order_by(GroupChat.chat_id))).all())


@dataclass(frozen=True)
class Preview:
    athletes: int
    chats: int


async def preview(
    session: AsyncSession, kb: KnowledgeBase, role: Role, draft: BroadcastDraft
) -> Preview:
    if draft.audience is None:
        raise Stale(draft.step)
    audience = Audience(draft.audience)
    athletes = await recipient_ids(session, kb, role, audience, draft.audience_ref)
    chats = await chat_ids(session, role, audience, draft.audience_ref)
    return Preview(len(athletes), len(chats))


# --------------------------------------------------------------------- confirm


async def _take_draft(session: AsyncSession, draft: BroadcastDraft) -> None:
    """Delete the draft, or find that another tap (on any instance) already did.

    The delete is the lock: on PostgreSQL a second confirm of the same draft
    waits for the first to commit and then deletes nothing, so one draft makes
    at most one broadcast however many instances take the taps.
    """
    result = await session.execute(
        delete(BroadcastDraft).where(
            BroadcastDraft.id == draft.id, BroadcastDraft.step == draft.step
        )
    )
    if int(result.rowcount) != 1:  # type: ignore[attr-defined]
        raise Stale(draft.step)
    session.expunge(draft)


async def confirm(
    session: AsyncSession,
    role: Role,
    draft: BroadcastDraft,
    now: dt.datetime,
    kb: KnowledgeBase | None = None,
) -> Broadcast:
    """Turn the draft into a broadcast with one delivery per recipient, in this transaction.

    `kb` judges the tests of a "by finding" audience; left out (as the broadcast
    benchmark's seeding does, for every commit it measures) it is the bundled content.
    """
    if draft.step not in (Step.PREVIEW, Step.CONFIRM) or draft.audience is None:
        raise Stale(draft.step)
    if draft.text_html is None:
        raise Stale(draft.step)
    audience = Audience(draft.audience)
    send_at = draft.send_at if draft.step == Step.CONFIRM and draft.send_at else now
    if send_at < now:
        send_at = now
    audience_ref = draft.audience_ref
    text_html, photo_file_id = draft.text_html, draft.photo_file_id
    await _take_draft(session, draft)
    judge = kb if kb is not None else get_knowledge()
    athletes = await recipient_ids(session, judge, role, audience, audience_ref)
    chats = await chat_ids(session, role, audience, audience_ref)
    broadcast = Broadcast(
        coach_id=role.user_id,
        text_html=text_html,
        photo_file_id=photo_file_id,
        audience=audience,
        audience_ref=audience_ref,
        recipients=len(athletes) + len(chats),
        send_at=send_at,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    slot, expires = f"b{broadcast.id}", send_at + LIFETIME
    rows = [
        outbox.planned(
            KIND, slot, send_at, now, athlete_id=athlete_id, expires=expires, ref_id=broadcast.id
        )
        for athlete_id in athletes
    ]
    rows += [
        outbox.planned(
            Kind.GROUP_POST,
            slot,
            send_at,
            now,
            chat_id=chat_id,
            expires=expires,
            ref_id=broadcast.id,
        )
        for chat_id in chats
    ]
    await outbox.insert(session, rows)
    return broadcast


# --------------------------------------------------------------------- reports, cancel, resend

KINDS = (Kind.BROADCAST, Kind.GROUP_POST)


@dataclass
class Report:
    """How far a broadcast got. `unknown` may have arrived (Telegram did not confirm);
    `failed` surely did not (refused, too late, or the athlete left meanwhile)."""

    broadcast: Broadcast
    sent: int = 0
    pending: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    unknown: int = 0

    def add(self, status: str, count: int) -> None:
        if status == Status.SENT:
            self.sent += count
        elif status in outbox.WAITING:
            self.pending += count
        elif status == Status.BLOCKED:
            self.blocked += count
        elif status == Status.CANCELLED:
            self.cancelled += count
        elif status == Status.UNKNOWN:
            self.unknown += count
        else:  # failed, expired, skipped (inactive by then)
            self.failed += count

    @property
    def total(self) -> int:
        return self.sent + self.pending + self.failed + self.blocked + self.cancelled + self.unknown

    @property
    def not_confirmed(self) -> int:
        """What `resend_unconfirmed` would send again."""
        return self.unknown + self.failed

    def state(self, now: dt.datetime) -> str:
        if self.broadcast.cancelled_at is not None:
            return "cancelled"
        if self.pending and self.broadcast.send_at > now:
            return "scheduled"
        return "sending" if self.pending else "done"


async def report(session: AsyncSession, broadcast: Broadcast) -> Report:
    result = Report(broadcast)
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.kind.in_(KINDS), Delivery.ref_id == broadcast.id)
        .group_by(Delivery.status)
    )
    for status, count in rows.tuples():
        result.add(status, int(count))
    return result


async def my_broadcasts(session: AsyncSession, role: Role, limit: int = 10) -> Sequence[Broadcast]:
    return (
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.coach_id == role.user_id)
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
    ).all()


async def owned_broadcast(session: AsyncSession, role: Role, broadcast_id: int) -> Broadcast | None:
    broadcast = await session.get(Broadcast, broadcast_id)
    return broadcast if broadcast is not None and broadcast.coach_id == role.user_id else None


async def cancel(session: AsyncSession, broadcast: Broadcast, now: dt.datetime) -> int:
    """Stop what has not gone out yet; returns how many messages were cancelled."""
    cancelled = 0
    for kind in KINDS:
        cancelled += await outbox.cancel(session, kind, broadcast.id, now)
    if broadcast.cancelled_at is None:
        broadcast.cancelled_at = now
    return cancelled


async def resend_unconfirmed(session: AsyncSession, broadcast: Broadcast, now: dt.datetime) -> int:
    """Send again, from now, to exactly the recipients Telegram did not confirm.

    The coach decides this from the report: a recipient marked `unknown` may
    already have the message, which is why it is never resent on its own.
    Blocked, cancelled and delivered recipients are left alone.
    """
    if broadcast.cancelled_at is not None:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.kind.in_(KINDS),
            Delivery.ref_id == broadcast.id,
            Delivery.status.in_(outbox.NOT_CONFIRMED),
        )
        .values(
            status=Status.PENDING,
            not_before=now,
            expires_at=now + LIFETIME,
            finished_at=None,
            claimed_by=None,
            lease_until=None,
            error=None,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
