"""The README documents every CLI command (datasette's test_docs idea)."""

from __future__ import annotations

import click

from cli.main import cli
from tests.conftest import REPO


def command_paths(group: click.Group, prefix: str = "fzwatch") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [p for p in command_paths(cli) if p not in readme]
    assert not missing, f"undocumented commands: {missing}"


def test_every_fzwatch_setting_is_documented() -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for d in ("crawler", "scheduler", "storage")
                     for p in (REPO / d).rglob("*.py"))
    settings = set(re.findall(r"\b(FZWATCH_[A-Z_]+)\b", code))
    missing = sorted(s for s in settings if s not in readme)
    assert not missing, f"undocumented settings: {missing}"
