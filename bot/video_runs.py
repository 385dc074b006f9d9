"""One clip's run, from download to figures, in the background of the bot.

The handler (`bot.handlers.video`) only checks what it can see in the
message and, once its turn is committed, hands the clip here: the athlete's
other messages are answered meanwhile, and the athlete's updates are not held
up behind a clip that takes half a minute. A run takes its place in the
instance's video line (one clip per athlete), says "analysing…" at once,
downloads the clip to a temporary folder, has the video worker analyse it,
edits the message with the worker's progress, stores the figures in one
transaction (only with the athlete's consent to storing health data) and,
after the commit, edits the message into them and sends the
annotated still. The folder is deleted whatever happens. Runs are PTB tasks
(`Application.create_task`), so stopping the bot lets a running clip finish.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.services import Services
from coaching import video
from coaching.cadence import WorkerFailure
from coaching.video import (
    Busy,
    FormMeasure,
    PelvicMissing,
    Reason,
    VideoError,
    VideoResult,
    View,
)
from knowledge import KnowledgeBase, i18n
from knowledge.schema import VideoGuidance

log = logging.getLogger(__name__)

ANALYSE: Callable[[str, VideoGuidance, float | None, str | None], VideoResult] = video.analyse_video
"""What the worker runs on a saved clip (picklable); a test may put a landmark source here."""
PROGRESS_SECONDS = 2.0
"""How often the "analysing…" message may change while the worker runs."""
MIN_PLAYED_SECONDS = 3
"""Shorter clips' whole-second durations say too little to spot slow motion by."""
MAX_MB = video.MAX_FILE_BYTES // (1024 * 1024)


@dataclass(frozen=True)
class Clip:
    """What the handler saw of the clip and its sender."""

    chat_id: int
    athlete_id: int
    lang: str
    file_id: str
    played_seconds: int | None
    store: bool = True
    """Whether the athlete agreed to their health data being stored; else figures are only shown."""


def start(application: Any, services: Services, clip: Clip) -> None:
    """Run the clip in the background (a PTB task, awaited when the bot stops)."""
    application.create_task(run(application.bot, services, clip), name="video clip")


async def run(bot: Bot, services: Services, clip: Clip) -> None:
    """The whole run; every outcome ends with a message, and the line is left."""
    kb = services.kb
    queue = video.video_queue()
    try:
        ahead = queue.join(clip.athlete_id)
    except Busy:
        await bot.send_message(clip.chat_id, _t(kb, clip, "video_busy"), parse_mode=ParseMode.HTML)
        return
    status: _Status | None = None
    try:
        first = _t(kb, clip, "video_analysing")
        if ahead:
            first = _t(kb, clip, "video_queued", place=ahead + 1)
        status = _Status(
            bot, await bot.send_message(clip.chat_id, first, parse_mode=ParseMode.HTML), first
        )
        result = await _analyse(bot, kb, clip, status)
        if result is None:
            return
        if clip.store:
            async with services.db.transaction() as session:
                await video.save_video(session, clip.athlete_id, result.form, services.clock())
        await status.show(result_text(kb, clip.lang, result.form, saved=clip.store))
        if result.still_jpeg is not None:
            caption = _t(kb, clip, _still_key(result.form))
            await bot.send_photo(
                clip.chat_id, result.still_jpeg, caption=caption, parse_mode=ParseMode.HTML
            )
    except Exception:
        log.exception("video from %s failed", clip.athlete_id)
        if status is not None:
            try:
                await status.show(_t(kb, clip, "video_error_unreadable"))
            except TelegramError:
                log.warning("could not tell %s that their video failed", clip.athlete_id)
    finally:
        queue.leave(clip.athlete_id)


async def _analyse(bot: Bot, kb: KnowledgeBase, clip: Clip, status: _Status) -> VideoResult | None:
    """Download, analyse and delete the clip; a refusal is shown on the status message."""
    try:
        telegram_file = await bot.get_file(clip.file_id)
    except BadRequest as exc:
        if "too big" not in exc.message.lower():
            raise
        await status.show(_t(kb, clip, "video_error_too_large", max_mb=MAX_MB))
        return None
    if telegram_file.file_size is not None and telegram_file.file_size > video.MAX_FILE_BYTES:
        await status.show(_t(kb, clip, "video_error_too_large", max_mb=MAX_MB))
        return None
    played = clip.played_seconds
    played_seconds = float(played) if played and played >= MIN_PLAYED_SECONDS else None
    with tempfile.TemporaryDirectory(prefix="hipcoach-video-") as folder:
        path = Path(folder) / "clip"
        progress = Path(folder) / "progress"
        await telegram_file.download_to_drive(path)
        job = asyncio.ensure_future(
            video.video_queue().pool.run(
                ANALYSE, str(path), kb.video, played_seconds, str(progress)
            )
        )
        try:
            while not job.done():
                await asyncio.wait({job}, timeout=PROGRESS_SECONDS)
                percent = _percent(progress)
                if percent is not None and not job.done():
                    await status.show(_t(kb, clip, "video_progress", percent=percent))
            return job.result()
        except VideoError as exc:
            log.info("video from %s refused: %s", clip.athlete_id, exc)
            key = f"video_error_{exc.reason.value}"
            min_steps = kb.video.running.min_steps
            await status.show(_t(kb, clip, key, max_mb=MAX_MB, min_steps=min_steps))
        except WorkerFailure as exc:
            log.warning("video from %s: %s: %s", clip.athlete_id, type(exc).__name__, exc)
            await status.show(_t(kb, clip, f"video_error_{Reason.TOO_COMPLEX.value}"))
        finally:
            if not job.done():
                job.cancel()
    return None


def _percent(progress: Path) -> int | None:
    """The worker's progress note as a percentage, None until there is one."""
    try:
        done, total = (int(part) for part in progress.read_text("ascii").split())
    except (OSError, ValueError):
        return None
    return max(0, min(99, 100 * done // max(total, 1)))


class _Status:
    """The one message that says "analysing…", then the progress, then the outcome."""

    def __init__(self, bot: Bot, message: Message, text: str) -> None:
        self.bot = bot
        self.message = message
        self.text = text

    async def show(self, text: str) -> None:
        """Edit the message into `text`, unless it shows that already."""
        if text == self.text:
            return
        await self.bot.edit_message_text(
            text, self.message.chat_id, self.message.message_id, parse_mode=ParseMode.HTML
        )
        self.text = text


def _t(kb: KnowledgeBase, clip: Clip, key: str, **params: object) -> str:
    return kb.ui_text(key, clip.lang, **params)


def _number(value: float, lang: str, digits: int = 1) -> str:
    return i18n.number(value, lang, digits)


def _still_key(form: FormMeasure) -> str:
    return {
        View.SIDE: "video_still_side",
        View.REAR: "video_still_rear",
        View.UNCLEAR: "video_still_unclear",
    }[form.view]


def result_text(kb: KnowledgeBase, lang: str, form: FormMeasure, *, saved: bool = True) -> str:
    """The figures of one clip with what they mean, as one HTML message."""

    def t(key: str, **params: object) -> str:
        return kb.ui_text(key, lang, **params)

    parts = [
        t("video_result_title", seconds=_number(form.seconds, lang, 0)),
        t("video_result_cadence", cadence=_number(form.cadence_spm, lang, 0), steps=form.steps),
    ]
    if form.cut_at_s is not None:
        parts.append(t("video_result_cut", seconds=_number(form.cut_at_s, lang, 0)))
    parts.append(t(f"video_view_{form.view.value}"))
    if form.overstride is not None:
        reach = form.overstride.leg_lengths
        parts.append(
            t(
                "video_overstride",
                reach=_number(reach.mean, lang, 2),
                reach_sd=_number(reach.sd, lang, 2),
                shin=_number(form.overstride.shin_deg.mean, lang, 0),
            )
        )
    drop = form.pelvic_drop
    if drop is not None:
        parts.append(
            t(
                "video_pelvic",
                left=_number(drop.left.mean, lang),
                left_sd=_number(drop.left.sd, lang),
                left_n=drop.left.n,
                right=_number(drop.right.mean, lang),
                right_sd=_number(drop.right.sd, lang),
                right_n=drop.right.n,
            )
        )
        if drop.more_on is not None:
            difference = abs(drop.left.mean - drop.right.mean)
            parts.append(
                t(f"video_pelvic_side_{drop.more_on}", difference=_number(difference, lang))
            )
        else:
            flag = kb.video.pelvic_difference.degrees
            parts.append(t("video_pelvic_even", threshold=_number(flag, lang, 0)))
        parts.append(t("video_pelvic_meaning"))
    elif form.view is View.REAR and form.pelvic_missing is PelvicMissing.NO_BASELINE:
        parts.append(t("video_pelvic_missing_no_baseline"))
    elif form.view is View.REAR and form.pelvic_missing is PelvicMissing.TOO_FEW:
        strides = kb.video.pelvic_strides.per_leg
        parts.append(t("video_pelvic_missing_too_few", strides=strides))
    if form.view is View.REAR:
        parts.append(t("video_knees"))
    parts.append(t("video_estimate"))
    parts.append(t("video_saved" if saved else "video_not_saved"))
    return "\n\n".join(parts)


__all__ = ["ANALYSE", "Clip", "result_text", "run", "start"]
