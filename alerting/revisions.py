"""Change detection over clean report text: what a revision changed, in a form a message can say."""

from __future__ import annotations

import difflib
from typing import Any

MAX_CHANGED_LINES = 6
MAX_LINE_CHARS = 80


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def summarize_revision(old_text: str, new_text: str) -> dict[str, Any]:
    """Paragraphs added/removed and the first differing lines ("+ …" / "- …")."""
    old, new = paragraphs(old_text), paragraphs(new_text)
    added = removed = 0
    changed: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        changed += [f"- {_clip(p)}" for p in old[i1:i2]] + [f"+ {_clip(p)}" for p in new[j1:j2]]
    return {"added": added, "removed": removed, "changed_lines": changed[:MAX_CHANGED_LINES]}


def unified_diff(old_text: str, new_text: str, old_label: str, new_label: str) -> str:
    lines = difflib.unified_diff(
        paragraphs(old_text), paragraphs(new_text), old_label, new_label, lineterm=""
    )
    return "\n".join(lines)


def _clip(paragraph: str) -> str:
    return paragraph if len(paragraph) <= MAX_LINE_CHARS else paragraph[: MAX_LINE_CHARS - 1] + "…"
