"""FZWATCH_* environment variables: one typed model (pydantic-settings), checked when a command starts.

The names are the ones the code has always read; the modules keep reading them where they are used, this
model only refuses a value they could not use (``FZWATCH_LEASE_SECONDS=abc``) and a misspelt name
(``…_WEB_TOKNE`` for ``…_WEB_TOKEN``), which would otherwise be ignored without a word.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.errors import ConfigError, Problem, suggestion

PREFIX = "FZWATCH_"

# Scrapy settings of crawler/settings.py: set there (or per site in `options`), never read from the environment.
SCRAPY_ONLY = frozenset(
    {
        "FZWATCH_PAGE_BUDGET",
        "FZWATCH_MAX_DEPTH",
        "FZWATCH_EXTRA_HOPS",
        "FZWATCH_DECISIONS_CAP",
        "FZWATCH_MAX_PER_PATTERN",
        "FZWATCH_MAX_CALENDAR",
        "FZWATCH_PAGE_MAXSIZE",
        "FZWATCH_ATTACHMENT_MAXSIZE",
        "FZWATCH_LIST_REVISIT_DAYS",
        "FZWATCH_DETAIL_REVISIT_DAYS",
        "FZWATCH_DEAD_REVISIT_DAYS",
        "FZWATCH_RETRY_AFTER_MAX",
        "FZWATCH_RETRY_AFTER_TIMES",
        "FZWATCH_CRAWL_DELAY_MAX",
        "FZWATCH_ESCALATION_DAYS",
        "FZWATCH_ESCALATION_RENDER_BUDGET",
        "FZWATCH_ESCALATION_BFS_DEPTH",
        "FZWATCH_JS_RENDER",
        "FZWATCH_SHELL_SCRIPTS",
        "FZWATCH_SCRIPT_MAXSIZE",
        "FZWATCH_TOKEN",
    }
)
# Read by the test suite and bench only (tests/, bench/), never by fzwatch itself.
TEST_ONLY = frozenset(
    {
        "FZWATCH_TEST_PG",
        "FZWATCH_REQUIRE_PG",
        "FZWATCH_FUZZ_EXAMPLES",
        "FZWATCH_GEN_PORTALS",
        "FZWATCH_KILL_ROUNDS",
        "FZWATCH_KILL_SEED",
        "FZWATCH_REALPAGES",
        "FZWATCH_TEST_SLOW_PARSE_MARKER",
    }
)


class FzwatchSettings(BaseSettings):
    """Every FZWATCH_* environment variable fzwatch reads (README "Settings"), with its type."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", case_sensitive=True)

    DB: str | None = None
    DATA: str = "data"
    ALLOW_PRIVATE: Literal["", "0", "1", "true", "false", "yes", "no"] = ""
    CHROMIUM: str | None = None
    DOWNLOAD_DELAY: float = Field(default=0.5, ge=0)
    LOG_LEVEL: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = "INFO"
    ESCALATION_BFS_BUDGET: int = Field(default=150, ge=0)
    SEASON_MONTHS: str = "1,2,3,4,5,6"
    PARENT_PID: int | None = None
    LEASE_SECONDS: float = Field(default=45, gt=0)
    RETRY_HORIZON_HOURS: float = Field(default=48, gt=0)
    RETRY_BASE_SECONDS: float = Field(default=30, gt=0)
    SEND_TIMEOUT: float = Field(default=20, gt=0)
    SECRET_KEY: str | None = None
    SECRET_KEY_FILE: str | None = None
    SUBSCRIPTIONS: str | None = None
    WEB_TOKEN: str | None = None
    WEB_SECRET: str | None = None
    WEB_HOSTS: str = ""
    RUN_RETENTION_DAYS: int = Field(default=90, ge=1)
    OUTBOX_RETENTION_DAYS: int = Field(default=30, ge=1)
    CRAWL_TIMEOUT: float = Field(default=3600, gt=0)
    BROKER: str | None = None  # Celery broker URL: the daemon then crawls through `fzwatch worker`s
    QUEUE: str = "fzwatch.crawl"
    SITE_LEASE_SECONDS: float = Field(default=60, gt=0)
    HOST_POLITENESS: Literal["", "0", "1", "true", "false", "yes", "no"] = ""
    RUNNER: Literal["pool", "local"] = "pool"
    WORKER_PROCESSES: int = Field(default=2, ge=1)
    SITES_PER_WORKER: int = Field(default=8, ge=1)
    WORKER_MAX_CRAWLS: int = Field(default=500, ge=1)
    WORKER_MAX_RSS_MB: float = Field(default=800, gt=0)
    PARSE_TIMEOUT: float = Field(default=60, gt=0)
    PARSE_MEMORY_MB: int = Field(default=1024, ge=64)
    PARSE_WORKERS: int = Field(default=1, ge=0)


def _season_problem(value: str) -> str | None:
    months = [m.strip() for m in value.split(",") if m.strip()]
    if not all(m.isdigit() and 1 <= int(m) <= 12 for m in months):
        return "必须是逗号分隔的月份 1–12，如 1,2,3,4,5,6（留空表示没有发布季）"
    return None


def environment_problems(env: Mapping[str, str] | None = None) -> list[Problem]:
    """Every FZWATCH_* variable that is misspelt, not an environment setting, or holds an unusable value."""
    env = os.environ if env is None else env
    known = {PREFIX + name for name in FzwatchSettings.model_fields}
    problems: list[Problem] = []
    for name in sorted(k for k in env if k.startswith(PREFIX)):
        if name in SCRAPY_ONLY:
            problems.append(
                Problem(
                    (name,),
                    "这是 Scrapy 设置，不从环境变量读取：请在 crawler/settings.py 或站点 options 中设置",
                )
            )
        elif name not in known and name not in TEST_ONLY:
            problems.append(
                Problem((name,), f"未知的环境变量{suggestion(name, known) or '（见 README「设置」）'}")
            )
    try:
        FzwatchSettings.model_validate({k.removeprefix(PREFIX): v for k, v in env.items() if k in known})
    except ValidationError as exc:
        for err in exc.errors():
            name = PREFIX + str(err["loc"][0])
            problems.append(Problem((name,), f"值无效 {env.get(name)!r}（{err['msg']}）"))
    season = _season_problem(env.get("FZWATCH_SEASON_MONTHS", "1"))
    if season:
        problems.append(Problem(("FZWATCH_SEASON_MONTHS",), season))
    return problems


def check_environment(env: Mapping[str, str] | None = None) -> None:
    """Raise ConfigError listing every bad FZWATCH_* variable."""
    problems = environment_problems(env)
    if problems:
        raise ConfigError(problems, "环境变量")
