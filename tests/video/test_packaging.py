"""The Docker image installs video analysis as scripts/setup-venv does (it cannot be built here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEDIAPIPE = re.compile(r"""--no-deps\s+["']?mediapipe==([\d.]+)["']?""")


def _installs(text: str) -> list[str]:
    """The pip installs of a script or Dockerfile, in order, continuation lines joined."""
    joined = text.replace("\\\n", " ")
    return [part.strip() for part in re.split(r"&&|\n", joined) if "pip install" in part]


def test_the_image_installs_the_video_extra_then_mediapipe_without_its_dependencies() -> None:
    installs = _installs((ROOT / "Dockerfile").read_text())
    extra = next(i for i, line in enumerate(installs) if '".[video]"' in line)
    pinned = next(i for i, line in enumerate(installs) if MEDIAPIPE.search(line))
    assert extra < pinned


def test_the_image_pins_the_mediapipe_that_setup_venv_pins() -> None:
    docker = MEDIAPIPE.search((ROOT / "Dockerfile").read_text())
    venv = MEDIAPIPE.search((ROOT / "scripts" / "setup-venv").read_text())
    assert docker is not None and venv is not None
    assert docker.group(1) == venv.group(1) == "0.10.14"
