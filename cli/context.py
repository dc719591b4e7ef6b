"""Shared CLI plumbing: the database handle, one-line errors, table/JSON output."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
from sqlalchemy.orm import Session

from scheduler.registry import RegistryError
from storage.database import Database, prepare_sqlite_file
from storage.errors import StorageError


class Ctx:
    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self._db: Database | None = None
        # Only `fzwatch db upgrade` migrates, and the daemon on a new, empty database (its first start):
        # every other command refuses a schema older or newer than the code, so a newer CLI never
        # migrates under a running older daemon.
        self.first_start = False
        self.verbose = False

    @property
    def db(self) -> Database:
        if self._db is None:
            prepare_sqlite_file(self.db_url, create_file=self.first_start)
            db = Database(self.db_url)
            db.check_schema(migrate_if_empty=self.first_start)
            self._db = db
        return self._db

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.db.transaction() as session:
            yield session


pass_ctx = click.make_pass_decorator(Ctx)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A user mistake (unknown site, bad file, unreachable database) is one clear line and exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (StorageError, RegistryError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def print_json(data: Any) -> None:
    """Strict JSON: exact decimals as strings, never NaN/Infinity (strict parsers reject them)."""
    click.echo(json.dumps(_strict(data), ensure_ascii=False, indent=2, default=str, allow_nan=False))


def json_line(data: Any) -> str:
    """One strict JSON line (see print_json)."""
    return json.dumps(_strict(data), ensure_ascii=False, default=str, allow_nan=False)


def echo_clean(text: str) -> None:
    """Echo text that holds crawled content (titles, bodies, publishers) without its control characters."""
    click.echo(clean_text(text, keep_newlines=True))


def _strict(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if isinstance(value, str):
        return clean_text(value, keep_newlines=True)
    return value


# C0/C1 control characters (ESC starts terminal escape sequences: `\x1b]0;…\x07` retitles a terminal),
# and the bidi overrides that reorder what is shown. Page titles are untrusted.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, keep_newlines: bool = False) -> str:
    cleaned = _CONTROL.sub("", text)
    return cleaned if keep_newlines else cleaned.replace("\n", " ").replace("\t", " ")


def print_table(rows: list[list[Any]], headers: list[str]) -> None:
    """Aligned columns that account for wide (CJK) characters."""
    cells = [[_cell(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        click.echo("  ".join(c + " " * (widths[i] - _width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    return clean_text(str(value))


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def progress_line(text: str) -> None:
    if sys.stderr.isatty():
        click.echo("\r" + text + "\x1b[K", nl=False, err=True)
