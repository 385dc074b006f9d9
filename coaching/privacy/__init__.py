"""What we hold about a person, found from the schema itself: export, erase, withdraw, purge.

A person is a Telegram id: an athlete, a coach, or both. Nothing here lists
tables by hand for export and erasure (`walk`); a coach's groups, invites,
broadcasts and drafts are theirs just as an athlete's check-ins are::

    async with db.transaction() as session:
        found = await held(session, person_id)            # None: we hold nothing
        data = await export(session, person_id, now)      # JSON-ready dict
        await erase(session, person_id, now)              # the person and all linked rows
        await withdraw_consent(session, athlete_id, now)  # health data only
        await purge_inactive(session, now, months=24)     # the retention rule

All SQL is built with SQLAlchemy expressions: values travel as bound parameters.
"""

from coaching.privacy.erase import erase
from coaching.privacy.export import EXPORT_FORMAT, export
from coaching.privacy.health import (
    erase_health_data,
    inactive_athletes,
    months_before,
    purge_inactive,
    touch,
    withdraw_consent,
)
from coaching.privacy.held import Held, held
from coaching.privacy.walk import (
    HEALTH_TABLES,
    NOT_PERSONAL,
    PERSON_KEYS,
    PERSON_MENTIONS,
    SHARING_CONSENT,
    Link,
    athlete_columns,
    links,
)

__all__ = [
    "EXPORT_FORMAT",
    "HEALTH_TABLES",
    "NOT_PERSONAL",
    "PERSON_KEYS",
    "PERSON_MENTIONS",
    "SHARING_CONSENT",
    "Held",
    "Link",
    "athlete_columns",
    "erase",
    "erase_health_data",
    "export",
    "held",
    "inactive_athletes",
    "links",
    "months_before",
    "purge_inactive",
    "touch",
    "withdraw_consent",
]
