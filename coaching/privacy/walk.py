"""Where a person's rows are, found from the schema itself rather than listed by hand.

Every table with a foreign key to ``athlete.id`` holds an athlete's rows; a
table with no such key but a foreign key into those rows (the answers to one
delivery, a coach's groups) holds them too, through the link. A table added
next year is therefore exported and erased without anyone remembering to
touch this package; `coaching.tables` makes sure the walk sees every table.

A coach is the same person as the athlete with the same Telegram id, but need
not be an athlete: `coach.user_id` is a person key without a foreign key
(`PERSON_KEYS`), so a coach's groups, invites, broadcasts and drafts are theirs
in exactly the way an athlete's check-ins are. The few names that cannot be
read off the schema are declared here, and a test checks that each still
names a real table and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, MetaData, Table, false, or_, select

from coaching import tables

ATHLETE_TABLE = "athlete"

HEALTH_TABLES = frozenset(
    {
        "selftest_session",
        "selftest_result",
        "checkin",
        "cadence_run",
        "warmup_ack",
        "pain_report",
        "exercise_level",
        "video_analysis",
    }
)
"""Tables whose rows describe the athlete's body or training: erased on withdrawal/retention."""

PERSON_KEYS = frozenset(
    {("coach", "user_id"), ("pending_question", "chat_id"), ("delivery", "chat_id")}
)
"""(table, column) holding the same person's Telegram id as `athlete.id` without a foreign
key (a coach need not be an athlete; a private chat's id is its person's id, so a delivery
to a coach's own chat, a digest or a relayed reply, is theirs; a group chat's id is
negative and never a person's): treated exactly like a foreign key to the athlete."""

COACH_KEYS = frozenset({("coach", "user_id")})
"""The `PERSON_KEYS` that make someone a coach (a pending question in their chat does not)."""

PERSON_MENTIONS = frozenset(
    {("coach", "invited_by"), ("coach_invite", "used_by"), ("group_chat", "linked_by")}
)
"""(table, column) naming a person in a row that belongs to someone else: the coach who
invited another coach, who used another coach's invite, who linked a group chat to a
group. The row stays with its owner; erasing the person sets the column to NULL.
(A foreign key with ON DELETE SET NULL would do the same, but adding one to `coach`
on SQLite means rebuilding a table others reference with ON DELETE CASCADE.)"""

SHARING_CONSENT = frozenset({("group_membership", "consent_at")})
"""(table, column) recording an athlete's agreement to share results with a coach: cleared
(NULL / false) when consent is withdrawn, and where the column cannot be empty (a
membership only exists with consent) the row is deleted."""

NOT_PERSONAL = frozenset({"send_pace"})
"""Tables that hold nothing about any person, so the walk rightly never reaches them:
`send_pace` is the shared sending pace of each lane. Every other table must be linked."""


@dataclass(frozen=True)
class Link:
    """How the rows of one table belong to a person."""

    table: Table
    athlete_columns: tuple[str, ...]
    """Columns holding the person's id (foreign keys to athlete.id, or `PERSON_KEYS`)."""
    parents: tuple[tuple[str, Table, str], ...]
    """(column, parent table, parent column) for foreign keys into other linked tables."""


def links(metadata: MetaData | None = None) -> list[Link]:
    """Every table that holds a person's data, parents before children."""
    linked: dict[str, Link] = {}
    for table in (metadata or tables.metadata).sorted_tables:  # parents before children
        if table.name == ATHLETE_TABLE:
            continue
        athlete_columns = [c.name for c in table.columns if (table.name, c.name) in PERSON_KEYS]
        parents: list[tuple[str, Table, str]] = []
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name == ATHLETE_TABLE and fk.column.name == "id":
                athlete_columns.append(fk.parent.name)
            elif target.name in linked and target is not table:
                parents.append((fk.parent.name, target, fk.column.name))
        if athlete_columns or parents:
            linked[table.name] = Link(table, tuple(sorted(athlete_columns)), tuple(parents))
    return list(linked.values())


def by_name(all_links: list[Link]) -> dict[str, Link]:
    return {link.table.name: link for link in all_links}


def owned(link: Link, linked: Mapping[str, Link], person_id: int) -> ColumnElement[bool]:
    """Rows of `link.table` that belong to the person.

    A row with an athlete column belongs to whoever that column names; only rows
    of tables without one belong through their parents (a child of someone
    else's row is not this person's data, even if it sits under theirs).
    """
    table = link.table
    if link.athlete_columns:
        return or_(*(table.c[name] == person_id for name in link.athlete_columns))
    return or_(*(_through(link, linked, person_id, owned_only=True)))


def doomed(link: Link, linked: Mapping[str, Link], person_id: int) -> ColumnElement[bool]:
    """Rows of `link.table` that cannot outlive the person: theirs, or hanging off theirs
    (another athlete's membership of the person's group goes with the group)."""
    table = link.table
    conditions = [table.c[name] == person_id for name in link.athlete_columns]
    conditions += _through(link, linked, person_id, owned_only=False)
    return or_(*conditions) if conditions else false()


def _through(
    link: Link, linked: Mapping[str, Link], person_id: int, *, owned_only: bool
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, parent, parent_column in link.parents:
        parent_link = linked[parent.name]
        if not owned_only and _set_null(link.table, column):
            continue  # the database clears this reference; the row itself survives
        chosen = (
            owned(parent_link, linked, person_id)
            if owned_only
            else doomed(parent_link, linked, person_id)
        )
        conditions.append(link.table.c[column].in_(select(parent.c[parent_column]).where(chosen)))
    return conditions


def _set_null(table: Table, column: str) -> bool:
    return any((fk.ondelete or "").upper() == "SET NULL" for fk in table.c[column].foreign_keys)


def athlete_columns(metadata: MetaData | None = None) -> list[tuple[str, str]]:
    """(table, column) for every column that holds a person's id as the row's owner."""
    return [
        (link.table.name, column) for link in links(metadata) for column in link.athlete_columns
    ]


def table(name: str) -> Table:
    """One table of the registry, by name."""
    return tables.metadata.tables[name]
