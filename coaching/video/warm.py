"""Imported by the video worker as it starts: the pose model is built and run once there.

Never import this in the bot itself: it loads MediaPipe and a model. The
worker's memory limit is set after it, so the model counts as the worker at rest.
"""

from __future__ import annotations

from coaching.video.pose import available, silence_native_stderr, warm

if available():
    silence_native_stderr()
    warm()
