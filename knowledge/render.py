"""Knowledge-base items as the Telegram HTML the bot sends.

The single place where content turns into messages: the bot, `hipcoach kb
show` and the loader's length check all call these functions, so what the
coach previews is exactly what athletes receive. Content texts are already
validated Telegram HTML and are inserted as they are.
"""

from __future__ import annotations

from knowledge.schema import (
    LEVELS,
    ContentItem,
    Exercise,
    Fault,
    KnowledgeBase,
    Level,
    Routine,
    Rule,
    SelfTestStep,
    Tip,
    text_for,
)

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
)
"""UI keys the renderer needs; the loader insists they exist."""


def _guidance_note(kb: KnowledgeBase, item: ContentItem, lang: str) -> str:
    if not item.general_guidance:
        return ""
    return "\n\n" + kb.ui_text("kb_general_guidance", lang)


def render_tip(kb: KnowledgeBase, tip: Tip, lang: str = "en") -> str:
    """A weekly tip: its text, plus the general-guidance note if it is one."""
    return text_for(tip.text, lang) + _guidance_note(kb, tip, lang)


def render_exercise(kb: KnowledgeBase, exercise: Exercise, lang: str = "en") -> str:
    """Name in bold, purpose, numbered steps, dose and common mistakes."""
    parts = [f"<b>{text_for(exercise.name, lang)}</b>", text_for(exercise.purpose, lang)]
    steps = "\n".join(f"{n}. {text_for(s, lang)}" for n, s in enumerate(exercise.steps, 1))
    parts.append(f"<b>{kb.ui_text('kb_how_to', lang)}</b>\n{steps}")
    parts.append(f"<b>{kb.ui_text('kb_dose', lang)}</b> {text_for(exercise.dose, lang)}")
    if exercise.mistakes:
        mistakes = "\n".join(f"• {text_for(m, lang)}" for m in exercise.mistakes)
        parts.append(f"<b>{kb.ui_text('kb_mistakes', lang)}</b>\n{mistakes}")
    return "\n\n".join(parts) + _guidance_note(kb, exercise, lang)


def render_routine(kb: KnowledgeBase, routine: Routine, lang: str = "en") -> str:
    """A routine or strength session: name, intro, and each exercise with its dose."""
    lines = []
    for n, entry in enumerate(routine.items, 1):
        exercise = kb.exercises[entry.exercise]
        dose = entry.dose if entry.dose is not None else exercise.dose
        lines.append(f"{n}. <b>{text_for(exercise.name, lang)}</b> — {text_for(dose, lang)}")
    head = f"<b>{text_for(routine.name, lang)}</b>\n{text_for(routine.intro, lang)}"
    return head + "\n\n" + "\n".join(lines) + _guidance_note(kb, routine, lang)


def render_step_message(kb: KnowledgeBase, step: SelfTestStep, lang: str = "en") -> str:
    """A self-test step as sent with its answer buttons: title, instructions, question."""
    return (
        f"<b>{text_for(step.title, lang)}</b>\n\n"
        f"{text_for(step.instructions, lang)}\n\n"
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
    raise KeyError(item_id)  # pragma: no cover - every item kind is handled above
