"""Version diffs for the web: paragraphs aligned, changed characters marked inside each paragraph.

difflib is enough here: report texts are tens of kilobytes and a diff is computed per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher


@dataclass
class Paragraph:
    """One paragraph of the diff: kind same|changed|added|removed; segments (op, text), op
    equal|insert|delete, so a template can wrap inserted and deleted characters."""

    kind: str
    segments: list[tuple[str, str]] = field(default_factory=list)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def char_segments(old: str, new: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", old[i1:i2]))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", old[i1:i2]))
        if op in ("insert", "replace"):
            out.append(("insert", new[j1:j2]))
    return out


def inline_diff(old: str, new: str) -> list[Paragraph]:
    """Changed, added and removed paragraphs in order (unchanged ones are left out)."""
    a, b = _paragraphs(old), _paragraphs(new)
    out: list[Paragraph] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = list(zip(a[i1:i2], b[j1:j2], strict=False)) if op == "replace" else []
        out += [Paragraph("changed", char_segments(x, y)) for x, y in pairs]
        out += [Paragraph("removed", [("delete", x)]) for x in a[i1 + len(pairs) : i2]]
        out += [Paragraph("added", [("insert", y)]) for y in b[j1 + len(pairs) : j2]]
    return out


def diff_json(paragraphs: list[Paragraph]) -> list[dict[str, object]]:
    return [{"kind": p.kind, "segments": [{"op": op, "text": t} for op, t in p.segments]} for p in paragraphs]
