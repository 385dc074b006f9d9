"""Every handler and job of the bot, in one table (like `main()` in PTB's conversationbot).

`install(application)` registers them; `bot.app` builds the Application and calls it.
PTB tries the handlers of a group in the order they are added, so the order
below is the order of precedence: commands, then each button kind, then the
catch-alls (typed text, photos, anything else). Buttons are routed by kind
(`ButtonHandler.matches`, through the codec's own patterns), so two kinds that
share a prefix still reach their own handler; data no kind accepts reaches
`general.unknown_button`, which answers it.

A new feature adds its commands, buttons and jobs here, next to the others.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import ButtonHandler, Callback, HipApplication
from bot.handlers import (
    broadcasts,
    cadence,
    cards,
    coaches,
    console,
    conversation,
    general,
    levels,
    onboarding,
    pain,
    privacy,
    relay,
    reminders,
    results,
    selftest,
    settings,
    video,
)
from bot.handlers.conversation import Answer
from bot.jobs import install_jobs
from coaching.pending import Kind

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE

COMMANDS: tuple[tuple[str, Callback], ...] = (
    ("start", onboarding.start),
    ("help", general.help_command),
    ("cancel", conversation.cancel_command),
    ("selftest", selftest.start_command),
    ("results", results.results_command),
    ("plan", cards.plan_command),
    ("settings", settings.settings_command),
    ("pause", reminders.pause_command),
    ("resume", reminders.resume_command),
    ("snooze", reminders.snooze_command),
    ("cadence", cadence.cadence_command),
    ("video", video.video_command),
    ("pain", pain.pain_command),
    ("privacy", privacy.privacy_command),
    ("export", privacy.export_command),
    ("delete", privacy.delete_command),
    ("leave", coaches.leave_command),
)
"""Everyone's commands, in private chats (the menu is `bot.app.COMMANDS`)."""

COACH_COMMANDS: tuple[tuple[str, Callback], ...] = (
    ("invite_coach", coaches.invite_coach),
    ("newgroup", coaches.new_group),
    ("groups", coaches.list_groups),
    ("athletes", console.athletes_command),
    ("stats", coaches.stats),
    ("broadcast", broadcasts.broadcast_command),
    ("broadcasts", console.broadcasts_command),
    ("timezone", console.timezone_command),
)
"""Coaches' commands, in private chats; not in the public menu, and in /help for coaches only."""

BUTTONS: tuple[ButtonHandler[Any], ...] = (
    onboarding.answer_button,
    selftest.start_button,
    selftest.answer_button,
    settings.button,
    reminders.warmup_button,
    reminders.checkin_button,
    reminders.swim_button,
    privacy.delete_button,
    privacy.keep_button,
    privacy.withdraw_button,
    conversation.question_button,
    coaches.join_button,
    coaches.leave_button,
    coaches.leave_page_button,
    coaches.groups_page_button,
    coaches.manage_button,
    results.page_button,
    coaches.link_button,
    coaches.export_button,
    broadcasts.draft_button,
    broadcasts.cancel_button,
    broadcasts.resend_button,
    console.list_button,
    console.card_button,
    console.nudge_preview_button,
    console.nudge_send_button,
    console.broadcast_list_button,
    console.details_button,
    relay.reply_button,
    cards.plan_button,
    cards.open_button,
    cards.step_button,
    pain.start_button,
    pain.answer_button,
    levels.level_button,
)
"""One handler per button kind of `coaching.callbacks`."""

TYPED: dict[Kind, Answer] = {
    Kind.ONBOARDING: onboarding.answer_text,
    Kind.SETTINGS: settings.answer_text,
    Kind.GROUP_NAME: coaches.answer_group_name,
    Kind.BROADCAST: broadcasts.answer_text,
    Kind.SELFTEST: selftest.answer_text,
    Kind.WITHDRAWAL: conversation.button_only,
    Kind.RELAY: relay.answer_text,
}
"""Where typed text goes, by the kind of question the chat waits on (`coaching.pending`)."""


def install(application: HipApplication) -> None:
    """Register every handler and job on the application."""
    add = application.add_handler
    application.bot_data[conversation.ANSWERS_KEY] = TYPED
    add(TypeHandler(Update, privacy.touch), group=privacy.TOUCH_GROUP)
    for name, callback in (*COMMANDS, *COACH_COMMANDS):
        add(CommandHandler(name, callback, filters=PRIVATE))
    add(CommandHandler("linkgroup", coaches.link_group, filters=filters.ChatType.GROUPS))
    add(ChatMemberHandler(coaches.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    for button in BUTTONS:
        add(CallbackQueryHandler(button, pattern=button.matches))
    add(CallbackQueryHandler(general.unknown_button))
    add(MessageHandler(PRIVATE & filters.COMMAND, general.unknown_command))
    add(MessageHandler(PRIVATE & filters.REPLY & filters.TEXT, relay.reply_message))
    add(MessageHandler(PRIVATE & filters.TEXT, conversation.text_message))
    add(MessageHandler(PRIVATE & video.CLIPS, video.receive_video))
    add(MessageHandler(PRIVATE & filters.Document.ALL, cadence.receive_file))
    add(MessageHandler(PRIVATE & filters.LOCATION, onboarding.answer_location))
    add(MessageHandler(PRIVATE & filters.PHOTO, conversation.photo_message))
    add(MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, general.unexpected_message))
    application.add_error_handler(general.on_error)
    install_jobs(application)  # `plan` every minute, `dispatch` every few seconds
    queue = application.job_queue
    if queue is None:
        log.warning("no JobQueue: inactive athletes' health data will not be purged")
        return
    queue.run_repeating(
        privacy.retention_job,
        interval=privacy.RETENTION_EVERY,
        first=privacy.RETENTION_FIRST,
        name=privacy.RETENTION_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


__all__ = ["BUTTONS", "COACH_COMMANDS", "COMMANDS", "PRIVATE", "TYPED", "install"]
