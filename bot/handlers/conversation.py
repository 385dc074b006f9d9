"""/cancel, typed text, photos, and the Cancel / Yes buttons of any question.

Whatever the bot waits for in a chat is its one pending question
(`coaching.pending`), so these treat every flow alike: /cancel ends exactly that
question (and says what it was, and removes its buttons); typed text goes to
the flow that asked (`bot.routes.TYPED`), or gets one hint when nothing is asked; a photo
is a broadcast's message when a draft waits for one. Before or after a
restart, on any instance: the question is in the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import HipContext, handler, on_button
from bot.handlers import broadcasts, privacy
from coaching import conversation, pending
from coaching.callbacks import QuestionButton
from coaching.conversation import Cancelled
from coaching.pending import Kind, PendingQuestion
from coaching.reminders import Draft

MAX_TEXT_LENGTH = 4096
ANSWERS_KEY = "hipcoach.typed_answers"

Answer = Callable[[Update, HipContext, PendingQuestion, str], Awaitable[None]]
"""What takes typed text for one kind of question (`bot.routes.TYPED` lists them)."""


async def button_only(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """A question answered with its buttons only: say so (they are on the message above)."""
    await context.find_athlete()
    context.say("use_buttons")


SETTING_NAMES = {
    Draft.TIMEZONE: "settings_timezone",
    Draft.RUN_TIME: "settings_run_time",
    Draft.TIP_TIME: "settings_tip_time",
    Draft.CHECKIN_TIME: "settings_checkin_time",
}


def said(context: HipContext, cancelled: Cancelled) -> str:
    """What was cancelled, in the athlete's words."""
    kind = cancelled.kind
    if kind is Kind.SETTINGS:
        try:
            what = context.t(SETTING_NAMES[Draft(cancelled.step or "")])
        except (KeyError, ValueError):
            return context.t("cancelled")
        return context.t("cancelled_settings", what=what)
    if kind is Kind.ONBOARDING:
        return context.t("cancelled_review" if cancelled.onboarded else "cancelled_onboarding")
    if kind is None:
        return context.t("cancelled")
    return context.t(f"cancelled_{kind.value}")


@handler
async def cancel_command(update: Update, context: HipContext) -> None:
    """End the question the bot is waiting on, say what it was, and remove its buttons."""
    await context.find_athlete()
    cancelled = await conversation.cancel(await context.db(), context.chat_id, context.now)
    if cancelled is None:
        context.say("nothing_to_cancel")
        return
    context.strip(cancelled.message_id)
    context.reply(said(context, cancelled))


@handler
async def text_message(update: Update, context: HipContext) -> None:
    """Typed text answers the chat's pending question, or gets one hint."""
    message = update.effective_message
    assert message is not None
    question = await pending.current(await context.db(), context.chat_id)
    answers: dict[Kind, Answer] = context.bot_data.get(ANSWERS_KEY, {})
    kind = question.question_kind if question is not None else None
    answer = answers.get(kind) if kind is not None else None
    if question is None or answer is None:
        await context.find_athlete()
        context.say("stray_text")
        return
    await answer(update, context, question, (message.text or "")[:MAX_TEXT_LENGTH])


@handler
async def photo_message(update: Update, context: HipContext) -> None:
    """A photo is a coach's broadcast if a draft waits for its message; else a hint."""
    question = await pending.current(await context.db(), context.chat_id)
    if question is not None and question.question_kind is Kind.BROADCAST:
        await broadcasts.answer_photo(update, context, question)
        return
    await context.find_athlete()
    context.say("stray_text")


@on_button(QuestionButton)
async def question_button(update: Update, context: HipContext, button: QuestionButton) -> None:
    """Yes or Cancel under a question: only the chat's current one, else nothing changes."""
    await context.find_athlete()
    question = await pending.current(await context.db(), context.chat_id)
    if question is None or question.id != button.question_id:
        context.toast("stale_button")
        context.edit(context.tapped_text)  # the question is over: its buttons go
        return
    if question.question_kind is Kind.WITHDRAWAL:
        await privacy.decide_withdrawal(context, question, erase=button.action == "y")
        return
    if button.action == "y":
        context.toast("stale_button")
        return
    cancelled = await conversation.cancel(await context.db(), context.chat_id, context.now)
    assert cancelled is not None
    context.edit(f"{context.tapped_text}\n\n<i>{said(context, cancelled)}</i>")


__all__ = [
    "ANSWERS_KEY",
    "Answer",
    "button_only",
    "cancel_command",
    "photo_message",
    "question_button",
    "text_message",
]
