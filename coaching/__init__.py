"""The domain: athletes, self-tests, plans, reminders, groups, and the database they live in.

Importing the package loads nothing: each table module stands on its own, and
`coaching.tables` is the one place that gathers them all (see there).
"""
