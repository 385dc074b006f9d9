"""Every table of the domain in one place: import this when you need the whole schema.

Each feature keeps its tables beside it, in a module that imports only
`coaching.base` (and a class it really uses), so any table module can be
imported first and alone. Nothing may rely on some other import having
loaded the rest; whoever needs *all* the tables imports this registry:

- Alembic (`coaching/migrations/env.py`), whose autogenerate compares the
  database with `metadata`: a table missing here would look dropped;
- the privacy walk (`coaching.privacy`), which finds athlete data from the
  schema: a table it cannot see would escape export and erasure;
- `coaching.db`, so every table is mapped before the first session opens,
  whichever modules the program imported.

Where the tables live (`TABLE_MODULES`):

- `coaching.models`: the athlete and their self-tests;
- `coaching.outbox`: every delivery, and the shared sending pace;
- `coaching.pending`: the one question each chat is waiting to have answered;
- `coaching.reminders.models`: reminder settings, tips sent, warm-up answers,
  check-ins (beside `coaching.reminders.settings`, `.warmups`, `.checkins`);
- `coaching.cadence.models`: analysed runs (beside the rest of `coaching.cadence`);
- `coaching.pain_models`: "Something hurts" reports (beside `coaching.pain`);
- `coaching.progression_models`: strength levels per exercise (beside
  `coaching.progression`);
- `coaching.coach_models`: coaches, invites, groups, members, group chats,
  broadcasts and drafts. It stays a sibling of the two modules that use it,
  `coaching.coaches` and `coaching.broadcasts`, rather than becoming a package
  of one file: moving it would rename an import in most coach handlers and
  tests for no change in who depends on whom.
- `coaching.video.models`: figures of analysed running clips (beside the rest of
  `coaching.video`);
- `coaching.console_models`: a coach's own settings (time zone, name, digest) and
  replies relayed between athletes and coaches (beside `coaching.console`, `.relay`).
"""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData

from coaching import (
    coach_models,
    console_models,
    models,
    outbox,
    pain_models,
    pending,
    progression_models,
)
from coaching.base import Base
from coaching.cadence import models as cadence_models
from coaching.reminders import models as reminder_models
from coaching.video import models as video_models

TABLE_MODULES: tuple[ModuleType, ...] = (
    models,
    outbox,
    reminder_models,
    cadence_models,
    coach_models,
    console_models,
    pending,
    pain_models,
    progression_models,
    video_models,
)
"""The modules that define tables; each imports without the others."""

metadata: MetaData = Base.metadata
"""Every table above (the declarative base's metadata, complete once this module is loaded)."""
