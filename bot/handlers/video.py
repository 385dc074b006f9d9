"""Running-form videos: /video says how to film; a clip is handed to a background run.

A clip (a video, a round video message, or an mp4/mov file) is checked
against what the message itself says: the server has the `video` extra, the
format, and the Bot API's 20 MB download limit. Anything past that (the
"analysing…" message, download, the worker, progress, storing, the figures
and the annotated still) is `bot.video_runs`, started after this turn's
commit, so the athlete's next messages are not held up behind their clip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from telegram import Message, Update
from telegram.ext import filters

from bot import video_runs
from bot.context import HipContext, athlete_only
from coaching import video

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


@athlete_only
async def video_command(update: Update, context: HipContext) -> None:
    """How to film a clip for the running-form analysis."""
    context.say("video_howto", max_mb=video_runs.MAX_MB, seconds=round(video.MAX_SECONDS))


def _seconds(duration: object) -> int | None:
    """A clip's duration in whole seconds (PTB gives an int or a timedelta)."""
    if isinstance(duration, dt.timedelta):
        return round(duration.total_seconds())
    return duration if isinstance(duration, int) else None


def _clip(message: Message) -> tuple[str, int | None, str | None, str | None, int | None] | None:
    """(file_id, size, file name, mime type, played seconds) of the message's clip."""
    if message.video is not None:
        clip = message.video
        mime = clip.mime_type or "video/mp4"  # Telegram's own videos are mp4
        return clip.file_id, clip.file_size, clip.file_name, mime, _seconds(clip.duration)
    if message.video_note is not None:
        note = message.video_note
        return note.file_id, note.file_size, "video_note.mp4", "video/mp4", _seconds(note.duration)
    if message.document is not None:
        doc = message.document
        return doc.file_id, doc.file_size, doc.file_name, doc.mime_type, None
    return None


@athlete_only
async def receive_video(update: Update, context: HipContext) -> None:
    """A clip: refuse what the message shows is wrong, else start its run after the commit."""
    message = update.effective_message
    assert message is not None
    found = _clip(message)
    if found is None:
        return
    file_id, size, name, mime, played = found
    if not AVAILABLE():
        context.say("video_error_unavailable")
        return
    if not video.is_video_file(name, mime):
        context.say("video_error_wrong_format")
        return
    if size is not None and size > video.MAX_FILE_BYTES:
        context.say("video_error_too_large", max_mb=video_runs.MAX_MB)
        return
    athlete = context.athlete
    clip = video_runs.Clip(
        context.chat_id,
        athlete.id,
        context.lang,
        file_id,
        played,
        store=athlete.consent_at is not None,  # figures of the body are health data
    )
    application, services = context.application, context.svc

    async def begin() -> None:
        video_runs.start(application, services, clip)

    context.after_commit(begin)


__all__ = ["CLIPS", "receive_video", "video_command"]
