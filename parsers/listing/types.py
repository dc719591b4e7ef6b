"""What a list page leads to: links, other list pages, attachments, list-API requests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Link:
    """One ``<a>`` on a list page (or one row of a list API)."""

    url: str  # absolute, canonical
    text: str  # anchor text, or the title attribute when the text is empty or truncated
    date: str | None = None  # "YYYY-MM-DD" found in the same list row
    source: str = ""  # canonical URL of the page the link was found on


@dataclass
class ApiRequest:
    """A JSON/XML list endpoint to fetch; read its answer with the matching ``read_*``."""

    url: str  # absolute; for GET it carries every parameter
    # "jpage" (read_jpage_records) | "gkmlpt" (read_gkmlpt) | "json" (read_json_list; GET, or POST of a
    # form) | "json_body" (read_json_list; POST of ``data`` as a JSON object, as axios sends it)
    kind: str
    method: str = "GET"
    data: dict[str, str] | None = None  # POST body: a form, or a JSON object for "json_body"
    # Detail-URL template for rows that carry only an id (``http://x/detail/{id}.html``; the braces name
    # the row's field), read from the script that calls the API (``read_script_apis``).
    detail: str | None = None


@dataclass
class Listing:
    """What one list page (or list API answer) leads to."""

    url: str
    links: list[Link] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)  # absolute canonical URLs of other list pages
    attachments: list[str] = field(default_factory=list)  # absolute canonical URLs
    api_requests: list[ApiRequest] = field(default_factory=list)
    error: str | None = None  # set when the page broke a reader: the listing is empty, the crawl counts it
    scripts: list[str] = field(default_factory=list)  # same-site scripts the page loads (app code first)
    last_page_known: bool = False  # the page says where its list ends (尾页, 共M页, a script's page count)
    is_shell: bool = False  # almost no text and no list rows, but scripts: the list is built by JavaScript
