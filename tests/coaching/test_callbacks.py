"""The button-data codec: every kind round-trips, fits 64 bytes, and refuses bad data."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching import callbacks
from coaching.callbacks import (
    INT32_MAX,
    MAX_BYTES,
    AthleteCardOpen,
    AthleteList,
    BroadcastCancel,
    BroadcastDetails,
    BroadcastList,
    BroadcastResend,
    Button,
    CardOpen,
    CardStep,
    CheckinAnswer,
    DeleteConfirm,
    DeleteKeep,
    DraftStep,
    GroupExport,
    GroupJoin,
    GroupLeave,
    GroupLink,
    GroupManage,
    GroupsPage,
    InvalidButton,
    LeavePage,
    LevelChange,
    NudgePreview,
    NudgeSend,
    OnboardingAnswer,
    PainAnswer,
    PainStart,
    PlanShow,
    QuestionButton,
    ReplyToCoach,
    ResultsPage,
    SelftestAnswer,
    SelftestStart,
    SettingsButton,
    SwimAnswer,
    WarmupAnswer,
    WithdrawConsent,
)
from coaching.onboarding import Step
from coaching.reminders import Draft, Toggle

# Each kind with the data it had before the codec: old messages keep working.
EXAMPLES: list[tuple[Button, str]] = [
    (SelftestStart("new"), "st:new"),
    (SelftestStart("consent"), "st:consent"),
    (SelftestStart("resume"), "st:resume"),
    (SelftestAnswer(12, 3, "hip_drop"), "st:12:3:hip_drop"),
    (SelftestAnswer(INT32_MAX, 0, "-b"), f"st:{INT32_MAX}:0:-b"),
    (OnboardingAnswer("consent", "yes"), "ob:consent:yes"),
    (
        OnboardingAnswer("tz", "America/Argentina/Buenos_Aires"),
        "ob:tz:America/Argentina/Buenos_Aires",
    ),
    (OnboardingAnswer("tz", "other"), "ob:tz:other"),
    (OnboardingAnswer("days", "6"), "ob:days:6"),
    (OnboardingAnswer("days", "done"), "ob:days:done"),
    (OnboardingAnswer("time", "0715"), "ob:time:0715"),
    (OnboardingAnswer("tri", "no"), "ob:tri:no"),
    (OnboardingAnswer("review", "edit"), "ob:review:edit"),
    (SettingsButton("menu"), "set:menu"),
    (SettingsButton("close"), "set:close"),
    (SettingsButton("tog", Toggle.CHECKINS), "set:tog:checkin"),
    (SettingsButton("type", Draft.CHECKIN_TIME), "set:type:ci_time"),
    (SettingsButton("day", "0"), "set:day:0"),
    (SettingsButton("rt", "2359"), "set:rt:2359"),
    (SettingsButton("lead", "90"), "set:lead:90"),
    (SettingsButton("tz", "Etc/GMT+5"), "set:tz:Etc/GMT+5"),
    (DeleteConfirm(1_700_000_000), "pv:del:1700000000"),
    (DeleteKeep(), "pv:keep"),
    (WithdrawConsent(), "pv:withdraw"),
    (WarmupAnswer(7, "z"), "rm:7:z"),
    (CheckinAnswer(8, 2), "ci:8:s:2"),
    (SwimAnswer(8, swam=False), "ci:8:w:n"),
    (GroupJoin("AbC123xyz789", accept=True), "gj:AbC123xyz789:y"),
    (GroupLink(5), "gl:5"),
    (GroupExport(5), "gx:5"),
    (GroupLeave(5), "gq:5"),
    (GroupLeave(5, sure=True), "gq:5:y"),
    (GroupsPage(3), "gp:3"),
    (LeavePage(2), "gv:2"),
    (GroupManage(5, "ay"), "gm:5:ay"),
    (GroupManage(5, "r"), "gm:5:r"),
    (ResultsPage(4), "rp:4"),
    (DraftStep(4, "g", "17"), "bd:4:g:17"),
    (DraftStep(4, "fv", "hip_drop"), "bd:4:fv:hip_drop"),
    (DraftStep(4, "now"), "bd:4:now"),
    (DraftStep(4, "edit"), "bd:4:edit"),
    (BroadcastCancel(9), "bx:9"),
    (BroadcastCancel(9, sure=True), "bx:9:y"),
    (BroadcastResend(9), "br:9"),
    (PlanShow(), "cd:p"),
    (CardOpen("strength_a", "p"), "cd:i:strength_a:p"),
    (CardOpen("prerun_activation", "n"), "cd:i:prerun_activation:n"),
    (CardStep("strength_a", 2, "c"), "cd:x:strength_a:2:c"),
    (PainStart(), "pn:go"),
    (PainAnswer(""), "pn:a:"),
    (PainAnswer("15a0"), "pn:a:15a0"),
    (LevelChange("d"), "lv:d"),
    (LevelChange("u"), "lv:u"),
    (AthleteList("all", 0, 0), "al:all:0:0"),
    (AthleteList("silent", 12, 3), "al:silent:12:3"),
    (AthleteCardOpen(1002, "untested", 0, 2), "ac:1002:untested:0:2"),
    (NudgePreview("strength", 4), "np:strength:4"),
    (NudgeSend("pain", 0, 1_800_000_000), "ns:pain:0:1800000000"),
    (BroadcastList(7), "bl:7"),
    (BroadcastDetails(12), "bi:12"),
    (ReplyToCoach(12), "rc:12"),
    (QuestionButton(3, "y"), "q:3:y"),
    (QuestionButton(3, "x"), "q:3:x"),
]


@pytest.mark.parametrize(("button", "data"), EXAMPLES, ids=[d for _, d in EXAMPLES])
def test_every_kind_round_trips_in_its_existing_format(button: Button, data: str) -> None:
    assert button.encode() == data
    assert callbacks.parse(data) == button


def test_the_examples_cover_every_kind_and_prefix() -> None:
    assert {type(b) for b, _ in EXAMPLES} == set(callbacks.KINDS)
    assert set(callbacks.PREFIXES) == {d.split(":")[0] for _, d in EXAMPLES}


def test_onboarding_steps_match_the_domain() -> None:
    assert set(callbacks.ONBOARDING_VALUES) == {s.value for s in Step} | {"review"}


def test_settings_values_cover_every_toggle_and_draft() -> None:
    for what, value in [("tog", t.value) for t in Toggle] + [("type", d.value) for d in Draft]:
        assert callbacks.parse(f"set:{what}:{value}") == SettingsButton(what, value)


@given(
    session_id=st.integers(0, INT32_MAX),
    step=st.integers(0, 999),
    choice=st.from_regex(r"[a-z][a-z0-9_]{0,11}|-[a-z]", fullmatch=True),
)
def test_any_selftest_answer_in_range_round_trips(session_id: int, step: int, choice: str) -> None:
    button = SelftestAnswer(session_id, step, choice)
    data = button.encode()
    assert len(data.encode()) <= MAX_BYTES
    assert callbacks.parse(data) == button


@given(st.integers(0, INT32_MAX), st.sampled_from(list(callbacks.DRAFT_ACTIONS)))
def test_any_draft_step_in_range_round_trips(draft_id: int, action: str) -> None:
    arg = {"g": str(INT32_MAX), "fv": "x" * 40}.get(action)
    button = DraftStep(draft_id, action, arg)
    assert callbacks.parse(button.encode()) == button


def test_encode_refuses_data_over_64_bytes() -> None:
    long_zone = "America/" + "A" * 50  # a valid shape, but "set:tz:" makes it 65 bytes
    assert len(f"set:tz:{long_zone}") == 65
    with pytest.raises(InvalidButton, match="65 bytes"):
        SettingsButton("tz", long_zone).encode()
    fits = "America/" + "A" * 49
    assert len(SettingsButton("tz", fits).encode()) == MAX_BYTES


def test_encode_refuses_what_it_could_not_parse_back() -> None:
    for button in (
        WarmupAnswer(-1, "d"),
        WarmupAnswer(INT32_MAX + 1, "d"),
        CheckinAnswer(1, 3),
        OnboardingAnswer("days", "7"),
        OnboardingAnswer("tz", "Europe/Hel:sinki"),
        SettingsButton("nope"),
        SettingsButton("tz", "Pacific/Ñ"),
        GroupJoin("has space", accept=True),
        DraftStep(1, "now", "extra"),
        DraftStep(1, "g"),
        DraftStep(1, "zz"),
        SelftestAnswer(1, 1000, "a"),
        SelftestAnswer(1, 0, "Upper"),
        CardOpen("Strength_A", "p"),
        CardOpen("x" * 41, "p"),
        CardStep("strength_a", 100, "p"),
        PainAnswer("b"),
        PainAnswer("0" * 13),
    ):
        with pytest.raises(InvalidButton):
            button.encode()


# Numbers a forged client can put where an id goes. "²" and "١" pass `str.isdigit()`
# but `int()` refuses "²"; 40 digits overflow SQLite's integers; 12 digits (and
# anything past 2**31 - 1) overflow PostgreSQL's INTEGER columns.
BAD_NUMBERS = ["²", "١٢", "9" * 40, "9" * 12, str(INT32_MAX + 1), "-1", "+1", " 1", "1 ", "0x1", ""]
NUMBERED = ["st:{}:0:a", "rm:{}:d", "ci:{}:s:1", "ci:{}:w:y", "gl:{}", "gx:{}", "gq:{}"]
NUMBERED += ["bd:{}:now", "bd:1:g:{}", "bx:{}", "set:day:{}", "set:lead:{}", "ob:days:{}"]
NUMBERED += ["gq:{}:y", "bx:{}:y", "gm:{}:r", "gp:{}", "gv:{}", "rp:{}"]


@pytest.mark.parametrize("template", NUMBERED)
@pytest.mark.parametrize("number", BAD_NUMBERS, ids=repr)
def test_bad_numbers_are_refused(template: str, number: str) -> None:
    with pytest.raises(InvalidButton):
        callbacks.parse(template.format(number))


def test_the_largest_ids_that_fit_are_taken() -> None:
    assert callbacks.parse(f"rm:{INT32_MAX}:d") == WarmupAnswer(INT32_MAX, "d")
    assert callbacks.parse("pv:del:99999999999") == DeleteConfirm(99_999_999_999)
    with pytest.raises(InvalidButton):
        callbacks.parse("pv:del:999999999999")  # 12 digits


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "st",
        "st:",
        "st:new:",
        "st:News",
        "st:1:0:a\n",  # `$` would accept this trailing newline; fullmatch does not
        "\nst:new",
        "rm:1:x",
        "rm:1:d:extra",
        "ci:1:s:3",
        "ci:1:w:maybe",
        "ob:consent:maybe",
        "ob:nope:yes",
        "ob:time:2460",
        "ob:time:715",
        "set:day",
        "set:menu:1",
        "set:tog:",
        "set:tt:9999",
        "pv:del",
        "pv:delete",
        "pv:keep:1",
        "gj:code",
        "gj:code:maybe",
        "bd:1",
        "bd:1:fv:Hip",
        "bx:",
        "xx:1",
        "co:1",
        "st:new" + " " * 60,
        "gl:\x001",
        "gl:1\u202e",
        "st:\ud800",
        "cd:p:",
        "cd:i:strength_a",
        "cd:i:strength_a:x",
        "cd:x:strength_a:-1:p",
        "cd:x:strength_a:²:p",
        "pn:a:z",
        "pn:go:1",
        "lv:x",
        "lv:",
    ],
    ids=repr,
)
def test_malformed_data_is_refused(data: str | None) -> None:
    with pytest.raises(InvalidButton):
        callbacks.parse(data)


@given(st.text(max_size=80))
def test_parse_never_raises_anything_but_invalid_button(data: str) -> None:
    try:
        button = callbacks.parse(data)
    except InvalidButton:
        return
    assert button.encode() == data


def test_the_longest_content_ids_fit_card_buttons() -> None:
    longest = "a" * 40  # knowledge.schema.Ident allows 40 characters
    assert callbacks.parse(CardStep(longest, 99, "c").encode()) == CardStep(longest, 99, "c")
    assert callbacks.parse(CardOpen(longest, "n").encode()) == CardOpen(longest, "n")


def test_route_matches_each_prefix_of_the_kinds_given() -> None:
    pattern = re.compile(callbacks.route(DeleteConfirm, DeleteKeep, WithdrawConsent))
    assert pattern.match("pv:keep") and not pattern.match("pvx:keep")
    both = re.compile(callbacks.route(CheckinAnswer, WarmupAnswer))
    assert both.match("ci:1:s:1") and both.match("rm:1:d") and not both.match("st:new")


def test_console_list_filters_are_the_domain_filters() -> None:
    from coaching.console import Filter

    assert set(callbacks.LIST_FILTERS) == {f.value for f in Filter}
