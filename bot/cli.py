"""The `hipcoach` command line.

hipcoach run          start the bot (long polling, or a webhook if WEBHOOK_URL is set)
hipcoach migrate      bring the database schema up to date
hipcoach check        settings, database and knowledge base are usable (healthcheck)
hipcoach kb check     validate the knowledge base content
hipcoach kb show ID   show a knowledge-base item as the bot sends it
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.kb_commands import kb_check, kb_show
from bot.logging_setup import redact, secret_variants, setup_logging
from bot.settings import Settings, SettingsError, load_settings
from knowledge.languages import declared_languages


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hipcoach", description="Hip Coach: a Telegram coaching assistant for runners."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="start the bot (long polling, or webhook if WEBHOOK_URL)")
    sandbox = commands.add_parser(
        "sandbox", help="talk to the bot in this terminal (no token, no network)"
    )
    sandbox.add_argument("--user-id", type=int, default=1001, help="which athlete you play")
    sandbox.add_argument("--name", default="Runner", help="your first name in the chat")
    sandbox.add_argument(
        "--lang", default="en", choices=list(declared_languages()), help="your language"
    )
    sandbox.add_argument("--as-coach", action="store_true", help="play a coach (admin)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("check", help="check settings, database and content (for healthchecks)")
    kb = commands.add_parser("kb", help="knowledge base tools").add_subparsers(
        dest="kb_command", metavar="KB_COMMAND", required=True
    )
    kb.add_parser("check", help="validate the content and print a summary")
    show = kb.add_parser("show", help="render one item exactly as the bot sends it")
    show.add_argument("item_id")
    show.add_argument("--lang", default="en")
    diagram = kb.add_parser(
        "diagram", help="write the self-test, onboarding and broadcast flows as Mermaid diagrams"
    )
    diagram.add_argument("path", nargs="?", default="docs/selftest.mmd")
    return parser


def secrets_of(settings: Settings) -> list[str]:
    """What must never be printed: the token, the webhook secret, the database password."""
    secrets = [
        secret.get_secret_value()
        for secret in (settings.telegram_bot_token, settings.webhook_secret)
        if secret is not None
    ]
    if settings.database_url:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            password = make_url(settings.database_url).password
        except ArgumentError:  # reported when the database is opened
            password = None
        if password:
            secrets.append(str(password))
    return secrets


def _checks_before_database(settings: Settings) -> None:
    from bot.startup import check_data_dir, check_database

    check_data_dir(settings)
    check_database(settings)


def _migrate(settings: Settings) -> int:
    from coaching import migrate

    _checks_before_database(settings)
    url = settings.effective_database_url
    migrate.upgrade(url)
    print(f"database is at schema revision {', '.join(sorted(migrate.head_revisions(url)))}")
    return 0


def _check(settings: Settings) -> int:
    from coaching import migrate
    from knowledge import load_knowledge

    load_knowledge()
    _checks_before_database(settings)
    if not asyncio.run(migrate.is_up_to_date(settings.effective_database_url)):
        print("database schema is not up to date: run `hipcoach migrate`", file=sys.stderr)
        return 1
    print("ok")
    return 0


def _diagram(path: str) -> int:
    """The self-test diagram at `path`, and the onboarding and broadcast ones beside it."""
    from pathlib import Path

    from coaching.diagram import DIAGRAMS
    from knowledge import load_knowledge
    from knowledge.diagram import selftest_mermaid

    target = Path(path)
    target.write_text(selftest_mermaid(load_knowledge()))
    print(f"wrote {target}")
    for name, draw in DIAGRAMS.items():
        beside = target.with_name(name)
        beside.write_text(draw())
        print(f"wrote {beside}")
    return 0


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.sandbox.chat import run_sandbox

    if not 0 < args.user_id < 2**52:
        print("hipcoach: --user-id must be a positive number", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_sandbox(settings, args.user_id, args.name, args.lang, args.as_coach))
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "kb":
        if args.kb_command == "check":
            return kb_check()
        if args.kb_command == "diagram":
            return _diagram(args.path)
        return kb_show(args.item_id, lang=args.lang)
    secrets: list[str] = []
    try:
        settings = load_settings()
        secrets = secret_variants(secrets_of(settings))
        setup_logging(settings.log_level, secrets)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "check":
            return _check(settings)
        if args.command == "sandbox":
            return _sandbox(settings, args)
        from bot.runner import run

        run(settings)
        return 0
    except SettingsError as exc:  # one line naming what to fix, and never a secret
        print(f"hipcoach: {redact(str(exc), secrets)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
