"""Run files from the athlete's watch (.fit, .gpx, .tcx) and /cadence, their trend.

A document is size-checked before and after download, parsed and analysed in
a worker process under CPU, memory and time limits (`coaching.cadence.analysis_pool`),
stored in one transaction only once the whole analysis succeeded, and answered
with the figures, advice from the knowledge base and a chart. A bad file gets
a reason, never a crash: a file that crashes or exhausts a worker is "too
complex to read", and only that worker is lost. The handler awaits the worker
without blocking the event loop, so everybody else keeps being answered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Document, Update
from telegram.constants import ParseMode

from bot.cadence_chart import cadence_chart
from bot.context import HipContext, athlete_only
from bot.render import ui
from coaching import cadence
from coaching.cadence import (
    CadenceAnalysis,
    CadenceUnit,
    Reason,
    RunFileError,
    WorkerFailure,
    shown_spm,
)
from coaching.cadence.models import CadenceRun
from coaching.models import Athlete
from knowledge import i18n
from knowledge.schema import text_for

log = logging.getLogger(__name__)
BAND_KEYS = {3: ("cadence_band_slow", "cadence_band_mid", "cadence_band_fast")}
SAME_PACE_SPM = 2
"""A change across pace bands smaller than this is "about the same"."""
ANALYSE: Callable[[str | None, bytes], CadenceAnalysis] = cadence.analyse_file
"""What a worker runs on a file (picklable); a test may put a stand-in here."""


def _zone(athlete: Athlete) -> dt.tzinfo:
    try:
        return ZoneInfo(athlete.timezone) if athlete.timezone else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _date(athlete: Athlete, moment: dt.datetime) -> str:
    """When a run started, in the athlete's zone, as their language writes it."""
    return i18n.format_local_datetime(moment, _zone(athlete), athlete.language)


def _number(value: float, lang: str, digits: int = 1) -> str:
    """A figure with `digits` decimals, written the way the language writes numbers."""
    return i18n.number(value, lang, digits)


def _clock(seconds: float) -> str:
    """1:02:05 or 42:05."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _percent(share: float) -> int:
    return round(100 * share)


def result_text(context: HipContext, athlete: Athlete, analysis: CadenceAnalysis) -> str:
    """Figures, unit note, cadence by pace and the advice, as one HTML message."""
    kb, lang = context.kb, athlete.language
    distance = (
        f"{_number(analysis.distance_m / 1000, lang, 2)} km"
        if analysis.distance_m is not None
        else ui(kb, lang, "cadence_distance_unknown")
    )
    parts = [
        ui(
            kb,
            lang,
            "cadence_result",
            date=(
                _date(athlete, analysis.started_at)
                if analysis.clock_known
                else ui(kb, lang, "cadence_undated")
            ),
            duration=_clock(analysis.duration_s),
            distance=distance,
            cadence=shown_spm(analysis.avg_cadence_spm),
            share=_percent(analysis.share_in_target),
            low=cadence.TARGET_LOW,
            high=cadence.TARGET_HIGH,
        )
    ]
    if analysis.partial:
        parts.append(ui(kb, lang, "cadence_partial_read"))
    if not analysis.clock_known:
        parts.append(ui(kb, lang, "cadence_date_unknown"))
    if 0 < analysis.steps_share < 1:
        parts.append(
            ui(kb, lang, "cadence_unit_mixed", steps_percent=_percent(analysis.steps_share))
        )
    elif not analysis.unit_from_range:
        parts.append(ui(kb, lang, "cadence_unit_fit"))
    elif analysis.unit is CadenceUnit.STRIDES:
        parts.append(ui(kb, lang, "cadence_unit_strides", raw=round(analysis.avg_cadence_spm / 2)))
    else:
        parts.append(ui(kb, lang, "cadence_unit_steps"))
    if analysis.walking_s >= 60:
        parts.append(
            i18n.plural(kb, lang, "cadence_walking_left_out", round(analysis.walking_s / 60))
        )
    bands = analysis.pace_bands
    if len(bands) in BAND_KEYS:
        lines = [ui(kb, lang, "cadence_by_pace_title")]
        for key, band in zip(BAND_KEYS[len(bands)], bands, strict=True):
            lines.append(
                "• "
                + ui(
                    kb,
                    lang,
                    "cadence_band_line",
                    label=ui(kb, lang, key),
                    pace=_clock(band.pace_s_per_km),
                    cadence=shown_spm(band.cadence_spm),
                )
            )
        change = shown_spm(bands[-1].cadence_spm) - shown_spm(bands[0].cadence_spm)
        if abs(change) < SAME_PACE_SPM:
            lines.append(ui(kb, lang, "cadence_pace_same"))
        else:
            key = "cadence_pace_up" if change > 0 else "cadence_pace_down"
            lines.append(i18n.plural(kb, lang, key, abs(change)))
        parts.append("\n".join(lines))
    parts.extend(text_for(tip.text, lang) for tip in cadence.cadence_tips(kb, analysis.zone))
    return "\n\n".join(parts)


def _too_large(document: Document) -> bool:
    return document.file_size is not None and document.file_size > cadence.MAX_FILE_BYTES


def _reply_error(context: HipContext, reason: Reason, sport: str | None = None) -> None:
    """The refusal in the athlete's words; a file that is not a run names what it looked like."""
    if reason is Reason.NOT_RUNNING:
        context.say(f"cadence_not_running_{sport or 'other'}")
        return
    max_mb = cadence.MAX_FILE_BYTES // (1024 * 1024)
    context.say(f"cadence_error_{reason.value}", max_mb=max_mb)


@athlete_only
async def receive_file(update: Update, context: HipContext) -> None:
    """A document: analyse it if it is a run file, store it, reply with figures and a chart."""
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    athlete = context.athlete
    if cadence.extension(document.file_name) is None:
        _reply_error(context, Reason.UNSUPPORTED)
        return
    if _too_large(document):
        _reply_error(context, Reason.TOO_LARGE)
        return
    # The download and the analysis take seconds: the transaction is not held meanwhile.
    await context.commit()
    telegram_file = await context.bot.get_file(document.file_id)
    if telegram_file.file_size is not None and telegram_file.file_size > cadence.MAX_FILE_BYTES:
        _reply_error(context, Reason.TOO_LARGE)
        return
    data = bytes(await telegram_file.download_as_bytearray())
    try:
        # read_run_file re-checks the downloaded length against MAX_FILE_BYTES.
        analysis = await cadence.analysis_pool().run_for(
            athlete.id, ANALYSE, document.file_name, data
        )
    except RunFileError as exc:
        log.info("run file from %s refused: %s", athlete.id, exc)
        _reply_error(context, exc.reason, exc.sport)
        return
    except WorkerFailure as exc:
        log.warning(
            "run file from %s (%s, %d bytes) too complex: %s: %s",
            athlete.id,
            cadence.extension(document.file_name),
            len(data),
            type(exc).__name__,
            exc,
        )
        _reply_error(context, Reason.TOO_COMPLEX)
        return
    _, is_new = await cadence.save_run(await context.db(), athlete.id, analysis, context.now)
    text = result_text(context, athlete, analysis)
    text += "\n\n" + context.t("cadence_saved" if is_new else "cadence_saved_again")
    context.reply(text)
    context.after_commit(lambda: _send_chart(context, context.chat_id, context.lang, analysis))


async def _send_chart(
    context: HipContext, chat_id: int, lang: str, analysis: CadenceAnalysis
) -> object:
    kb = context.kb
    png = await asyncio.to_thread(
        cadence_chart,
        analysis.series,
        (cadence.TARGET_LOW, cadence.TARGET_HIGH),
        ui(kb, lang, "cadence_chart_title"),
        ui(kb, lang, "cadence_chart_x"),
        ui(kb, lang, "cadence_chart_y"),
    )
    caption = ui(
        kb, lang, "cadence_chart_caption", low=cadence.TARGET_LOW, high=cadence.TARGET_HIGH
    )
    return await context.bot.send_photo(chat_id, png, caption=caption, parse_mode=ParseMode.HTML)


def trend_text(context: HipContext, athlete: Athlete, runs: list[CadenceRun]) -> str:
    """The latest runs with dates and averages, and how the cadence changed."""
    kb, lang = context.kb, athlete.language
    lines = [ui(kb, lang, "cadence_trend_title")]
    for run in runs:
        lines.append(
            ui(
                kb,
                lang,
                "cadence_trend_line",
                date=_date(athlete, run.started_at),
                cadence=shown_spm(run.avg_cadence_spm),
                share=_percent(run.share_in_target),
                low=cadence.TARGET_LOW,
                high=cadence.TARGET_HIGH,
            )
        )
    if len(runs) >= 2:
        change = shown_spm(runs[-1].avg_cadence_spm) - shown_spm(runs[-2].avg_cadence_spm)
        if change == 0:
            lines.append("\n" + ui(kb, lang, "cadence_trend_same"))
        else:
            key = "cadence_trend_up" if change > 0 else "cadence_trend_down"
            lines.append("\n" + i18n.plural(kb, lang, key, abs(change)))
    if len(runs) >= 3:
        lines.append(
            i18n.plural(
                kb,
                lang,
                "cadence_trend_overall",
                len(runs),
                first=shown_spm(runs[0].avg_cadence_spm),
                last=shown_spm(runs[-1].avg_cadence_spm),
            )
        )
    return "\n".join(lines)


@athlete_only
async def cadence_command(update: Update, context: HipContext) -> None:
    """Show the cadence of the latest runs and the change, or how to send one."""
    runs = await cadence.recent_runs(await context.db(), context.athlete.id)
    if not runs:
        context.say("cadence_none")
        return
    context.reply(trend_text(context, context.athlete, runs))


__all__ = ["cadence_command", "receive_file"]
