"""The site registry entry (`sites/*.yaml`, `sites add`, the web API) and its `options`.

Only the shape is checked here (keys, types, interval, cron); whether a URL may be crawled is the network
policy's question, asked by scheduler/registry.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from config.errors import Problem, translate
from config.yamlsrc import LineMap

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def parse_duration(text: str | int) -> int:
    """'90s', '15m', '6h', '1d', '1w' (or plain seconds) -> seconds; ValueError in Chinese otherwise."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text <= 0:
            raise ValueError(f"抓取间隔必须为正数，而不是 {text}")
        return text
    m = DURATION.match(str(text))
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"抓取间隔无效 {text!r}：写数字加单位 s/m/h/d/w，如 90s、15m、6h、1d")
    return int(float(m.group(1)) * UNIT_SECONDS[m.group(2)])


def check_cron(text: str) -> str:
    """A crontab line APScheduler accepts (5 fields: minute hour day month weekday)."""
    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f'cron 表达式无效 {text!r}（{exc}）；格式为 分 时 日 月 周，如 "0 3 * * *"'
        ) from None
    return text


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


NonEmpty = Annotated[str, Field(min_length=1)]
Strict = ConfigDict(extra="forbid")


class ListApi(BaseModel):
    """A JSON list API the page scripts call (docs/crawler.md, parsers/listing/json_lists.py)."""

    model_config = Strict
    url: NonEmpty
    rows: str | None = None
    items: str | None = None
    fields: dict[str, str] | None = None
    total: str | None = None
    page_size: int = Field(default=10, ge=1)
    first_page: int = Field(default=1, ge=0)
    title: str | None = None
    link: str | None = None
    date: str | None = None


class ExpectedPublisher(BaseModel):
    model_config = Strict
    name: NonEmpty
    publisher_kind: str | None = None


Threshold = dict[Literal["points", "ratio", "absolute"], float]


class SiteOptions(BaseModel):
    """Per-site overrides (README "Site registry"); every key the crawler, storage and intel read."""

    model_config = Strict
    page_budget: int | None = Field(default=None, ge=1)
    max_depth: int | None = Field(default=None, ge=0)
    extra_hops: int | None = Field(default=None, ge=0)
    publisher_kind: str | None = None
    deadlines: dict[str, tuple[int, int]] | None = None
    expected_publishers: list[NonEmpty | ExpectedPublisher] | None = None
    expect_own_report: bool | None = None
    indicator_thresholds: dict[str, Threshold] | None = None
    notify_existing: bool | None = None
    allowed_hosts: Annotated[list[NonEmpty] | None, BeforeValidator(_as_list)] = None
    render: Literal["js"] | None = None
    escalate: bool | None = None
    search_url: NonEmpty | None = None
    list_api: ListApi | None = None
    list_apis: list[ListApi] | None = None

    @field_validator("deadlines")
    @classmethod
    def _deadline_dates(cls, value: dict[str, tuple[int, int]] | None) -> dict[str, tuple[int, int]] | None:
        for kind, (month, day) in (value or {}).items():
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise ValueError(f"截止日期 {kind}: [{month}, {day}] 无效（应为 [月, 日]）")
        return value


class SiteEntry(BaseModel):
    """One entry of the site registry as a user writes it."""

    model_config = Strict
    id: str | None = None
    name: Annotated[
        str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v), Field(min_length=1)
    ]
    region: str | None = ""
    start_urls: Annotated[list[NonEmpty], BeforeValidator(_as_list), Field(min_length=1)]
    interval: str | int = "1d"
    cron: str | None = None
    enabled: bool = True
    options: SiteOptions | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not SITE_ID.match(value):
            raise ValueError(f"站点 ID 无效 {value!r}：只能用小写字母、数字、- 和 _")
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | int) -> str | int:
        parse_duration(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return check_cron(value) if value else None

    @property
    def interval_seconds(self) -> int:
        return parse_duration(self.interval)

    def options_dict(self) -> dict[str, Any]:
        """The options as stored (JSON types, only the keys the user gave)."""
        return self.options.model_dump(mode="json", exclude_unset=True) if self.options else {}


def site_entry_problems(
    entry: Any, lines: LineMap | None = None, prefix: tuple[str | int, ...] = ()
) -> tuple[SiteEntry | None, list[Problem]]:
    """Validate one entry: the model, or None with every problem found (paths prefixed for the file)."""
    lines = lines or LineMap()
    if not isinstance(entry, dict):
        return None, [Problem(prefix, "每个站点必须是映射（含 name、start_urls）", lines.line(prefix))]
    try:
        return SiteEntry.model_validate(entry), []
    except ValidationError as exc:
        return None, translate(exc, SiteEntry, entry, lines, prefix)
