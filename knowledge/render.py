"""Knowledge-base items as the Telegram HTML the bot sends.

The single place where content turns into messages: the bot, `hipcoach kb
show` and the loader's length checks all call these functions, so what the
coach previews is exactly what athletes receive. Content texts are already
validated Telegram HTML and are inserted as they are; every label comes from
`ui.yaml`, so no wording lives in code.

Cards (`render_card`) are what an athlete opens from /plan, the warm-up
reminder or the check-in: an exercise with purpose, what to feel, numbered
steps, dose, mistakes, levels and when to skip it; a routine or session with
its exercises and doses. `kb check` keeps each card within `CARD_LIMIT`, about
one phone screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from knowledge.i18n import number
from knowledge.schema import (
    LEVELS,
    PROGRESSION_LEVELS,
    ContentItem,
    Exercise,
    Fault,
    KnowledgeBase,
    Level,
    Localized,
    PainTriage,
    ProgressionLevel,
    Routine,
    Rule,
    SelfTestStep,
    Tip,
    VideoGuidance,
    text_for,
)

CARD_LIMIT = 1500
"""UTF-16 units a card may take: about one phone screen (Telegram allows 4096)."""

UNTESTED = "untested"
"""A finding the self-test could not judge (skipped, or "not sure")."""

RENDER_UI_KEYS = (
    "kb_how_to",
    "kb_dose",
    "kb_mistakes",
    "kb_general_guidance",
    "kb_answers",
    "kb_recommended",
    "level_none",
    "level_mild",
    "level_marked",
    "card_feel",
    "card_levels",
    "card_level_bodyweight",
    "card_level_dumbbell",
    "card_level_barbell",
    "card_load_rule",
    "card_home",
    "card_doses_note",
    "level_untested",
    "summary_not_enough",
    "summary_do_tests",
    "summary_not_diagnosis",
    "summary_since",
    "trend_better",
    "trend_same",
    "trend_worse",
    "plan_title",
    "plan_priorities",
    "plan_more",
    "kb_video_thresholds",
    "kb_sources",
)
"""UI keys the renderer needs; the loader insists they exist."""

CURRENT_LEVEL_MARK = "▶"


def _guidance_note(kb: KnowledgeBase, item: ContentItem, lang: str) -> str:
    if not item.general_guidance:
        return ""
    return "\n\n" + kb.ui_text("kb_general_guidance", lang)


def render_tip(kb: KnowledgeBase, tip: Tip, lang: str = "en") -> str:
    """A weekly tip: its text, plus the general-guidance note if it is one."""
    return text_for(tip.text, lang) + _guidance_note(kb, tip, lang)


def _levels(
    kb: KnowledgeBase, exercise: Exercise, lang: str, current: ProgressionLevel | None
) -> str:
    assert exercise.levels is not None
    lines = []
    for level in PROGRESSION_LEVELS:
        mark = CURRENT_LEVEL_MARK if level == current else "•"
        label = kb.ui_text(f"card_level_{level}", lang)
        lines.append(f"{mark} <i>{label}:</i> {text_for(exercise.levels[level], lang)}")
    return f"<b>{kb.ui_text('card_levels', lang)}</b>\n" + "\n".join(lines)


def render_exercise(
    kb: KnowledgeBase,
    exercise: Exercise,
    lang: str = "en",
    level: ProgressionLevel | None = None,
) -> str:
    """An exercise card: purpose, what to feel, numbered steps, dose, mistakes,
    levels (the athlete's own marked with ▶), home variant and the safety line."""
    parts = [f"<b>{text_for(exercise.name, lang)}</b>\n{text_for(exercise.purpose, lang)}"]
    parts.append(f"<b>{kb.ui_text('card_feel', lang)}</b> {text_for(exercise.feel, lang)}")
    steps = "\n".join(f"{n}. {text_for(s, lang)}" for n, s in enumerate(exercise.steps, 1))
    parts.append(f"<b>{kb.ui_text('kb_how_to', lang)}</b>\n{steps}")
    parts.append(f"<b>{kb.ui_text('kb_dose', lang)}</b> {text_for(exercise.dose, lang)}")
    if exercise.mistakes:
        mistakes = "\n".join(f"• {text_for(m, lang)}" for m in exercise.mistakes)
        parts.append(f"<b>{kb.ui_text('kb_mistakes', lang)}</b>\n{mistakes}")
    if exercise.levels is not None:
        block = _levels(kb, exercise, lang, level)
        if exercise.load_rule is not None:
            rule = text_for(exercise.load_rule, lang)
            block += f"\n<b>{kb.ui_text('card_load_rule', lang)}</b> {rule}"
        if exercise.home is not None:
            block += f"\n<b>{kb.ui_text('card_home', lang)}</b> {text_for(exercise.home, lang)}"
        parts.append(block)
    if exercise.safety is not None:
        parts.append(f"⚠️ {text_for(exercise.safety, lang)}")
    return "\n\n".join(parts) + _guidance_note(kb, exercise, lang)


def routine_dose(kb: KnowledgeBase, routine: Routine, index: int) -> Localized:
    """The dose of the `index`th exercise of a routine: its own, or the exercise's."""
    entry = routine.items[index]
    return entry.dose if entry.dose is not None else kb.exercises[entry.exercise].dose


def render_routine(kb: KnowledgeBase, routine: Routine, lang: str = "en") -> str:
    """A routine or strength session card: name, intro, each exercise with its dose."""
    lines = []
    for n, entry in enumerate(routine.items, 1):
        exercise = kb.exercises[entry.exercise]
        dose = text_for(routine_dose(kb, routine, n - 1), lang)
        lines.append(f"{n}. <b>{text_for(exercise.name, lang)}</b> — {dose}")
    head = f"<b>{text_for(routine.name, lang)}</b>\n{text_for(routine.intro, lang)}"
    note = f"<i>{kb.ui_text('card_doses_note', lang)}</i>"
    return head + "\n\n" + "\n".join(lines) + "\n\n" + note + _guidance_note(kb, routine, lang)


def render_card(
    kb: KnowledgeBase, item_id: str, lang: str = "en", level: ProgressionLevel | None = None
) -> str:
    """The card of an exercise, routine or strength session; KeyError for anything else."""
    if item_id in kb.exercises:
        return render_exercise(kb, kb.exercises[item_id], lang, level)
    routine = kb.routines.get(item_id) or kb.strength_sessions.get(item_id)
    if routine is None:
        raise KeyError(item_id)
    return render_routine(kb, routine, lang)


def render_step_message(kb: KnowledgeBase, step: SelfTestStep, lang: str = "en") -> str:
    """A self-test step as sent with its answer buttons: title, instructions, safety, question."""
    safety = f"⚠️ {text_for(step.safety, lang)}\n\n" if step.safety is not None else ""
    return (
        f"<b>{text_for(step.title, lang)}</b>\n\n"
        f"{text_for(step.instructions, lang)}\n\n"
        f"{safety}"
        f"<b>{text_for(step.question, lang)}</b>"
    )


def option_labels(step: SelfTestStep, lang: str = "en") -> list[str]:
    """The answer button labels of a step, in order (plain text)."""
    return [text_for(o.label, lang) for o in step.options]


def render_step(kb: KnowledgeBase, step: SelfTestStep, lang: str = "en") -> str:
    """A self-test step with its answers listed, for previews (`kb show`)."""
    answers = "\n".join(f"• {label}" for label in option_labels(step, lang))
    head = render_step_message(kb, step, lang)
    return f"{head}\n\n<i>{kb.ui_text('kb_answers', lang)}</i>\n{answers}"


def render_finding(kb: KnowledgeBase, fault: Fault, level: Level, lang: str = "en") -> str:
    """One self-test finding: the fault's name and the coach's words for that level."""
    label = kb.ui_text(f"level_{level}", lang)
    name = text_for(fault.name, lang)
    return f"<b>{name}</b> ({label})\n{text_for(fault.explanation[level], lang)}"


def render_fault(kb: KnowledgeBase, fault: Fault, lang: str = "en") -> str:
    """A fault with its explanation at every level, for previews."""
    return "\n\n".join(render_finding(kb, fault, level, lang) for level in LEVELS)


TREND_KEYS = {-1: "trend_better", 0: "trend_same", 1: "trend_worse"}


def _tests_to_do(kb: KnowledgeBase, step_ids: Sequence[str], lang: str) -> str:
    titles = [text_for(kb.selftest.step(s).title, lang) for s in step_ids]
    return ", ".join(dict.fromkeys(titles))


def render_summary(
    kb: KnowledgeBase,
    levels: Mapping[str, str],
    missing: Mapping[str, Sequence[str]],
    changes: Mapping[str, int],
    since: Mapping[str, str],
    lang: str = "en",
    notes: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The self-test summary: each finding, "not tested" with the tests to do where the
    answers could not tell, and per finding what changed since when.

    `levels` maps a fault to none/mild/marked or "untested"; `missing` a fault to
    the steps left unanswered for it; `changes` a fault to -1 better, 0 same, +1
    worse (only findings tested both times), and `since` the same faults to the
    formatted date of the test each was compared with. `notes` are lines shown
    under a finding, rendered already (what a video measured, and when). When
    nothing was tested the summary says so and lists the tests, instead of
    calling anyone fine.
    """
    notes = notes or {}
    untested = [f for f in kb.faults if levels.get(f, UNTESTED) == UNTESTED]
    parts: list[str] = []
    if len(untested) == len(kb.faults):
        every = [s for f in kb.faults for s in missing.get(f, [])]
        parts.append(kb.ui_text("summary_not_enough", lang))
        parts.append(kb.ui_text("summary_do_tests", lang, tests=_tests_to_do(kb, every, lang)))
        return "\n\n".join(parts)
    for fault_id, fault in kb.faults.items():
        level = levels.get(fault_id, UNTESTED)
        if level == UNTESTED or level not in LEVELS:
            name = text_for(fault.name, lang)
            tests = _tests_to_do(kb, missing.get(fault_id, []), lang)
            todo = kb.ui_text("summary_do_tests", lang, tests=tests)
            text = f"<b>{name}</b> ({kb.ui_text('level_untested', lang)})\n{todo}"
            parts.append(text + "".join(f"\n<i>{note}</i>" for note in notes.get(fault_id, ())))
            continue
        text = render_finding(kb, fault, level, lang)
        if fault_id in changes and fault_id in since:
            trend = kb.ui_text(TREND_KEYS[changes[fault_id]], lang)
            date = since[fault_id]
            text += "\n<i>" + kb.ui_text("summary_since", lang, date=date, trend=trend) + "</i>"
        parts.append(text + "".join(f"\n<i>{note}</i>" for note in notes.get(fault_id, ())))
    parts.append(f"<i>{kb.ui_text('summary_not_diagnosis', lang)}</i>")
    return "\n\n".join(parts)


def render_plan(
    kb: KnowledgeBase, priorities: Sequence[Localized], lang: str = "en", note: str = ""
) -> str:
    """/plan: the title, at most three priorities, `note` (what video measured, or that
    it can), and a pointer to the cards below."""
    parts = [f"<b>{kb.ui_text('plan_title', lang)}</b>"]
    if priorities:
        listed = "\n\n".join(f"{n}. {text_for(p, lang)}" for n, p in enumerate(priorities, 1))
        parts.append(f"<i>{kb.ui_text('plan_priorities', lang)}</i>\n{listed}")
    if note:
        parts.append(note)
    parts.append(kb.ui_text("plan_more", lang))
    return "\n\n".join(parts)


def render_rule(kb: KnowledgeBase, rule: Rule, lang: str = "en") -> str:
    """A recommendation: the advice, then the recommended items by name."""
    rec = rule.recommend
    parts = []
    if rec.advice is not None:
        parts.append(text_for(rec.advice, lang))
    names = [text_for(kb.strength_sessions[i].name, lang) for i in rec.strength_sessions]
    names += [text_for(kb.routines[i].name, lang) for i in rec.routines]
    names += [text_for(kb.exercises[i].name, lang) for i in rec.exercises]
    if names:
        listed = "\n".join(f"• {name}" for name in names)
        parts.append(f"<b>{kb.ui_text('kb_recommended', lang)}</b>\n{listed}")
    return "\n\n".join(parts) + _guidance_note(kb, rule, lang)


def render_pain(kb: KnowledgeBase, triage: PainTriage, lang: str = "en") -> str:
    """The triage for previews: intro, each question, and the three outcomes."""
    parts = [text_for(triage.intro, lang)]
    for question in triage.questions:
        options = " / ".join(text_for(o.label, lang) for o in question.options) or "0–10"
        parts.append(f"<b>{text_for(question.text, lang)}</b>\n{options}")
    parts.extend(text_for(text, lang) for text in triage.outcomes.values())
    return "\n\n".join(parts) + _guidance_note(kb, triage, lang)


def _percent(share: float, lang: str) -> str:
    """A share as a whole percentage, as the language writes numbers ("75")."""
    return number(share * 100, lang, 0)


def render_video(kb: KnowledgeBase, guidance: VideoGuidance, lang: str = "en") -> str:
    """The video thresholds for previews: each value, then where each comes from."""
    difference, levels = guidance.pelvic_difference, guidance.pelvic_levels
    running = guidance.running
    values = kb.ui_text(
        "kb_video_thresholds",
        lang,
        difference=number(difference.degrees, lang),
        share=_percent(difference.consistent_share, lang),
        mild=number(levels.mild_deg, lang),
        marked=number(levels.marked_deg, lang),
        strides=guidance.pelvic_strides.per_leg,
        min_steps=running.min_steps,
        min_spm=number(running.min_spm, lang),
        max_spm=number(running.max_spm, lang),
        height=_percent(guidance.runner_size.min_height_share, lang),
    )
    cited = "\n".join(
        f"• {name} ({threshold.source}): {guidance.sources[threshold.source]}"
        for name, threshold in guidance.thresholds().items()
    )
    sources = f"<b>{kb.ui_text('kb_sources', lang)}</b>\n{cited}"
    return values + "\n\n" + sources + _guidance_note(kb, guidance, lang)


def render_item(kb: KnowledgeBase, item_id: str, lang: str = "en") -> str:
    """Any item by id as Telegram HTML; KeyError if the id is unknown."""
    item = kb.item(item_id)
    if isinstance(item, Tip):
        return render_tip(kb, item, lang)
    if isinstance(item, Exercise):
        return render_exercise(kb, item, lang)
    if isinstance(item, Routine):  # includes StrengthSession
        return render_routine(kb, item, lang)
    if isinstance(item, SelfTestStep):
        return render_step(kb, item, lang)
    if isinstance(item, Fault):
        return render_fault(kb, item, lang)
    if isinstance(item, Rule):
        return render_rule(kb, item, lang)
    if isinstance(item, PainTriage):
        return render_pain(kb, item, lang)
    if isinstance(item, VideoGuidance):
        return render_video(kb, item, lang)
    raise KeyError(item_id)  # pragma: no cover - every item kind is handled above
