"""Any domain module can be imported first (the table modules refer to each other)."""

import subprocess
import sys

import pytest

MODULES = [
    "coaching.schedule_models",
    "coaching.coach_models",
    "coaching.cadence_models",
    "coaching.models",
    "coaching.privacy",
    "coaching.broadcasts",
    "scheduler.planner",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_on_its_own(module: str) -> None:
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed module name
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
