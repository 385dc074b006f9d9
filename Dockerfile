FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY coaching ./coaching
COPY knowledge ./knowledge
COPY scheduler ./scheduler
COPY fakeapi ./fakeapi
# Hip Coach with the `video` extra, then MediaPipe without its declared dependencies
# (jax, jaxlib, the GUI OpenCV build, sounddevice: pose estimation imports none of them),
# as scripts/setup-venv does; docs/video.md says why.
RUN pip install --no-cache-dir ".[video]" \
    && pip install --no-cache-dir --no-deps "mediapipe==0.10.14" \
    && useradd --create-home --uid 10001 hipcoach \
    && mkdir -p /data && chown hipcoach /data

USER hipcoach
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["hipcoach", "check"]
CMD ["hipcoach", "run"]
