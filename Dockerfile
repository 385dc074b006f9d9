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
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 hipcoach \
    && mkdir -p /data && chown hipcoach /data

USER hipcoach
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["hipcoach", "check"]
CMD ["hipcoach", "run"]
