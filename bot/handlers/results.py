"""An athlete's self-test history (/results), a page at a time, newest first.

Every result the athlete has is on one of the pages (`coaching.paging`); Prev/Next
(`rp:<page>`) edit the same message. Each result is judged from its answers by
`coaching.scoring.assess`, as the self-test summary judges it: results saved
before "not tested" existed hold findings where a skip counted as fine, so their
stored findings are not read. A finding the answers could not judge says "not
tested", and a test with nothing judged says "not enough answers".

The trend heads each page: the newest test with enough answers compared, per
finding, with the latest earlier test that judged it (`coaching.scoring.compare`,
what that test's summary said); an all-skipped test is never compared against.
From two tests with enough answers the first /results also brings the chart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from telegram import Update

from bot import charts
from bot.context import HipContext, athlete_only, on_button
from bot.pager import with_nav
from bot.render import Button, keyboard
from coaching import selftest
from coaching.callbacks import ResultsPage
from coaching.models import SelftestResult
from coaching.paging import paged
from coaching.scoring import UNTESTED, Assessment, assess, compare
from knowledge.i18n import format_local_date
from knowledge.render import TREND_KEYS
from knowledge.schema import FAULT_IDS, LEVELS, text_for
from scheduler.recurrence import zone

RESULTS_PAGE = 10
"""Results per page: a line each, with every finding's level."""


def _date(context: HipContext, result: SelftestResult) -> str:
    """The day of a test in the athlete's zone and language."""
    return format_local_date(result.created_at, zone(context.athlete.timezone), context.lang)


def _level_name(context: HipContext, level: str) -> str:
    """fine / mild / marked, or "not tested" for what the answers could not judge."""
    return context.t(f"level_{level}" if level in LEVELS else f"level_{UNTESTED}")


def _line(context: HipContext, result: SelftestResult, found: Assessment) -> str:
    """One result: the level of each finding, or "not enough answers"."""
    if not found.enough:
        return f"{_date(context, result)} — {context.t('results_not_enough')}"
    kb, lang = context.kb, context.lang
    levels = ", ".join(
        f"{text_for(kb.faults[f].name, lang)}: {_level_name(context, found.levels[f])}"
        for f in FAULT_IDS
    )
    return f"{_date(context, result)} — {levels}"


def _trend(
    context: HipContext, results: Sequence[SelftestResult], judged: Sequence[Assessment]
) -> str | None:
    """What changed at the newest test with enough answers, as its summary said;
    None until there is an earlier test with enough answers to compare with."""
    latest = next((i for i in reversed(range(len(judged))) if judged[i].enough), None)
    if latest is None:
        return None
    comparison = compare(judged[:latest], judged[latest])
    if comparison.since is None:
        return None
    kb, lang = context.kb, context.lang
    lines = [f"<b>{context.t('trend_title')}</b>"]
    for fault in FAULT_IDS:
        if fault in comparison.changes:
            trend = context.t(TREND_KEYS[comparison.changes[fault]])
            date = _date(context, results[comparison.against[fault]])
            said = context.t("results_trend_since", trend=trend, date=date)
        elif judged[latest].levels[fault] == UNTESTED:
            said = context.t(f"level_{UNTESTED}")
        else:
            said = context.t("results_trend_first")
        lines.append(f"• {text_for(kb.faults[fault].name, lang)}: {said}")
    return "\n".join(lines)


def results_page(
    context: HipContext, results: list[SelftestResult], number: int
) -> tuple[str, list[list[Button]]]:
    """One page of the history (newest first) and its Prev/Next."""
    judged = [assess(context.kb, result.answers) for result in results]
    page = paged(list(zip(results, judged, strict=True))[::-1], number, RESULTS_PAGE)
    head = f"<b>{context.t('results_title')}</b>"
    if page.count > 1:
        head += " · " + context.t("list_page", page=page.number + 1, pages=page.count)
    lines = [head]
    lines.extend(_line(context, result, found) for result, found in page.items)
    trend = _trend(context, results, judged)
    if trend is not None:
        lines.append("\n" + trend)
    return "\n".join(lines), with_nav([], context, page, lambda n: ResultsPage(n).encode())


def _send_chart(context: HipContext, results: Sequence[SelftestResult]) -> None:
    """The findings over time, after the commit; only from two tests with enough answers."""
    judged = [(r.created_at, assess(context.kb, r.answers)) for r in results]
    if sum(1 for _, found in judged if found.enough) < 2:
        return
    kb, lang = context.kb, context.lang
    names: dict[str, str] = {f: text_for(kb.faults[f].name, lang) for f in FAULT_IDS}
    levels = [context.t(f"level_{level}") for level in LEVELS]
    title, caption = context.t("results_title"), context.t("results_chart_caption")
    dates = [when for when, _ in judged]
    findings = [found.levels for _, found in judged]

    async def send_chart() -> object:
        png = await asyncio.to_thread(charts.findings_chart, dates, findings, names, levels, title)
        return await context.bot.send_photo(
            context.chat_id, png, caption=caption, parse_mode="HTML"
        )

    context.after_commit(send_chart)  # drawn after the commit: the transaction is not held


@athlete_only
async def results_command(update: Update, context: HipContext) -> None:
    """The history of results with the trend per fault, and a chart from two results on."""
    results = await selftest.results(await context.db(), context.athlete.id)
    if not results:
        context.say("results_none")
        return
    text, rows = results_page(context, results, 0)
    context.reply(text, keyboard(rows) if rows else None)
    _send_chart(context, results)


@on_button(ResultsPage)
@athlete_only
async def page_button(update: Update, context: HipContext, button: ResultsPage) -> None:
    """Another page of the history, in the same message."""
    results = await selftest.results(await context.db(), context.athlete.id)
    if not results:
        context.edit(context.t("results_none"))
        return
    text, rows = results_page(context, results, button.page)
    context.edit(text, keyboard(rows) if rows else None)


__all__ = ["page_button", "results_command", "results_page"]
