"""Every CLI command and every FZWATCH_* setting is documented in README.md or docs/*.md (datasette's
test_docs idea): a command or variable nobody can find is a bug."""

from __future__ import annotations

import re

import click

from cli.main import cli
from config.settings import PREFIX, SCRAPY_ONLY, TEST_ONLY, FzwatchSettings
from tests.conftest import REPO

CODE_DIRS = ("config", "crawler", "parsers", "scheduler", "storage", "cli", "web")


def docs_text() -> str:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def command_paths(group: click.Group, prefix: str = "fzwatch") -> list[str]:
    """Every command and group of the tree, e.g. `fzwatch sites add` and `fzwatch sites`."""
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        paths.append(path)
        if isinstance(command, click.Group):
            paths += command_paths(command, path)
    return paths


def test_the_command_tree_is_walked() -> None:
    paths = command_paths(cli)
    assert {"fzwatch sites", "fzwatch sites add", "fzwatch subscriptions load"} <= set(paths)


def test_every_command_is_documented() -> None:
    docs = docs_text()
    missing = [p for p in command_paths(cli) if p not in docs]
    assert not missing, f"undocumented commands: {missing}"


def all_settings() -> set[str]:
    code = "\n".join(p.read_text(encoding="utf-8") for d in CODE_DIRS for p in (REPO / d).rglob("*.py"))
    found = set(re.findall(r"\b(FZWATCH_[A-Z0-9_]*[A-Z0-9])\b", code))
    declared = {PREFIX + name for name in FzwatchSettings.model_fields} | SCRAPY_ONLY
    return (found | declared) - TEST_ONLY


def test_every_setting_is_declared_and_documented() -> None:
    settings = all_settings()
    assert {"FZWATCH_DB", "FZWATCH_PAGE_BUDGET", "FZWATCH_WEB_TOKEN"} <= settings
    declared = {PREFIX + name for name in FzwatchSettings.model_fields} | SCRAPY_ONLY
    assert not settings - declared, f"settings missing from config/settings.py: {sorted(settings - declared)}"
    docs = docs_text()
    missing = sorted(s for s in settings if not re.search(rf"\b{s}\b", docs))
    assert not missing, f"undocumented settings: {missing}"
