"""The `fzwatch` command line. Messages about reports are in Chinese; logs stay English."""

from __future__ import annotations

import logging
import os
import sys

import click
from sqlalchemy.exc import OperationalError

from cli import alerts, crawl, db, explain, extract, intel, reports, sites, web, worker
from cli.context import Ctx
from config.errors import ConfigError
from config.settings import check_environment


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", envvar="FZWATCH_DB", help="SQLAlchemy URL (default: SQLite in $FZWATCH_DATA or ./data)."
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress (English) to stderr.")
@click.version_option(package_name="fzwatch")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: bool) -> None:
    """fzwatch: 监测法治政府建设年度报告的发布、修订与指标变化。"""
    try:
        check_environment()  # a misspelt or unusable FZWATCH_* variable is named before anything runs
    except ConfigError as exc:
        raise click.ClickException(f"环境变量有误：\n{exc}") from None
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # Scrapy resets the root level; the handler keeps ours
        handler.setLevel(level)
    ctx.obj = Ctx(db)
    ctx.obj.verbose = verbose


for module in (db, sites, crawl, reports, extract, explain, intel, alerts, web, worker):
    module.register(cli)


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    try:
        cli.main(standalone_mode=True)
    except OperationalError as exc:  # the database went away mid-command
        click.echo(f"Error: database error: {str(exc.orig or exc).splitlines()[0]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
