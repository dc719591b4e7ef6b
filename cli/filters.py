"""Filter values a user types (`--site`, `--year`, `--key`, `--region`) are checked before a query: a typo
is an error with exit 1, never an empty "nothing found" that reads like a real answer."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.clock import beijing_date
from parsers.indicators import list_indicators
from storage.models import Site
from storage.sites import get_site

FIRST_YEAR = 2004  # the first 依法行政 reporting duty (国务院《全面推进依法行政实施纲要》)


def check_filters(
    session: Session,
    site_id: str | None = None,
    year: int | None = None,
    key: str | None = None,
    region: str | None = None,
) -> None:
    if site_id:
        get_site(session, site_id)  # UnknownSite: one line, exit 1
    if year is not None:
        last = beijing_date(datetime.now(UTC)).year
        if not FIRST_YEAR <= year <= last:
            raise click.ClickException(f"年度 {year} 不合理：报告年度应在 {FIRST_YEAR}–{last} 之间")
    if key and key not in {d.key for d in list_indicators()}:
        raise click.ClickException(f"未知的指标键：{key}（`fzwatch indicators --list-keys` 列出全部）")
    if region and session.scalar(select(Site.id).where(Site.region.startswith(region)).limit(1)) is None:
        raise click.ClickException(f"没有地区以“{region}”开头的站点（`fzwatch sites list` 查看各站点的地区）")
