# fzwatch image: the package installed at build time, Chromium (rendered portals) and Noto CJK fonts,
# a non-root user, /data as the data volume. Used by docker-compose.yml for every service.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FZWATCH_DATA=/data \
    FZWATCH_CHROMIUM=/usr/bin/chromium \
    TZ=Asia/Shanghai

# Chromium renders script-built portals (crawler/render.py); Noto CJK gives it Chinese glyphs;
# tini reaps Chromium's children and forwards SIGTERM so the daemon can shut down honestly.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk tini ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (cached layer while only the code changes), then the package itself.
COPY pyproject.toml README.md ./
COPY cli ./cli
COPY crawler ./crawler
COPY parsers ./parsers
COPY scheduler ./scheduler
COPY storage ./storage
COPY web ./web
COPY sites ./sites
COPY scrapy.cfg ./
RUN pip install . && python -c "import cli.main, crawler, parsers, scheduler, storage, web"

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin fzwatch \
    && mkdir -p /data && chown fzwatch:fzwatch /data && chmod 0700 /data
USER fzwatch
VOLUME ["/data"]

ENTRYPOINT ["/usr/bin/tini", "--", "fzwatch"]
CMD ["--help"]
