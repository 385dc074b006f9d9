"""The shape of the coach's content, as pydantic models.

These models are the contract between the content files and the rest of the
bot: the loader validates the YAML into them, `coaching/` scores self-tests
and picks recommendations from them, and `bot/` renders them. Cross-item
rules (references, languages, HTML, lengths) live in `knowledge.checks`,
because they need the whole knowledge base and the file positions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Localized = dict[str, str]
"""Language code -> text (Telegram HTML). English ("en") is always present."""

FaultId = Literal["anterior_tilt", "hip_drop", "overstriding", "pelvic_awareness"]
Level = Literal["none", "mild", "marked"]
FAULT_IDS: tuple[FaultId, ...] = get_args(FaultId)
LEVELS: tuple[Level, ...] = get_args(Level)
FALLBACK_LANGUAGE = "en"

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
StepId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=16)]
OptionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=12)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]

TextKind = Literal["text", "button"]
"""How a localized text is used: part of a message, or a button label."""

LocalizedField = tuple[tuple[str | int, ...], Localized, TextKind]
"""A localized text inside an item: (path within the item, text, kind)."""


def text_for(loc: Mapping[str, str], lang: str) -> str:
    """The text in `lang`, falling back to English when there is no translation."""
    if lang in loc:
        return loc[lang]
    if FALLBACK_LANGUAGE in loc:
        return loc[FALLBACK_LANGUAGE]
    return next(iter(loc.values()), "")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContentItem(_Strict):
    """Fields every content item has: a global id and `method` coverage tags."""

    id: Ident
    method: list[Tag] = Field(default_factory=list)
    general_guidance: bool = False
    """True when the item is general training guidance beyond the coach's method."""

    def localized(self) -> Iterator[LocalizedField]:
        """Every localized text of the item, for language/HTML/length checks."""
        return iter(())


class Tip(ContentItem):
    """A weekly actionable tip: one short message."""

    text: Localized
    topics: list[Tag] = Field(min_length=1)
    faults: list[FaultId] = Field(default_factory=list)
    audiences: list[Tag] = Field(default_factory=lambda: ["all"])
    when_answers: dict[StepId, list[OptionId]] = Field(default_factory=dict)
    """Only for athletes whose latest self-test answered each step with one of these options:
    a tip that says "already at 170–180?" must not reach someone who said they are not."""

    @property
    def theme(self) -> str:
        """The tip's theme (its first topic): the curriculum alternates themes."""
        return self.topics[0]

    def localized(self) -> Iterator[LocalizedField]:
        yield ("text",), self.text, "text"


ExerciseKind = Literal["activation", "mobility", "strength", "core", "drill"]
ProgressionLevel = Literal["bodyweight", "dumbbell", "barbell"]
PROGRESSION_LEVELS: tuple[ProgressionLevel, ...] = get_args(ProgressionLevel)
"""A strength exercise's levels, easiest first: the athlete moves one step at a time."""


class Exercise(ContentItem):
    """One exercise: how to do it, how much, what to feel, what goes wrong, when to skip it.

    A strength exercise (free weights) also has its three levels, a one-line
    load rule and a home variant, so an athlete without a gym can still follow it.
    """

    name: Localized
    purpose: Localized
    kind: ExerciseKind
    steps: list[Localized] = Field(min_length=1)
    dose: Localized
    feel: Localized
    """What the athlete should feel working, e.g. "the glutes push, the hamstrings don't pull"."""
    mistakes: list[Localized] = Field(default_factory=list)
    faults: list[FaultId] = Field(default_factory=list)
    loads_joint: bool = True
    safety: Localized | None = None
    """The "skip it if it hurts" line; `kb check` requires it when the exercise loads a joint."""
    levels: dict[ProgressionLevel, Localized] | None = None
    load_rule: Localized | None = None
    home: Localized | None = None

    @model_validator(mode="after")
    def _strength_has_progressions(self) -> Exercise:
        if self.kind != "strength":
            return self
        missing = [name for name in ("levels", "load_rule", "home") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a strength exercise needs {', '.join(missing)}")
        assert self.levels is not None
        absent = [lvl for lvl in PROGRESSION_LEVELS if lvl not in self.levels]
        if absent:
            raise ValueError(f"levels is missing {', '.join(absent)}")
        return self

    def localized(self) -> Iterator[LocalizedField]:
        yield ("name",), self.name, "text"
        yield ("purpose",), self.purpose, "text"
        for i, step in enumerate(self.steps):
            yield ("steps", i), step, "text"
        yield ("dose",), self.dose, "text"
        yield ("feel",), self.feel, "text"
        for i, mistake in enumerate(self.mistakes):
            yield ("mistakes", i), mistake, "text"
        if self.safety is not None:
            yield ("safety",), self.safety, "text"
        for lvl, text in (self.levels or {}).items():
            yield ("levels", lvl), text, "text"
        if self.load_rule is not None:
            yield ("load_rule",), self.load_rule, "text"
        if self.home is not None:
            yield ("home",), self.home, "text"


class RoutineItem(_Strict):
    """An exercise in a routine; `dose` overrides the exercise's own dose."""

    exercise: str
    dose: Localized | None = None


class Routine(ContentItem):
    """An ordered list of exercises done together (e.g. the pre-run activation)."""

    name: Localized
    intro: Localized
    items: list[RoutineItem] = Field(min_length=1)

    def localized(self) -> Iterator[LocalizedField]:
        yield ("name",), self.name, "text"
        yield ("intro",), self.intro, "text"
        for i, item in enumerate(self.items):
            if item.dose is not None:
                yield ("items", i, "dose"), item.dose, "text"


class StrengthSession(Routine):
    """A free-weight strength session template (the athlete does two a week)."""


class Fault(ContentItem):
    """A hip fault the self-test looks for, with the score thresholds per level."""

    id: FaultId
    name: Localized
    mild_at: int = Field(ge=1)
    marked_at: int = Field(ge=1)
    explanation: dict[Level, Localized]

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Fault:
        if self.marked_at <= self.mild_at:
            raise ValueError("marked_at must be greater than mild_at")
        missing = [lvl for lvl in LEVELS if lvl not in self.explanation]
        if missing:
            raise ValueError(f"explanation is missing level(s): {', '.join(missing)}")
        return self

    def level(self, score: int) -> Level:
        """The level a self-test score reaches for this fault."""
        if score >= self.marked_at:
            return "marked"
        if score >= self.mild_at:
            return "mild"
        return "none"

    def localized(self) -> Iterator[LocalizedField]:
        yield ("name",), self.name, "text"
        for lvl, text in self.explanation.items():
            yield ("explanation", lvl), text, "text"


class SelfTestOption(_Strict):
    """One answer; `scores` adds 0..2 points to each listed fault."""

    id: OptionId
    label: Localized
    scores: dict[FaultId, Annotated[int, Field(ge=0, le=2)]] = Field(default_factory=dict)
    unsure: bool = False
    """An answer such as "not sure" or "no partner": the step tells nothing about the faults
    this option gives no points to, so they count as not tested rather than fine."""


class SelfTestStep(ContentItem):
    """One question of the self-test, tied to one of the coach's tests."""

    id: StepId
    test: Tag
    title: Localized
    instructions: Localized
    question: Localized
    options: list[SelfTestOption] = Field(min_length=2)
    loads_joint: bool = False
    safety: Localized | None = None
    """The "skip it if it hurts" line; `kb check` requires it when the step loads a joint."""

    def tested_faults(self) -> set[FaultId]:
        """The faults this step can tell something about (some answer scores them)."""
        return {fault for option in self.options for fault in option.scores}

    @model_validator(mode="after")
    def _unique_options(self) -> SelfTestStep:
        ids = [o.id for o in self.options]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate option id(s): {', '.join(dupes)}")
        return self

    def localized(self) -> Iterator[LocalizedField]:
        yield ("title",), self.title, "text"
        yield ("instructions",), self.instructions, "text"
        yield ("question",), self.question, "text"
        if self.safety is not None:
            yield ("safety",), self.safety, "text"
        for i, option in enumerate(self.options):
            yield ("options", i, "label"), option.label, "button"


class SelfTest(_Strict):
    """The self-test: its steps in the order they are asked."""

    steps: list[SelfTestStep] = Field(min_length=1)

    def step(self, step_id: str) -> SelfTestStep:
        """The step with this id; KeyError if there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def score_range(self, fault: FaultId) -> tuple[int, int]:
        """(lowest, highest) total score a fault can get from the whole test."""
        low = sum(min(o.scores.get(fault, 0) for o in s.options) for s in self.steps)
        high = sum(max(o.scores.get(fault, 0) for o in s.options) for s in self.steps)
        return low, high


class RuleWhen(_Strict):
    """A finding: a fault at or above a level, or an audience (e.g. triathlete)."""

    fault: FaultId | None = None
    min_level: Literal["mild", "marked"] | None = None
    audience: Tag | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> RuleWhen:
        by_fault = self.fault is not None and self.min_level is not None
        if by_fault == (self.audience is not None) or (self.fault is None) != (
            self.min_level is None
        ):
            raise ValueError("use either {fault, min_level} or {audience}")
        return self

    def matches(self, levels: Mapping[str, str], audiences: set[str]) -> bool:
        """Whether an athlete with these fault levels and audiences meets the condition."""
        if self.audience is not None:
            return self.audience == "all" or self.audience in audiences
        assert self.fault is not None and self.min_level is not None
        level = levels.get(self.fault, "none")
        have = LEVELS.index(level) if level in LEVELS else 0  # "untested" proves nothing
        return have >= LEVELS.index(self.min_level)


class Recommendation(_Strict):
    """What to do about a finding: items by id, and optional advice text."""

    exercises: list[str] = Field(default_factory=list)
    routines: list[str] = Field(default_factory=list)
    strength_sessions: list[str] = Field(default_factory=list)
    advice: Localized | None = None


class Rule(ContentItem):
    """Finding -> recommendation; lower `priority` comes first."""

    when: RuleWhen
    recommend: Recommendation
    priority: int = 100

    def localized(self) -> Iterator[LocalizedField]:
        if self.recommend.advice is not None:
            yield ("recommend", "advice"), self.recommend.advice, "text"


PainQuestionId = Literal[
    "area", "score", "quality", "worse", "numb", "night", "swelling", "gait"
]  # fmt: skip
PAIN_QUESTIONS: tuple[PainQuestionId, ...] = get_args(PainQuestionId)
PainOutcome = Literal["keep_going", "rest_retest", "see_professional"]
PAIN_OUTCOMES: tuple[PainOutcome, ...] = get_args(PainOutcome)
PAIN_SCORES = 11
"""The pain score goes from 0 (none) to 10 (worst imaginable): eleven buttons."""
MAX_PAIN_OPTIONS = 10
"""A triage answer travels as one digit in button data: at most ten options a question."""


class PainOption(_Strict):
    """One answer to a triage question; `red_flag` answers end in "see a professional"."""

    id: OptionId
    label: Localized
    red_flag: bool = False


class PainQuestion(_Strict):
    """One triage question. The pain score has no options: the bot offers 0 to 10."""

    id: PainQuestionId
    text: Localized
    options: list[PainOption] = Field(default_factory=list, max_length=MAX_PAIN_OPTIONS)

    @model_validator(mode="after")
    def _options_fit(self) -> PainQuestion:
        if self.id == "score" and self.options:
            raise ValueError("the score question has no options: the bot offers 0 to 10")
        if self.id != "score" and len(self.options) < 2:
            raise ValueError("a triage question needs at least two options")
        return self


class PainTriage(ContentItem):
    """The "something hurts" triage: the questions, the thresholds and the three outcomes.

    This is coaching, not medicine: the whole triage is general guidance, and
    any red flag ends in "stop and see a physiotherapist or doctor".
    """

    intro: Localized
    questions: list[PainQuestion]
    rest_from: int = Field(ge=1, le=10)
    """From this pain score on (0–10): rest that area and retest in a week."""
    stop_from: int = Field(ge=1, le=10)
    """From this pain score on: stop and see a physiotherapist or doctor."""
    pause_days: int = Field(ge=1, le=60)
    """Days a red flag pauses strength check-ins and strength tips."""
    outcomes: dict[PainOutcome, Localized]
    paused: Localized
    """Said with a red flag: strength nudges are paused until `{date}`."""
    not_stored: Localized
    """Said without consent: the advice is given, the answers are not kept."""

    @model_validator(mode="after")
    def _complete(self) -> PainTriage:
        asked = [q.id for q in self.questions]
        if sorted(asked) != sorted(PAIN_QUESTIONS) or asked[0] != "area":
            raise ValueError(
                f"questions must be {', '.join(PAIN_QUESTIONS)}, each once, area first"
            )
        if self.stop_from <= self.rest_from:
            raise ValueError("stop_from must be greater than rest_from")
        missing = [o for o in PAIN_OUTCOMES if o not in self.outcomes]
        if missing:
            raise ValueError(f"outcomes is missing {', '.join(missing)}")
        return self

    def question(self, question_id: str) -> PainQuestion:
        return next(q for q in self.questions if q.id == question_id)

    def localized(self) -> Iterator[LocalizedField]:
        yield ("intro",), self.intro, "text"
        for i, question in enumerate(self.questions):
            yield ("questions", i, "text"), question.text, "text"
            for j, option in enumerate(question.options):
                yield ("questions", i, "options", j, "label"), option.label, "button"
        for outcome, text in self.outcomes.items():
            yield ("outcomes", outcome), text, "text"
        yield ("paused",), self.paused, "text"
        yield ("not_stored",), self.not_stored, "text"


SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Sourced(_Strict):
    """A threshold's source: one of its item's `sources`, cited in full in docs/video.md."""

    source: SourceId


class PelvicDifference(Sourced):
    """When a left/right difference in pelvic drop is pointed out to the athlete."""

    degrees: float = Field(gt=0, le=20)
    """The two legs' mean drops differ by more than this…"""
    consistent_share: float = Field(gt=0.5, le=1)
    """…and the same side drops more in at least this share of the strides."""


class PelvicLevels(Sourced):
    """The self-test's hip-drop level from a measured drop (the more-dropping leg's mean)."""

    mild_deg: float = Field(gt=0, le=30)
    marked_deg: float = Field(gt=0, le=30)

    @model_validator(mode="after")
    def _ordered(self) -> PelvicLevels:
        if self.marked_deg <= self.mild_deg:
            raise ValueError("marked_deg must be greater than mild_deg")
        return self

    def level(self, degrees: float) -> Level:
        """The level of one measured drop: under mild_deg none, under marked_deg mild."""
        if degrees >= self.marked_deg:
            return "marked"
        if degrees >= self.mild_deg:
            return "mild"
        return "none"


class StridesNeeded(Sourced):
    """Stances on each leg a pelvic drop is averaged over before it is reported."""

    per_leg: int = Field(ge=3, le=100)


class RunningSteps(Sourced):
    """What a clip must show to count as running and be worth measuring."""

    min_steps: int = Field(ge=4, le=200)
    """Fewer foot contacts: too short."""
    min_spm: float = Field(ge=60, le=200)
    """Slower steps: slow motion (or walking), not running."""
    max_spm: float = Field(ge=150, le=400)
    """Faster steps: the feet were not followed."""

    @model_validator(mode="after")
    def _ordered(self) -> RunningSteps:
        if self.max_spm <= self.min_spm:
            raise ValueError("max_spm must be greater than min_spm")
        return self


class RunnerSize(Sourced):
    """How much of the picture's height the runner must fill to be measured."""

    min_height_share: float = Field(gt=0, lt=1)


class VideoGuidance(ContentItem):
    """The coaching thresholds of running-form videos (/video): when a figure is
    reported, flagged or turned into a self-test level. General guidance, not
    validated cut-offs: each threshold names its source, cited in docs/video.md.
    Technical bounds (frame rates, file sizes, landmark tracking) stay in code."""

    sources: dict[SourceId, str] = Field(min_length=1)
    """Source id -> a short citation; the full reference is in docs/video.md."""
    pelvic_difference: PelvicDifference
    pelvic_levels: PelvicLevels
    pelvic_strides: StridesNeeded
    running: RunningSteps
    runner_size: RunnerSize

    def thresholds(self) -> dict[str, Sourced]:
        """Each threshold by its field name, for checks and previews."""
        return {
            "pelvic_difference": self.pelvic_difference,
            "pelvic_levels": self.pelvic_levels,
            "pelvic_strides": self.pelvic_strides,
            "running": self.running,
            "runner_size": self.runner_size,
        }

    @model_validator(mode="after")
    def _sources_known(self) -> VideoGuidance:
        unknown = sorted(
            f"{name}: {t.source}"
            for name, t in self.thresholds().items()
            if t.source not in self.sources
        )
        if unknown:
            raise ValueError(f"unknown source(s), add them to sources: {', '.join(unknown)}")
        return self


class RetiredPhrase(_Strict):
    """Wording that drifted from the coach's method, and what to write instead."""

    phrase: str = Field(min_length=3)
    use: str


class Meta(_Strict):
    """Content-wide settings: languages, vocabularies, the method checklist."""

    languages: list[Tag] = Field(min_length=1)
    """Languages athletes are served in: each must be complete in every text."""
    draft_languages: list[Tag] = Field(default_factory=list)
    """Languages being translated: allowed to be incomplete, not offered to athletes yet."""
    first_tip: Ident | None = None
    """The tip every athlete gets first (the "why hips" introduction)."""
    retired_phrases: list[RetiredPhrase] = Field(default_factory=list)
    """Phrases no text may contain any more (case-insensitive), e.g. a replaced cue."""
    topics: list[Tag] = Field(default_factory=list)
    audiences: list[Tag] = Field(default_factory=lambda: ["all"])
    method_tags: list[Tag] = Field(default_factory=list)
    """The coach's method, item by item: every tag must be used by some content item."""
    ui_buttons: list[Tag] = Field(default_factory=list)
    """UI keys used as button labels (plain text, at most 64 characters)."""
    plurals: list[Tag] = Field(default_factory=list)
    """UI texts that depend on a number: `<base>_<CLDR category>` keys (`knowledge.i18n`)."""

    def required_for(self, section: str) -> list[str]:
        """Languages that every text in `section` must have: every served language."""
        return list(self.languages)

    def known_languages(self) -> list[str]:
        """Served and draft languages: a text in any other language is a typo."""
        return [*self.languages, *(d for d in self.draft_languages if d not in self.languages)]


class KnowledgeBase(_Strict):
    """All validated content, ready for the bot. Built by `load_knowledge`."""

    version: str
    languages: list[str]
    meta: Meta
    tips: list[Tip]
    exercises: dict[str, Exercise]
    routines: dict[str, Routine]
    strength_sessions: dict[str, StrengthSession]
    faults: dict[FaultId, Fault]
    selftest: SelfTest
    rules: list[Rule]
    pain: PainTriage
    video: VideoGuidance
    ui: dict[str, Localized]

    def ui_text(self, key: str, lang: str, **params: object) -> str:
        """A bot interface text in `lang` (English fallback), with `params` filled in.

        Params are inserted as given: the caller escapes user-provided HTML.
        """
        return text_for(self.ui[key], lang).format(**params)

    def all_items(self) -> Iterator[ContentItem]:
        """Every addressable item, in a stable order."""
        yield from self.tips
        yield from self.exercises.values()
        yield from self.routines.values()
        yield from self.strength_sessions.values()
        yield from self.faults.values()
        yield from self.selftest.steps
        yield from self.rules
        yield self.pain
        yield self.video

    def item(self, item_id: str) -> ContentItem:
        """Any item by id (tip, exercise, routine, session, fault, step, rule)."""
        for candidate in self.all_items():
            if candidate.id == item_id:
                return candidate
        raise KeyError(item_id)

    def tags(self) -> dict[str, dict[str, int]]:
        """Counts per tag family (topic, fault, audience, method) for summaries."""
        counts: dict[str, dict[str, int]] = {
            "topic": {},
            "fault": {},
            "audience": {},
            "method": {},
        }

        def bump(family: str, tag: str) -> None:
            counts[family][tag] = counts[family].get(tag, 0) + 1

        for tip in self.tips:
            for topic in tip.topics:
                bump("topic", topic)
            for audience in tip.audiences:
                bump("audience", audience)
        for it in self.all_items():
            for fault in getattr(it, "faults", []):
                bump("fault", fault)
            for tag in it.method:
                bump("method", tag)
        return {family: dict(sorted(c.items())) for family, c in counts.items()}

    def recommendations(self, levels: Mapping[str, str], audiences: set[str]) -> list[Rule]:
        """The rules that apply to an athlete, most important first."""
        hits = [r for r in self.rules if r.when.matches(levels, audiences)]
        return sorted(hits, key=lambda r: r.priority)
