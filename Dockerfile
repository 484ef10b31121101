# syntax=docker/dockerfile:1
#
# Lucien: a slim, non-root image running `lucien run`.
#
# Stage 1 builds wheels (lucien and every dependency); stage 2 installs them into a venv
# without pip ever reaching the network, and without the wheels ending up in a layer.
# Build:  docker build -t lucien .
# Run:    see docs/deploy.md (docker run --env-file ... --stop-timeout 40 lucien)

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# Only what the wheel needs (pyproject.toml names README.md as the long description).
COPY pyproject.toml README.md ./
COPY lucien ./lucien
# Every dependency ships manylinux wheels for CPython 3.11, so no compiler is needed.
RUN pip wheel --wheel-dir /wheels .

# ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PORT=8080

# The wheels are bind-mounted from the build stage for this one step (BuildKit), so they
# are installed but never copied into the image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-index --find-links=/wheels lucien \
 && groupadd --system --gid 10001 lucien \
 && useradd --system --uid 10001 --gid lucien --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin lucien \
 && mkdir -p /app \
 && chown lucien:lucien /app

# /app is the working directory and is writable by the bot (the SQLite default,
# sqlite+aiosqlite:///./lucien.db, lands here when DATABASE_URL is not set).
WORKDIR /app
USER lucien:lucien

EXPOSE 8080

# Railway (and `docker stop`) send SIGTERM; lucien drains in-flight updates on it.
STOPSIGNAL SIGTERM

# Liveness for plain container hosts (slim has no curl). Railway does not use it: its
# deploy check is the /health path set in railway.toml / .railway/railway.ts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/live' % os.environ.get('PORT', '8080'), timeout=4)"]

# Exec form: lucien is PID 1 and receives SIGTERM itself (no shell in between).
CMD ["lucien", "run"]
