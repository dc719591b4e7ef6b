"""Typed results of the parsers. Plain dataclasses: no Scrapy, network or database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from parsers.numbers import plain_decimal


@dataclass
class Indicator:
    """One numeric fact read from a report sentence."""

    key: str  # canonical key, e.g. "reconsideration_correction_rate"
    value: Decimal  # exact, in the base unit (万元 → 元); JSON output carries it as a string
    unit: str  # "件", "%", "元", ...
    text: str  # a window of the sentence around the number (provenance, ≤ 120 characters)
    label: str = ""  # Chinese label of the key
    approx: bool = False  # 余/近/超/以上
    change: dict[str, Any] | None = None  # {"kind": "pct"|"pp"|"abs", "value": float} for 同比…
    scope: str = ""  # 全县 / 市本级 / …
    period: str = ""  # 第三季度 / 今年以来 / …
    role: str = ""  # "component" for a 其中/含 part of a total (never a headline)
    headline: bool = False  # the report's figure for this key (docs/intelligence.md, "Headline values")
    ambiguous: bool = False  # set on a headline picked among several differing candidates


@dataclass
class Section:
    """A numbered top-level part of a report, mapped to one of the mandated parts."""

    heading: str
    kind: str  # measures | shortcomings | responsibility | plan | other | unknown
    start: int  # character offset into ParsedPage.text
    end: int


@dataclass
class Classification:
    is_report: bool
    confidence: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class ParsedPage:
    """Everything fzwatch reads from one fetched page (or attachment)."""

    url: str
    title: str
    text: str  # clean body, paragraphs separated by "\n"
    published_at: str | None  # ISO 8601 as the page states it ("2024-03-13T16:19:00" or "2024-03-13")
    agency: str | None  # publisher
    agency_aliases: list[str]
    year: int | None  # year the report covers
    is_report: bool
    confidence: float
    reasons: list[str]
    sections: list[Section] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # absolute URLs
    content_type: str = "html"  # html | pdf | docx | doc | wps | ofd
    flags: list[str] = field(default_factory=list)  # e.g. "scanned_pdf", "incomplete", "body_in_attachment"
    # What the page is, from its structure (parsers.pagekind): detail | list | shell | attachment | challenge.
    # Only a detail page or an attachment can be a report.
    page_kind: str = "detail"
    page_kind_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: exact decimals become strings ("278459300", "99.78"), never floats."""
        return {key: _json_ready(value) for key, value in asdict(self).items()}


def _json_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value
