"""Typed results of the parsers. Plain dataclasses: no Scrapy, network or database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Indicator:
    """One numeric fact read from a report sentence."""

    key: str  # canonical key, e.g. "reconsideration_correction_rate"
    value: float
    unit: str  # "件", "%", "万元", ...
    text: str  # the sentence it came from (provenance)
    label: str = ""  # Chinese label of the key
    approx: bool = False  # 余/近/超/以上
    change: dict[str, Any] | None = None  # {"kind": "pct"|"pp"|"abs", "value": float} for 同比…
    scope: str = ""  # 全县 / 市本级 / …
    period: str = ""  # 第三季度 / 今年以来 / …


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
        return asdict(self)
