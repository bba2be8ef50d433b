# AidTrack production image.
#
#   docker build -t aidtrack .
#   docker compose up -d --build        (see docs/operations.md)
#
# Two stages: "assets" installs the front-end packages from npm and collects
# the vendor files; the final image has Python, the app and the collected
# static files, but no Node.js and no node_modules.

# --- Stage 1: front-end vendor files (Bootstrap, htmx, ECharts) -------------
FROM python:3.11-slim AS assets

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/ scripts/
# The same copy `make assets` does: node_modules -> var/vendor.
RUN mkdir -p var/vendor && sh scripts/collect-vendor.sh


# --- Stage 2: the application -------------------------------------------------
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIDTRACK_ENV=production

RUN groupadd --system aidtrack \
    && useradd --system --gid aidtrack --home-dir /app --no-create-home aidtrack

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The project
# itself declares no packages (the code runs from /app); installing it pulls
# in the pinned dependencies.
COPY pyproject.toml constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && rm -rf build aidtrack.egg-info

COPY . .
COPY --from=assets /src/var/vendor var/vendor

# Production settings insist on these; collectstatic connects to neither, so
# placeholders that exist only for this step are enough.
RUN SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgres://x@localhost/x \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# The code stays root-owned and read-only for the app; only var/ (media
# uploads, the beat schedule) is writable.
RUN mkdir -p var/media && chown -R aidtrack:aidtrack var

USER aidtrack

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "aidtrack.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
