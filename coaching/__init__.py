"""The domain: athletes, self-tests, plans, reminders, groups, and the database they live in.

Importing the package loads every table module in a fixed order (`coaching.models`
pulls in the rest), so any one of them can be imported first.
"""

from coaching import models as models  # noqa: F401
