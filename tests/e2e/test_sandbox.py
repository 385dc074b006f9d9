"""`hipcoach sandbox` driven through a pseudo-terminal, as a person would use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from tests.e2e.harness import hipcoach_command


def test_sandbox_onboarding_to_first_selftest_question(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(DATA_DIR=str(tmp_path / "data"), TERM="dumb")
    command, *args = hipcoach_command()
    child = pexpect.spawn(
        command,
        [*args, "sandbox", "--name", "Ann"],
        env=env,
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = sys.stdout
    try:
        child.expect("Hip Coach sandbox")
        child.expect(r"\[1\] Yes, I agree")
        child.expect(r"\[2\] No, thanks")
        child.sendline("1")
        child.expect(r"time zone")
        child.expect(r"\[1\] Europe/Helsinki")
        child.sendline("1")
        child.expect(r"\[8\] Done")
        child.sendline("1")  # Monday
        child.expect(r"\[1\] ✅ Mon")
        child.sendline("8")
        child.expect(r"\[2\] 07:00")
        child.sendline("25:99")
        child.expect(r"'25:99' is not a time of day")
        child.sendline("2")
        child.expect("triathlon")
        child.sendline("2")
        child.expect(r"\[1\] Start the self-test")
        child.sendline("1")
        child.expect(r"Test 1 of \d+")
        child.expect(r"\[1\] ")
        child.sendline("!ff 2h")
        child.expect(r"bot clock now")
        child.sendline("!next")  # waits for the planner to schedule the new athlete
        child.expect(r"at your next message")
        child.expect(r"── bot #\d+ → Ann ──")
        child.sendline("!quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert (tmp_path / "data" / "sandbox.sqlite3").exists()


def test_sandbox_coach_and_athlete_see_a_broadcast_arrive(tmp_path: Path) -> None:
    """One process, one fake Telegram: the coach makes a group, an athlete joins it,
    the coach broadcasts, and switching to the athlete shows the broadcast arrived."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(DATA_DIR=str(tmp_path / "data"), TERM="dumb")
    command, *args = hipcoach_command()
    child = pexpect.spawn(
        command,
        [*args, "sandbox", "--as-coach", "--user-id", "9001", "--name", "Yan"],
        env=env,
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = sys.stdout
    try:
        child.expect(r"you are user 9001 \(Yan\), a coach")
        child.sendline("/newgroup Tuesday Track")
        child.expect(r"start=grp_([A-Za-z0-9]+)")
        code = child.match.group(1)
        child.sendline("!group Club chat")
        child.expect(r"── bot #\d+ → Club chat \[-1001\] ──")
        child.expect(r"\[(\d+)\] Tuesday Track")
        child.sendline(child.match.group(1))
        child.expect("broadcasts of")
        child.sendline("!as 2001 Ann")
        child.expect(r"you are now Ann, user 2001; saying /start")
        child.expect(r"\[1\] Yes, I agree")
        child.sendline(f"/start grp_{code}")
        child.expect(r"\[(\d+)\] Yes, join and share")
        child.sendline(child.match.group(1))
        child.expect("You joined Tuesday Track")
        child.sendline("!as coach")
        child.expect(r"you are now Yan, user 9001, coach")
        child.sendline("/broadcast")
        child.expect("Send the message for your athletes")
        child.sendline("Hills & strides at 19:00")
        child.expect(r"\[(\d+)\] Tuesday Track")
        child.sendline(child.match.group(1))
        child.expect(r"\[(\d+)\] Send now")
        child.sendline(child.match.group(1))
        child.expect(r"is being sent to 2 recipients")
        # The copies go out from the outbox a moment later: ask until Ann has one.
        for _ in range(100):
            child.sendline("!who")
            ann = [r"2001 Ann \(athlete\) [1-9]\d* unread", r"2001 Ann \(athlete\) 0 unread"]
            if child.expect(ann) == 0:
                break
            child.expect([pexpect.TIMEOUT], timeout=0.2)  # between two questions
        else:
            raise AssertionError("the broadcast never reached Ann's chat")
        child.sendline("!as 2001")
        child.expect(r"you are now Ann, user 2001, athlete")
        child.expect(
            r"── bot #\d+ → Ann ──\s+📣 Coach Yan · Tuesday Track\s+Hills & strides at 19:00"
        )
        child.expect(r"\[1\] ↩️ Reply to coach")
        child.sendline("!join -1001")
        child.expect(r"── bot #\d+ → Club chat \[-1001\] ──\s+📣 Coach Yan · Tuesday Track")
        child.sendline("!quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    log = (tmp_path / "data" / "sandbox.log").read_text()
    assert "sandbox-token" not in log
    assert (tmp_path / "data" / "sandbox-people.json").exists()
