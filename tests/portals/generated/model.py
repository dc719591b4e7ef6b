"""What a generated portal is: bytes per URL, redirects, dynamic endpoints, robots.txt, and the answer key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Page:
    """A static response. ``charset`` None: the Content-Type header carries no charset."""

    body: bytes
    content_type: str = "text/html"
    charset: str | None = "utf-8"

    def header(self) -> str:
        return f"{self.content_type}; charset={self.charset}" if self.charset else self.content_type


@dataclass
class Item:
    """One row of a list: the link a list shows and what it leads to."""

    title: str
    href: str  # path the list links to (may redirect)
    date: str  # YYYY-MM-DD
    kind: str = "news"  # news | report | near_miss
    year: int = 0  # reports: the year covered
    tags: list[str] = field(default_factory=list)  # reports: idioms of the title / attachment
    attachment: str = ""  # reports published only as an attachment: "pdf" or "docx"
    file: str = ""  # that attachment's path, once written


@dataclass
class ExpectedReport:
    url: str  # path of the page a crawler ends on (after redirects)
    title: str
    year: int
    idioms: list[str]
    alt_urls: list[str] = field(default_factory=list)  # also correct (an attachment's detail page)

    def urls(self) -> set[str]:
        return {self.url, *self.alt_urls}


@dataclass
class GeneratedPortal:
    """A whole portal, deterministic from ``seed``; serve it with ``tests.portals.generated.serve``."""

    seed: int
    site_id: str
    name: str
    home: str
    pages: dict[str, Page] = field(default_factory=dict)  # "path" or "path?canonical query"
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)  # path → (status, location)
    dynamic: list[dict[str, Any]] = field(default_factory=list)  # {"kind": …, "path": …, …data}
    robots: str = ""
    reports: list[ExpectedReport] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)
    channel_pages: list[str] = field(default_factory=list)  # list pages whose <title> looks like a report
    forbidden: list[str] = field(default_factory=list)  # report-like pages robots.txt disallows
    idioms: list[str] = field(default_factory=list)

    def add_page(
        self, path: str, html: str | bytes, content_type: str = "text/html", charset: str | None = "utf-8"
    ) -> None:
        bare, mark, query = path.partition("?")
        path = (
            (bare + "index.html" if bare.endswith("/") else bare) + mark + query
        )  # as serve.page_key looks up
        if path in self.pages:
            raise ValueError(f"seed {self.seed}: {path} generated twice")
        body = html.encode(charset or "utf-8") if isinstance(html, str) else html
        self.pages[path] = Page(body, content_type, charset)

    def expected(self) -> dict[str, Any]:
        """The answer key as JSON-ready data (paths, not URLs: the port changes per run)."""
        return {
            "seed": self.seed,
            "site_id": self.site_id,
            "name": self.name,
            "home": self.home,
            "reports": [vars(r) for r in self.reports],
            "near_misses": sorted(self.near_misses),
            "channel_pages": sorted(self.channel_pages),
            "forbidden": sorted(self.forbidden),
            "idioms": sorted(set(self.idioms)),
        }

    def digest(self) -> str:
        """One hash over every byte the portal serves and its answer key."""
        h = hashlib.sha256()
        for path in sorted(self.pages):
            page = self.pages[path]
            h.update(f"{path}\0{page.header()}\0".encode())
            h.update(page.body)
        h.update(
            json.dumps(
                [self.redirects, self.dynamic, self.robots, self.expected()],
                sort_keys=True,
                ensure_ascii=False,
            ).encode()
        )
        return h.hexdigest()

    def html_page_count(self) -> int:
        return sum(1 for p in self.pages.values() if p.content_type == "text/html")
