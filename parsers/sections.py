"""Split a report into its numbered top-level parts and map them to the mandated sections.

Headings are ``一、``…``十、`` at the start of a line *or inline* after 。/whitespace (seed 000
has no line breaks). A numeral is accepted only in sequence (一, 二, 三 …) so that a stray
``一、`` in a sentence ("统一、规范") or a sub-list never starts a section. The kind comes from
the first ~40 characters of the heading, rules in the order of domain.md §1: responsibility and
shortcomings before measures, because their headings also contain 情况 / 推进法治政府建设.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from parsers.types import Section

_CN_NUM = "一二三四五六七八九十"
_HEAD_RE = re.compile(r"(?:^|(?<=[\s。；！？]))(十[一二三四五六七八九]?|[一二三四五六七八九])\s*、")
_HEADING_END_RE = re.compile(
    r"\n|。|[：:；]|\s[(（]?[一二三四五六七八九十][)）]|\s+(?=\S{20})|(?<=\S)\s(?=[(（]?\d)"
)

MANDATED = ("measures", "shortcomings", "responsibility", "plan")

# (kind, pattern) in evaluation order: first match wins.
SECTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("responsibility", re.compile(r"第一责任人|主要负责人|负责同志|述法")),
    ("shortcomings", re.compile(r"不足|问题|短板|差距")),
    ("plan", re.compile(r"安排|打算|思路|计划|下一步|下步|工作重点|努力方向|展望")),
    ("other", re.compile(r"其他需要报告|其他有关情况|其他情况")),
    (
        "measures",
        re.compile(r"举措|成效|工作总结|开展情况|完成情况|主要工作|基本情况|措施|做法|成绩|进展|工作情况"),
    ),
)


def _numeral_value(s: str) -> int:
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _CN_NUM.index(s[1]) + 1
    return _CN_NUM.index(s) + 1


def section_kind(heading: str) -> str:
    """Mandated part a heading belongs to (``unknown`` when no rule matches)."""
    head = heading[:40]
    return next((kind for kind, rx in SECTION_RULES if rx.search(head)), "unknown")


def _heading_text(text: str, start: int) -> str:
    rest = text[start : start + 60]
    m = _HEADING_END_RE.search(rest, 2)
    return rest[: m.start()].strip() if m else rest[:40].strip()


def split_sections(text: str, kind_of: Callable[[str], str] = section_kind) -> list[Section]:
    """Top-level numbered sections in order; [] when the text has no 一、 heading."""
    starts: list[int] = []
    expected = 1
    for m in _HEAD_RE.finditer(text):
        if _numeral_value(m.group(1)) == expected:
            starts.append(m.start(1))
            expected += 1
    sections = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        heading = _heading_text(text, start)
        sections.append(Section(heading=heading, kind=kind_of(heading), start=start, end=end))
    return sections


def missing_mandated(sections: list[Section]) -> list[str]:
    """Mandated parts (1–4) absent from ``sections``."""
    kinds = {s.kind for s in sections}
    return [k for k in MANDATED if k not in kinds]
