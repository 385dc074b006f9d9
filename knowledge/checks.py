"""Whole-content checks that pydantic cannot do item by item.

References between items, globally unique ids, languages and placeholders,
Telegram HTML and length limits, vocabularies, and that the coach's method is
fully covered. Fidelity too: every item either cites a part of the method or
says it is general guidance, anything that loads a joint says to skip it if it
hurts, retired wording stays retired, and every served language is complete
(an athlete who reads Finnish must never meet an English step mid-card).
Every check appends to the same error list, with the line of the offending field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from babel import Locale, UnknownLocaleError

from knowledge.errors import ContentError
from knowledge.located import Collected, Located
from knowledge.render import CARD_LIMIT, RENDER_UI_KEYS, render_card, render_item
from knowledge.schema import (
    FALLBACK_LANGUAGE,
    FAULT_IDS,
    ContentItem,
    Exercise,
    Fault,
    FaultId,
    KnowledgeBase,
    Localized,
    Meta,
    PainTriage,
    Routine,
    Rule,
    SelfTest,
    SelfTestStep,
    StrengthSession,
    TextKind,
    Tip,
    VideoGuidance,
)
from knowledge.telegram_text import (
    BUTTON_LIMIT,
    MESSAGE_LIMIT,
    html_problems,
    placeholders,
    telegram_length,
)

REQUIRED_UI_KEYS: tuple[str, ...] = (
    "welcome",
    "consent_question",
    "consent_yes",
    "consent_no",
    "consent_declined",
    "consent_given",
    "ask_timezone",
    "tz_other_hint",
    "bad_timezone",
    "ask_run_days",
    "run_days_done",
    "ask_run_time",
    "bad_time",
    "ask_triathlete",
    "yes",
    "no",
    "onboarding_done",
    "review_profile",
    "use_buttons",
    "unknown_command",
    "stray_text",
    "help",
    "stale_button",
    "nothing_to_cancel",
    "cancelled",
    *(f"weekday_{d}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
    "back",
    "skip",
    "cancel",
    "done",
    "selftest_intro",
    "selftest_resume_or_restart",
    "resume",
    "restart",
    "selftest_done",
    "results_none",
    "plan_none",
    *RENDER_UI_KEYS,
)
"""UI keys the bot relies on. Adding a key to ui.yaml needs no change here."""

PRERUN_ROUTINE_ID = "prerun_activation"
ANY_FILE = "(content)"


def check_text(
    where: Located[Any],
    path: tuple[str | int, ...],
    text: Localized,
    kind: TextKind,
    required: Iterable[str],
    languages: Iterable[str],
) -> Iterator[ContentError]:
    """Languages, HTML, placeholders and per-text limits of one localized text."""
    known = set(languages)
    for lang in required:
        if lang not in text:
            yield where.error(
                (*path, lang), f"missing {lang} translation (required in {where.section})"
            )
    english_fields: set[str] | None = None
    try:
        english_fields = placeholders(text.get(FALLBACK_LANGUAGE, ""))
    except ValueError:
        pass
    for lang, value in text.items():
        at = (*path, lang)
        if lang not in known:
            yield where.error(at, f"unknown language {lang!r} (meta.languages: {sorted(known)})")
        if not value.strip():
            yield where.error(at, "text is empty")
        for problem in html_problems(value):
            yield where.error(at, f"broken HTML: {problem}")
        try:
            fields = placeholders(value)
        except ValueError as exc:
            yield where.error(at, f"bad placeholder braces ({exc}); write {{{{ for a literal {{")
        else:
            if english_fields is not None and lang != FALLBACK_LANGUAGE:
                if fields != english_fields:
                    yield where.error(
                        at,
                        f"placeholders {sorted(fields)} do not match English "
                        f"{sorted(english_fields)}",
                    )
        if kind == "button":
            if "<" in value or "&" in value:
                yield where.error(at, "button labels are plain text: no HTML tags or entities")
            if len(value) > BUTTON_LIMIT:
                yield where.error(
                    at, f"button label is {len(value)} characters; the limit is {BUTTON_LIMIT}"
                )
        elif telegram_length(value) > MESSAGE_LIMIT:
            yield where.error(
                at,
                f"text is {telegram_length(value)} characters; "
                f"Telegram's message limit is {MESSAGE_LIMIT}",
            )


def _all_located(out: Collected) -> list[Located[ContentItem]]:
    located: list[Located[ContentItem]] = [x for items in out.items.values() for x in items]
    located.extend(cast(list[Located[ContentItem]], out.steps))
    return located


def _check_ids(located: list[Located[ContentItem]]) -> Iterator[ContentError]:
    seen: dict[str, Located[ContentItem]] = {}
    for loc in located:
        first = seen.get(loc.value.id)
        if first is not None:
            line = getattr(first.node, "line", 0)
            yield loc.error(
                ("id",), f"duplicate id {loc.value.id!r} (first in {first.file}:{line})"
            )
        else:
            seen[loc.value.id] = loc


def _check_references(out: Collected, ids: dict[str, set[str]]) -> Iterator[ContentError]:
    def missing(kind: str, ref: str) -> str:
        return f"unknown {kind} {ref!r}"

    for section in ("routines", "strength_sessions"):
        for loc in out.items.get(section, []):
            routine = cast(Routine, loc.value)
            for i, entry in enumerate(routine.items):
                if entry.exercise not in ids["exercises"] | out.invalid_ids:
                    yield loc.error(("items", i, "exercise"), missing("exercise", entry.exercise))
    for loc in out.items.get("rules", []):
        rule = cast(Rule, loc.value)
        for kind in ("exercises", "routines", "strength_sessions"):
            for i, ref in enumerate(getattr(rule.recommend, kind)):
                if ref not in ids[kind] | out.invalid_ids:
                    yield loc.error(("recommend", kind, i), missing(kind.rstrip("s"), ref))


def _check_vocabulary(out: Collected, meta: Meta) -> Iterator[ContentError]:
    topics, audiences, method = set(meta.topics), set(meta.audiences), set(meta.method_tags)
    for loc in _all_located(out):
        item = loc.value
        for i, tag in enumerate(item.method):
            if tag not in method:
                yield loc.error(("method", i), f"unknown method tag {tag!r} (see meta.method_tags)")
        if isinstance(item, Tip):
            for i, tag in enumerate(item.topics):
                if tag not in topics:
                    yield loc.error(("topics", i), f"unknown topic {tag!r} (see meta.topics)")
            for i, tag in enumerate(item.audiences):
                if tag not in audiences:
                    yield loc.error(("audiences", i), f"unknown audience {tag!r}")
        if isinstance(item, Rule) and item.when.audience is not None:
            if item.when.audience not in audiences:
                yield loc.error(("when", "audience"), f"unknown audience {item.when.audience!r}")


def _check_coverage(out: Collected, meta_loc: Located[Meta]) -> Iterator[ContentError]:
    used = {tag for loc in _all_located(out) for tag in loc.value.method}
    for i, tag in enumerate(meta_loc.value.method_tags):
        if tag not in used:
            yield meta_loc.error(
                ("method_tags", i), f"method item {tag!r} is not covered by any content item"
            )


def _check_texts(out: Collected, meta: Meta) -> Iterator[ContentError]:
    known = meta.known_languages()
    for loc in _all_located(out):
        required = meta.required_for(loc.section)
        for path, text, kind in loc.value.localized():
            yield from check_text(loc, path, text, kind, required, known)
    buttons = set(meta.ui_buttons)
    for key, ui_loc in out.ui.items():
        ui_kind: TextKind = "button" if key in buttons else "text"
        yield from check_text(ui_loc, (), ui_loc.value, ui_kind, meta.required_for("ui"), known)


def _check_marks(out: Collected) -> Iterator[ContentError]:
    """Every item cites a part of the method, or says it is general guidance."""
    for loc in _all_located(out):
        item = loc.value
        if isinstance(item, PainTriage) and not item.general_guidance:
            yield loc.error(
                ("general_guidance",), "the pain triage is general guidance: mark it so"
            )
        elif isinstance(item, VideoGuidance) and not item.general_guidance:
            yield loc.error(
                ("general_guidance",),
                "the video thresholds are general guidance, not validated cut-offs: mark them so",
            )
        elif not item.method and not item.general_guidance:
            yield loc.error(
                ("method",),
                "cites no part of the coach's method: add a method tag, "
                "or mark it general_guidance: true",
            )


def _check_safety(out: Collected) -> Iterator[ContentError]:
    """Whatever loads a joint tells the athlete to skip it if it hurts."""
    for loc in _all_located(out):
        item = loc.value
        if isinstance(item, Exercise | SelfTestStep) and item.loads_joint and item.safety is None:
            yield loc.error(
                ("safety",), "loads a joint but has no 'skip it if it hurts' line (safety)"
            )


def _check_retired(out: Collected, meta: Meta) -> Iterator[ContentError]:
    """Wording the coach replaced (e.g. an old cue) may not come back anywhere."""
    if not meta.retired_phrases:
        return
    texts: list[tuple[Located[Any], tuple[str | int, ...], Localized]] = [
        (loc, path, text) for loc in _all_located(out) for path, text, _ in loc.value.localized()
    ]
    texts += [(ui_loc, (), ui_loc.value) for ui_loc in out.ui.values()]
    for where, path, text in texts:
        for lang, value in text.items():
            lowered = value.lower()
            for retired in meta.retired_phrases:
                if retired.phrase.lower() in lowered:
                    yield where.error(
                        (*path, lang), f"retired wording {retired.phrase!r}: {retired.use}"
                    )


def _plural_categories(lang: str) -> set[str]:
    try:
        return set(Locale.parse(lang).plural_form.tags) | {"other"}
    except (UnknownLocaleError, ValueError):
        return {"one", "other"}


def _check_plurals(out: Collected, meta: Meta) -> Iterator[ContentError]:
    """A plural UI text has every CLDR category each served language needs ("1 athlete"):
    `<base>_one`, `<base>_other`, and `_few`, `_many`... where a language counts so."""
    assert out.meta is not None
    for i, base in enumerate(meta.plurals):
        for lang in meta.languages:
            for category in sorted(_plural_categories(lang)):
                form = out.ui.get(f"{base}_{category}")
                if form is None or lang not in form.value:
                    yield out.meta.error(
                        ("plurals", i), f"plural {base!r} has no {category!r} form in {lang}"
                    )


def _check_tips(out: Collected, meta: Meta) -> Iterator[ContentError]:
    """Tips name real self-test answers, and the first tip reaches everyone."""
    steps = {loc.value.id: loc.value for loc in out.steps}
    tips = {cast(Tip, loc.value).id: loc for loc in out.items.get("tips", [])}
    for loc in tips.values():
        tip = cast(Tip, loc.value)
        for step_id, options in tip.when_answers.items():
            step = steps.get(step_id)
            if step is None:
                yield loc.error(("when_answers", step_id), f"unknown self-test step {step_id!r}")
                continue
            known = {o.id for o in step.options}
            for i, option in enumerate(options):
                if option not in known:
                    yield loc.error(
                        ("when_answers", step_id, i), f"step {step_id!r} has no option {option!r}"
                    )
    first = meta.first_tip
    if first is not None and out.meta is not None:
        found = tips.get(first)
        if found is None and first not in out.invalid_ids:
            yield out.meta.error(("first_tip",), f"unknown tip {first!r}")
        elif found is not None:
            tip = cast(Tip, found.value)
            if "all" not in tip.audiences or tip.faults or tip.when_answers:
                yield out.meta.error(("first_tip",), f"tip {first!r} must reach every athlete")


def _check_selftest(out: Collected, faults: dict[FaultId, Fault]) -> Iterator[ContentError]:
    if out.selftest_seen is None:
        yield ContentError(ANY_FILE, 0, "selftest", "no selftest section found")
        return
    if not out.steps or "selftest" in out.invalid_sections or "faults" in out.invalid_sections:
        return  # scores cannot be judged on a partial self-test
    test = SelfTest(steps=[s.value for s in out.steps])
    for fault_id, fault in faults.items():
        low, high = test.score_range(fault_id)
        loc = next(x for x in out.items["faults"] if x.value.id == fault_id)
        if high < fault.marked_at:
            yield loc.error(
                ("marked_at",),
                f"unreachable: the self-test can give at most {high} points for {fault_id}",
            )
        if low >= fault.mild_at:
            yield loc.error(
                ("mild_at",), f"all-good answers already score {low}, so nobody can be 'none'"
            )


def check_all(out: Collected, version: str) -> KnowledgeBase | None:
    """Run every cross-item check; return the knowledge base if nothing is wrong."""
    errors = out.errors
    if out.meta is None:
        if out.meta_seen or out.unreadable_files:  # the cause is already reported
            return None
        errors.append(ContentError(ANY_FILE, 0, "meta", "no meta section found"))
        return None
    meta = out.meta.value
    located = _all_located(out)
    errors.extend(_check_ids(located))
    errors.extend(_check_vocabulary(out, meta))
    errors.extend(_check_texts(out, meta))
    errors.extend(_check_marks(out))
    errors.extend(_check_safety(out))
    errors.extend(_check_retired(out, meta))
    errors.extend(_check_plurals(out, meta))
    if out.unreadable_files:
        return None  # references and completeness cannot be judged with files missing
    ids = {
        section: {x.value.id for x in out.items.get(section, [])}
        for section in ("exercises", "routines", "strength_sessions")
    }
    errors.extend(_check_references(out, ids))
    errors.extend(_check_coverage(out, out.meta))
    if PRERUN_ROUTINE_ID not in ids["routines"] | out.invalid_ids:
        errors.append(ContentError(ANY_FILE, 0, "routines", f"no {PRERUN_ROUTINE_ID!r} routine"))
    faults = {cast(Fault, x.value).id: cast(Fault, x.value) for x in out.items.get("faults", [])}
    for fault_id in FAULT_IDS:
        if fault_id not in faults and fault_id not in out.invalid_ids:
            errors.append(ContentError(ANY_FILE, 0, "faults", f"fault {fault_id!r} is not defined"))
    errors.extend(_check_selftest(out, faults))
    errors.extend(_check_tips(out, meta))
    pains = out.items.get("pain", [])
    if not pains and "pain" not in out.invalid_sections:
        errors.append(ContentError(ANY_FILE, 0, "pain", "no pain triage (section 'pain') found"))
    if not out.items.get("video") and "video" not in out.invalid_sections:
        errors.append(
            ContentError(ANY_FILE, 0, "video", "no video thresholds (section 'video') found")
        )
    for key in REQUIRED_UI_KEYS:
        if key not in out.ui:
            errors.append(ContentError(ANY_FILE, 0, f"ui.{key}", "required UI text is missing"))
    if errors:
        return None

    def values(section: str) -> list[Any]:
        return [x.value for x in out.items.get(section, [])]

    return KnowledgeBase(
        version=version,
        languages=list(meta.languages),
        meta=meta,
        tips=cast(list[Tip], values("tips")),
        exercises={e.id: e for e in cast(list[Exercise], values("exercises"))},
        routines={r.id: r for r in cast(list[Routine], values("routines"))},
        strength_sessions={
            s.id: s for s in cast(list[StrengthSession], values("strength_sessions"))
        },
        faults=faults,
        selftest=SelfTest(steps=[s.value for s in out.steps]),
        rules=cast(list[Rule], values("rules")),
        pain=cast(PainTriage, pains[0].value),
        video=cast(VideoGuidance, out.items["video"][0].value),
        ui={key: loc.value for key, loc in out.ui.items()},
    )


def check_rendered(kb: KnowledgeBase, out: Collected) -> Iterator[ContentError]:
    """Every item, rendered in every language, must fit in one Telegram message,
    and every exercise, routine and session card on one phone screen."""
    for loc in _all_located(out):
        item = loc.value
        for lang in kb.languages:
            length = telegram_length(render_item(kb, item.id, lang))
            if length > MESSAGE_LIMIT:
                yield loc.error(
                    (),
                    f"rendered message in {lang} is {length} characters; "
                    f"Telegram's limit is {MESSAGE_LIMIT}",
                )
            if isinstance(item, Exercise | Routine):
                card = telegram_length(render_card(kb, item.id, lang))
                if card > CARD_LIMIT:
                    yield loc.error(
                        (),
                        f"card in {lang} is {card} characters; a card fits one screen "
                        f"({CARD_LIMIT}): shorten the steps or mistakes",
                    )
