"""Running-form videos: /video says how to film; a clip gets measured figures and a still.

A clip (a video, a round video message, or an mp4/mov file) is size-checked
before download against the Bot API's 20 MB limit, saved to a temporary
folder, and analysed by the instance's one video worker (`coaching.video`),
never on the event loop. The athlete is answered "analysing…" at once, with
their place in line when others are waiting; that message is edited with the
progress the worker notes, and at last into the figures (after they are
stored), followed by the annotated still. The clip is deleted as soon as it
is analysed, whatever the outcome. A clip that cannot be measured gets its
reason; a server without the `video` extra says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import filters

from bot.context import HipContext, athlete_only
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
from knowledge import i18n

log = logging.getLogger(__name__)

ANALYSE: Callable[[str, float | None, str | None], VideoResult] = video.analyse_video
"""What the worker runs on a saved clip (picklable); a test may put a landmark source here."""
AVAILABLE: Callable[[], bool] = video.available
"""Whether this server can analyse videos; a test may say it cannot."""
CLIPS = (
    filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Document.VIDEO
    | filters.Document.FileExtension("mp4")
    | filters.Document.FileExtension("mov")
)
"""What this handler takes: run files and other documents go on to the others."""
PROGRESS_SECONDS = 2.0
"""How often the "analysing…" message may change while the worker runs."""
MIN_PLAYED_SECONDS = 3
"""Shorter clips' whole-second durations say too little to spot slow motion by."""


@athlete_only
async def video_command(update: Update, context: HipContext) -> None:
    """How to film a clip for the running-form analysis."""
    context.say(
        "video_howto",
        max_mb=video.MAX_FILE_BYTES // (1024 * 1024),
        seconds=round(video.MAX_SECONDS),
    )


def _seconds(duration: object) -> int | None:
    """A clip's duration in whole seconds (PTB gives an int or a timedelta)."""
    if isinstance(duration, dt.timedelta):
        return round(duration.total_seconds())
    return duration if isinstance(duration, int) else None


def _clip(message: Message) -> tuple[str, int | None, str | None, str | None, int | None] | None:
    """(file_id, size, file name, mime type, played seconds) of the message's clip."""
    if message.video is not None:
        clip = message.video
        return clip.file_id, clip.file_size, clip.file_name, clip.mime_type, _seconds(clip.duration)
    if message.video_note is not None:
        note = message.video_note
        return note.file_id, note.file_size, "video_note.mp4", "video/mp4", _seconds(note.duration)
    if message.document is not None:
        doc = message.document
        return doc.file_id, doc.file_size, doc.file_name, doc.mime_type, None
    return None


@athlete_only
async def receive_video(update: Update, context: HipContext) -> None:
    """A clip: analyse it in the video worker, store the figures, reply with them and a still."""
    message = update.effective_message
    assert message is not None
    clip = _clip(message)
    if clip is None:
        return
    file_id, size, name, mime, played = clip
    max_mb = video.MAX_FILE_BYTES // (1024 * 1024)
    if not AVAILABLE():
        context.say("video_error_unavailable")
        return
    if not video.is_video_file(name, mime):
        context.say("video_error_wrong_format")
        return
    if size is not None and size > video.MAX_FILE_BYTES:
        context.say("video_error_too_large", max_mb=max_mb)
        return
    athlete = context.athlete
    queue = video.video_queue()
    try:
        ahead = queue.join(athlete.id)
    except Busy:
        context.say("video_busy")
        return
    try:
        # Downloading and analysing take seconds: the transaction is not held meanwhile.
        await context.commit()
        status = await _Status.start(context, ahead)
        result = await _analyse(context, status, file_id, played)
    finally:
        queue.leave(athlete.id)
    if result is None:
        return
    await video.save_video(await context.db(), athlete.id, result.form, context.now)
    text = result_text(context, result.form)
    context.after_commit(lambda: status.show(text))
    if result.still_jpeg is not None:
        context.reply_photo(result.still_jpeg, caption=context.t(_still_key(result.form)))


async def _analyse(
    context: HipContext, status: _Status, file_id: str, played: int | None
) -> VideoResult | None:
    """Download, analyse and delete the clip; a refusal is shown on the status message."""
    max_mb = video.MAX_FILE_BYTES // (1024 * 1024)
    athlete_id = context.athlete.id
    try:
        telegram_file = await context.bot.get_file(file_id)
    except BadRequest as exc:
        if "too big" not in exc.message.lower():
            raise
        await status.show(context.t("video_error_too_large", max_mb=max_mb))
        return None
    if telegram_file.file_size is not None and telegram_file.file_size > video.MAX_FILE_BYTES:
        await status.show(context.t("video_error_too_large", max_mb=max_mb))
        return None
    played_seconds = float(played) if played and played >= MIN_PLAYED_SECONDS else None
    with tempfile.TemporaryDirectory(prefix="hipcoach-video-") as folder:
        path = Path(folder) / "clip"
        progress = Path(folder) / "progress"
        await telegram_file.download_to_drive(path)
        job = asyncio.ensure_future(
            video.video_queue().run(athlete_id, ANALYSE, str(path), played_seconds, str(progress))
        )
        try:
            while not job.done():
                await asyncio.wait({job}, timeout=PROGRESS_SECONDS)
                percent = _percent(progress)
                if percent is not None and not job.done():
                    await status.show(context.t("video_progress", percent=percent))
            return job.result()
        except VideoError as exc:
            log.info("video from %s refused: %s", athlete_id, exc)
            key = f"video_error_{exc.reason.value}"
            await status.show(context.t(key, max_mb=max_mb, min_steps=video.MIN_STEPS))
        except WorkerFailure as exc:
            log.warning("video from %s too much: %s: %s", athlete_id, type(exc).__name__, exc)
            await status.show(context.t(f"video_error_{Reason.TOO_COMPLEX.value}"))
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

    def __init__(self, context: HipContext, message: Message, text: str) -> None:
        self.context = context
        self.message = message
        self.text = text

    @staticmethod
    async def start(context: HipContext, ahead: int) -> _Status:
        text = context.t("video_queued", ahead=ahead) if ahead else context.t("video_analysing")
        sent = await context.bot.send_message(context.chat_id, text, parse_mode=ParseMode.HTML)
        return _Status(context, sent, text)

    async def show(self, text: str) -> None:
        """Edit the message into `text`, unless it shows that already."""
        if text == self.text:
            return
        await self.context.bot.edit_message_text(
            text, self.message.chat_id, self.message.message_id, parse_mode=ParseMode.HTML
        )
        self.text = text


def _number(value: float, lang: str, digits: int = 1) -> str:
    return i18n.number(value, lang, digits)


def _still_key(form: FormMeasure) -> str:
    return {
        View.SIDE: "video_still_side",
        View.REAR: "video_still_rear",
        View.UNCLEAR: "video_still_unclear",
    }[form.view]


def result_text(context: HipContext, form: FormMeasure) -> str:
    """The figures of one clip with what they mean, as one HTML message."""
    t, lang = context.t, context.lang
    parts = [
        t("video_result_title", seconds=_number(form.seconds, lang, 0)),
        t(
            "video_result_cadence",
            cadence=_number(form.cadence_spm, lang, 0),
            steps=form.steps,
        ),
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
            parts.append(t("video_pelvic_even", threshold=_number(video.LR_FLAG_DEG, lang, 0)))
        parts.append(t("video_pelvic_meaning"))
    elif form.view is View.REAR and form.pelvic_missing is PelvicMissing.NO_BASELINE:
        parts.append(t("video_pelvic_missing_no_baseline"))
    elif form.view is View.REAR and form.pelvic_missing is PelvicMissing.TOO_FEW:
        parts.append(t("video_pelvic_missing_too_few", strides=video.MIN_STANCES_PER_SIDE))
    if form.view is View.REAR:
        parts.append(t("video_knees"))
    parts.append(t("video_estimate"))
    parts.append(t("video_saved"))
    return "\n\n".join(parts)


__all__ = ["receive_video", "result_text", "video_command"]
