"""An athlete's self-test history (/results), a page at a time, newest first.

Every result the athlete has is on one of the pages (`coaching.paging`); Prev/Next
(`rp:<page>`) edit the same message. The trend since the previous test heads each
page, and from two results on the first /results also brings the chart.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import charts
from bot.context import HipContext, athlete_only, on_button
from bot.pager import with_nav
from bot.render import Button, keyboard
from coaching import selftest
from coaching.callbacks import ResultsPage
from coaching.models import SelftestResult
from coaching.paging import paged
from coaching.scoring import trend
from knowledge.schema import FAULT_IDS, LEVELS, Level, text_for

RESULTS_PAGE = 10
"""Results per page: a line each, with every finding's level."""


def _level(result: SelftestResult, fault: str) -> Level:
    """The stored level of one fault; "none" for anything a newer version would not know."""
    level = result.findings.get(fault, "none")
    return level if level in LEVELS else "none"


def _trend(context: HipContext, previous: SelftestResult, latest: SelftestResult) -> str:
    kb, lang = context.kb, context.lang
    lines = [f"<b>{context.t('trend_title')}</b>"]
    for fault in FAULT_IDS:
        direction = trend(_level(previous, fault), _level(latest, fault))
        key = {-1: "trend_better", 0: "trend_same", 1: "trend_worse"}[direction]
        lines.append(f"• {text_for(kb.faults[fault].name, lang)}: {context.t(key)}")
    return "\n".join(lines)


def results_page(
    context: HipContext, results: list[SelftestResult], number: int
) -> tuple[str, list[list[Button]]]:
    """One page of the history (newest first) and its Prev/Next."""
    kb, lang = context.kb, context.lang
    page = paged(results[::-1], number, RESULTS_PAGE)
    head = f"<b>{context.t('results_title')}</b>"
    if page.count > 1:
        head += " · " + context.t("list_page", page=page.number + 1, pages=page.count)
    lines = [head]
    for result in page.items:
        levels = ", ".join(
            f"{text_for(kb.faults[f].name, lang)}: {context.t(f'level_{_level(result, f)}')}"
            for f in FAULT_IDS
        )
        lines.append(f"{result.created_at:%Y-%m-%d} — {levels}")
    if len(results) >= 2:
        lines.append("\n" + _trend(context, results[-2], results[-1]))
    return "\n".join(lines), with_nav([], context, page, lambda n: ResultsPage(n).encode())


@athlete_only
async def results_command(update: Update, context: HipContext) -> None:
    """The history of results with the trend per fault, and a chart from two results on."""
    results = await selftest.results(await context.db(), context.athlete.id)
    if not results:
        context.say("results_none")
        return
    text, rows = results_page(context, results, 0)
    context.reply(text, keyboard(rows) if rows else None)
    if len(results) < 2:
        return
    kb, lang = context.kb, context.lang
    names: dict[str, str] = {f: text_for(kb.faults[f].name, lang) for f in FAULT_IDS}
    levels = [context.t(f"level_{level}") for level in LEVELS]
    title, caption = context.t("results_title"), context.t("results_chart_caption")
    dates = [r.created_at for r in results]
    findings = [r.findings for r in results]

    async def send_chart() -> object:
        png = await asyncio.to_thread(charts.findings_chart, dates, findings, names, levels, title)
        return await context.bot.send_photo(
            context.chat_id, png, caption=caption, parse_mode="HTML"
        )

    context.after_commit(send_chart)  # drawn after the commit: the transaction is not held


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
