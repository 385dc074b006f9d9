"""Who the sandbox plays: several people on one fake Telegram, one of them at a time.

Each person is a `FakeUser` with their own private chat and their own place
in it (what has been shown already), so a broadcast or a relayed reply waits
in someone's chat until you switch to them (`!as 1002`, `!as coach`). A coach
is a coach in the database (a `coach` row), exactly as one made by an invite,
so inviting a second person works across the people here. Who exists is kept
in the data directory, so a restarted sandbox knows them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from telegram import Chat

from coaching import coach_profile
from coaching.base import utcnow
from coaching.coach_models import Coach
from coaching.coaches import Role, Via
from coaching.db import Database
from fakeapi import FakeBotApi, FakeUser

DEFAULT_COACH_ID = 900
DEFAULT_COACH_NAME = "Coach"


@dataclass
class Person:
    user: FakeUser
    coach: bool = False
    shown: dict[int, int] = field(default_factory=dict)
    """Per chat (their private chat, and group chats they are in): how many of the bot's
    events there have been printed."""
    buttons: list[str | None] = field(default_factory=list)
    buttons_message: int | None = None
    buttons_chat: int | None = None

    def __post_init__(self) -> None:
        self.shown.setdefault(self.user.chat_id, 0)

    @property
    def user_id(self) -> int:
        return self.user.user_id

    @property
    def name(self) -> str:
        return self.user.user.first_name


class People:
    """Everyone the sandbox plays, and which of them is typing now."""

    def __init__(self, api: FakeBotApi, db: Database, path: Path, language: str) -> None:
        self.api, self.db, self.path, self.language = api, db, path, language
        self.everyone: dict[int, Person] = {}
        self.groups: dict[int, str] = {}
        """Telegram group chats here (negative ids) and their titles."""
        self.current_id = 0

    @property
    def current(self) -> Person:
        return self.everyone[self.current_id]

    def add(self, user_id: int, name: str, *, coach: bool = False, started: bool = False) -> Person:
        found = self.everyone.get(user_id)
        if found is not None:
            found.coach = found.coach or coach
            return found
        user = FakeUser(self.api, user_id, first_name=name, language_code=self.language)
        if started:
            self.api.mark_started(user_id)
        person = Person(user, coach=coach)
        self.everyone[user_id] = person
        self.save()
        return person

    def coach(self) -> Person | None:
        return next((p for p in self.everyone.values() if p.coach), None)

    def unread(self, person: Person) -> int:
        return sum(
            max(0, self.api.event_count(chat) - shown) for chat, shown in person.shown.items()
        )

    def new_group(self, title: str, by: Person) -> int:
        """A Telegram group chat that `by` adds the bot to (a coach is then asked to link it)."""
        chat_id = -1001 - len(self.groups)
        self.groups[chat_id] = title
        by.shown.setdefault(chat_id, 0)
        self.api.add_bot_to_group(chat_id, title, by.user)
        self.save()
        return chat_id

    def restore_group(self, chat_id: int, title: str) -> None:
        """A group chat from an earlier run: the fake Telegram knows it again."""
        self.groups[chat_id] = title
        self.api.register_chat(Chat(id=chat_id, type=Chat.GROUP, title=title))

    def join(self, person: Person, chat_id: int) -> None:
        person.shown.setdefault(chat_id, 0)  # the chat's history shows, as in Telegram
        self.save()

    async def make_coach(self, person: Person) -> None:
        """A coach in the database (as an accepted invite makes one), not by configuration,
        named on their broadcasts as you named them here."""
        async with self.db.transaction() as session:
            row = await session.get(Coach, person.user_id)
            if row is None:
                session.add(Coach(user_id=person.user_id, via=Via.INVITE))
                await session.flush()
            else:
                row.via, row.revoked_at = Via.INVITE, None
            role = Role(person.user_id, admin=False)
            await coach_profile.note_identity(session, role, person.name, self.language, utcnow())
        person.coach = True
        self.save()

    async def refresh_roles(self) -> None:
        """Who is a coach now (someone may have accepted an invite meanwhile)."""
        async with self.db.transaction() as session:
            ids = set(
                (
                    await session.scalars(select(Coach.user_id).where(Coach.revoked_at.is_(None)))
                ).all()
            )
        for person in self.everyone.values():
            person.coach = person.user_id in ids
        self.save()

    def save(self) -> None:
        saved = [
            {
                "id": p.user_id,
                "name": p.name,
                "coach": p.coach,
                "groups": [chat for chat in p.shown if chat < 0],
            }
            for p in self.everyone.values()
        ]
        groups = [{"id": chat, "title": title} for chat, title in self.groups.items()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(
            json.dumps({"people": saved, "groups": groups, "current": self.current_id})
        )

    def load(self) -> None:
        """The group chats and people of an earlier run (none if nothing readable is saved)."""
        try:
            saved = json.loads(self.path.read_text()) if self.path.exists() else {}
        except ValueError:
            saved = {}
        if not isinstance(saved, dict):
            return
        for group in saved.get("groups", []):
            if isinstance(group, dict) and isinstance(group.get("id"), int):
                self.restore_group(int(group["id"]), str(group.get("title") or "Group"))
        for person in saved.get("people", []):
            if not isinstance(person, dict):
                continue
            user_id, name = person.get("id"), person.get("name")
            if isinstance(user_id, int) and isinstance(name, str):
                found = self.add(user_id, name, coach=bool(person.get("coach")), started=True)
                for chat in person.get("groups", []):
                    if chat in self.groups:
                        found.shown.setdefault(chat, 0)
