"""Serve a fixture government portal (``tests/portals/sites/<name>/``) on 127.0.0.1.

Usable as a pytest fixture (see ``tests/conftest``-free usage in ``tests/test_portal_server.py``)::

    with PortalServer("trs") as server:
        urllib.request.urlopen(server.url("/index.html"))
        assert server.count("/zwgk/") == 1

and by hand::

    python -m tests.portals.server trs --port 8001

Static files come from the site directory. A page requested with a query string is looked up as
``<path>@<sorted query>`` (e.g. ``tzgg/index.html@page=3``), then as ``<path>`` itself. Each site's
``site.json`` declares response headers, ignored query parameters and dynamic endpoints
(``jpage``, ``gkmlpt``, ``json_list``, ``calendar``, ``repeat_list``, ``redirect_loop``, ``big``).

Runtime hooks (thread-safe): ``set_page``, ``mutate``, ``replace_text``, ``add_list_item``,
``remove_page``, ``challenge``, ``serve_encoding``, ``add_route``, ``reset``.
Every request is logged as a ``RequestRecord`` in ``server.requests``.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import logging
import math
import mimetypes
import re
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

logger = logging.getLogger(__name__)

SITES_DIR = Path(__file__).resolve().parent / "sites"
BASE_LAST_MODIFIED = 1711843200.0  # 2024-03-31 00:00:00 UTC: Last-Modified of every unmodified file


@dataclass
class RequestRecord:
    """One request the server answered."""

    path: str  # path with query string, as requested
    method: str
    status: int
    bytes_sent: int  # body bytes
    user_agent: str
    headers: dict[str, str] = field(default_factory=dict)  # request headers
    body: bytes = b""  # request body (POST)
    time: float = 0.0


@dataclass
class Response:
    """What a route or hook returns."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True  # send ETag/Last-Modified and answer 304


@dataclass
class Request:
    """A parsed request handed to dynamic routes."""

    method: str
    path: str  # path only, unquoted
    query: dict[str, str]  # first value of each parameter (GET query + POST form)
    headers: dict[str, str]  # lowercased names
    body: bytes
    query_string: str = ""  # raw query string


@dataclass
class _Page:
    body: bytes
    content_type: str | None
    last_modified: float


@dataclass
class _Challenge:
    kind: str
    remaining: int | None  # None: always


RUISHU_BODY = (
    b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    b'<meta id="9DhefwqGPrzGxEp9hPaoag" content="fake">'
    b"<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=52481;"
    b'$_ts.cd="qXcrrpAlEqGwcqAlqXGrqpl";</script>'
    b'<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js"></script>'
    b"</head><body></body></html>"
)
JIASULE_BODY = (
    b"<html><script>document.cookie=('_')+('_')+('jsl_cl')+('earance_s')+('=')+"
    b"('1711843200.123|0|')+('abcDEF%3D');location.href=location.pathname+location.search</script></html>"
)
JS_SHELL_BODY = (
    b"<html><script>document.cookie='sl_sec=abc; path=/';window.location.reload();</script></html>"
)


class PortalServer:
    """A threaded HTTP server for one fixture site on 127.0.0.1.

    ``site`` is a name under ``tests/portals/sites`` or a directory path; ``port=0`` picks a free
    port (read ``server.port`` / ``server.base_url`` after ``start()``).
    """

    def __init__(self, site: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        path = Path(site)
        self.site_dir = path if path.is_dir() else SITES_DIR / str(site)
        if not self.site_dir.is_dir():
            raise FileNotFoundError(f"no fixture site at {self.site_dir}")
        self.name = self.site_dir.name
        self.config: dict[str, Any] = _load_json(self.site_dir / "site.json")
        self.host, self._wanted_port = host, port
        self.requests: list[RequestRecord] = []
        self._lock = threading.RLock()
        self._overrides: dict[str, _Page] = {}
        self._removed: set[str] = set()
        self._challenges: dict[str, _Challenge] = {}
        self._encodings: dict[str, tuple[str, bool]] = {}
        self._routes: dict[str, Callable[[Request], Response]] = {}
        self._data: dict[str, Any] = {}  # runtime copies of dynamic-endpoint data
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._install_dynamic_routes()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> PortalServer:
        handler = type("Handler", (_Handler,), {"portal": self})
        self._httpd = ThreadingHTTPServer((self.host, self._wanted_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"portal-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # ------------------------------------------------------------------ request log

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, prefix: str = "", method: str | None = None) -> int:
        """Number of logged requests whose path starts with ``prefix``."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(prefix) and method in (None, r.method))

    def bytes_sent(self, prefix: str = "") -> int:
        with self._lock:
            return sum(r.bytes_sent for r in self.requests if r.path.startswith(prefix))

    def robots(self) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser()
        robots = self.site_dir / "robots.txt"
        parser.parse(robots.read_text("utf-8").splitlines() if robots.exists() else [])
        return parser

    def disallowed_requests(self, user_agent: str = "*") -> list[RequestRecord]:
        """Logged requests that robots.txt forbids for ``user_agent``."""
        parser = self.robots()
        with self._lock:
            return [r for r in self.requests if not parser.can_fetch(user_agent, self.url(r.path))]

    # ------------------------------------------------------------------ hooks

    def set_page(self, path: str, body: bytes | str, content_type: str | None = None) -> None:
        """Serve ``body`` at ``path`` (new page or replacement) from now on."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._overrides[_key(path)] = _Page(data, content_type, _next_second())
            self._removed.discard(_key(path))

    def mutate(self, path: str, change: Callable[[str], str]) -> None:
        """Apply ``change`` to the page's current UTF-8 text (e.g. revise the report body)."""
        current = self.page_bytes(path)
        if current is None:
            raise KeyError(path)
        self.set_page(path, change(current.decode("utf-8")))

    def replace_text(self, path: str, old: str, new: str, count: int = 1) -> None:
        """Replace ``old`` by ``new`` in the page; raises when ``old`` is absent."""

        def change(text: str) -> str:
            if old not in text:
                raise ValueError(f"{old!r} not in {path}")
            return text.replace(old, new, count)

        self.mutate(path, change)

    def bump_view_counter(self, path: str) -> None:
        """Change only chrome: increment ``浏览次数`` (``<span class="views">N</span>``)."""

        def change(text: str) -> str:
            return re.sub(
                r'(<span class="views">)(\d+)(</span>)', lambda m: f"{m[1]}{int(m[2]) + 1}{m[3]}", text
            )

        self.mutate(path, change)

    def add_list_item(self, list_path: str, item_html: str, marker: str = "<!--LIST-->") -> None:
        """Insert a row at the top of a list page (the list starts after ``marker``)."""
        self.replace_text(list_path, marker, marker + "\n" + item_html)

    def remove_page(self, path: str) -> None:
        """Answer 404 for ``path`` from now on."""
        with self._lock:
            self._removed.add(_key(path))

    def challenge(self, path: str, kind: str, times: int | None = None) -> None:
        """Answer ``path`` (or every path under a prefix ending in ``*``) with an anti-bot challenge.

        ``kind``: "ruishu" (412 + ``$_ts``), "jiasule" (521 document.cookie shell), "cookie_shell"
        (302 to itself setting a cookie; a request carrying the cookie passes), "js_shell" (200 tiny
        JS page). ``times``: how many requests get the challenge (None: all).
        """
        with self._lock:
            self._challenges[path] = _Challenge(kind, times)

    def serve_encoding(self, path: str, encoding: str = "gbk", declare: bool = True) -> None:
        """Re-encode ``path`` to ``encoding``; ``declare`` puts the charset in Content-Type."""
        with self._lock:
            self._encodings[_key(path)] = (encoding, declare)

    def add_route(self, path: str, handler: Callable[[Request], Response]) -> None:
        """Answer ``path`` (any query) with ``handler(request)``."""
        with self._lock:
            self._routes[path] = handler

    def add_jpage_record(self, columnid: str, record_html: str) -> None:
        """Put a new row at the top of a Hanweb column (dataproxy.jsp answers change)."""
        with self._lock:
            self._data.setdefault(f"jpage:{columnid}", []).insert(0, record_html)

    def add_gkmlpt_article(self, category: str, article: dict[str, Any]) -> None:
        """Put a new article at the top of a gkmlpt category."""
        with self._lock:
            self._data.setdefault(f"gkmlpt:{category}", []).insert(0, article)

    def add_json_item(self, item: dict[str, Any]) -> None:
        """Put a new row at the top of the generic JSON list API."""
        with self._lock:
            self._data.setdefault("json_list", []).insert(0, item)

    def reset(self) -> None:
        """Drop every runtime change (pages, challenges, encodings, dynamic data)."""
        with self._lock:
            self._overrides.clear()
            self._removed.clear()
            self._challenges.clear()
            self._encodings.clear()
            self._data.clear()
            self._routes.clear()
        self._install_dynamic_routes()

    # ------------------------------------------------------------------ content

    def page_bytes(self, path: str) -> bytes | None:
        """Current bytes of a static (or overridden) page, without encoding hooks."""
        page = self._lookup(path, "")
        return page.body if page else None

    def _lookup(self, path: str, query: str) -> _Page | None:
        candidates = [_key(path, query), _key(path)] if query else [_key(path)]
        for key in candidates:
            with self._lock:
                if key in self._removed:
                    return None
                if key in self._overrides:
                    return self._overrides[key]
            file = self._file_for(key)
            if file is not None:
                return _Page(file.read_bytes(), None, BASE_LAST_MODIFIED)
        return None

    def _file_for(self, key: str) -> Path | None:
        path, _, query = key.partition("@")
        root = self.site_dir.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if root not in candidate.parents and candidate != root:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if query:
            candidate = candidate.with_name(f"{candidate.name}@{query}")
        return candidate if candidate.is_file() else None

    def _content_type(self, path: str, page: _Page) -> str:
        if page.content_type:
            return page.content_type
        for prefix, value in sorted(self.config.get("content_types", {}).items(), key=lambda kv: -len(kv[0])):
            if path.startswith(prefix):
                return str(value)
        guessed = mimetypes.guess_type(path.rstrip("/") or "index.html")[0]
        if path.endswith(("/", ".php", ".jsp")) or guessed is None:
            guessed = "text/html"
        if guessed.startswith("text/") or guessed in ("application/json", "application/xml"):
            charset = self.config.get("charset", "utf-8")
            return f"{guessed}; charset={charset}" if charset else guessed
        return guessed

    def _take_challenge(self, path: str, cookies: str) -> str | None:
        with self._lock:
            for pattern, item in self._challenges.items():
                hit = path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern
                if not hit or item.remaining == 0:
                    continue
                if item.kind == "cookie_shell" and "CT6T=" in cookies:
                    return None
                if item.remaining is not None:
                    item.remaining -= 1
                return item.kind
        return None

    def respond(self, request: Request, raw_path: str) -> Response:
        """Build the response for one request (used by the handler)."""
        kind = self._take_challenge(request.path, request.headers.get("cookie", ""))
        if kind:
            return _challenge_response(kind, raw_path)
        route = self._route_for(request.path)
        if route is not None:
            return route(request)
        query = _canonical_query(request.query_string, self.config.get("ignore_params", []))
        page = self._lookup(request.path, query)
        if page is None:
            return self._not_found()
        response = Response(200, page.body, {"Content-Type": self._content_type(request.path, page)})
        response.headers["Last-Modified"] = email.utils.formatdate(page.last_modified, usegmt=True)
        return self._encode(request.path, response)

    def _route_for(self, path: str) -> Callable[[Request], Response] | None:
        with self._lock:
            if path in self._routes:
                return self._routes[path]
            for prefix, route in self._routes.items():
                if prefix.endswith("*") and path.startswith(prefix[:-1]):
                    return route
        return None

    def _encode(self, path: str, response: Response) -> Response:
        with self._lock:
            setting = self._encodings.get(_key(path))
        if setting is None:
            return response
        encoding, declare = setting
        text = response.body.decode("utf-8")
        text = text.replace('charset="utf-8"', f'charset="{encoding}"').replace(
            "charset=utf-8", f"charset={encoding}"
        )
        response.body = text.encode(encoding, errors="xmlcharrefreplace")
        response.headers["Content-Type"] = f"text/html; charset={encoding}" if declare else "text/html"
        return response

    def _not_found(self) -> Response:
        page = self.site_dir / "404.html"
        body = page.read_bytes() if page.exists() else b"<html><body><h1>404 Not Found</h1></body></html>"
        return Response(404, body, {"Content-Type": "text/html; charset=utf-8"}, conditional=False)

    # ------------------------------------------------------------------ dynamic endpoints

    def _install_dynamic_routes(self) -> None:
        for spec in self.config.get("dynamic", []):
            factory = _DYNAMIC[spec["kind"]]
            self._routes[spec["path"]] = factory(self, spec)

    def dynamic_rows(self, key: str, spec: dict[str, Any]) -> list[Any]:
        """Rows of a dynamic list (the data file plus runtime additions)."""
        with self._lock:
            if key not in self._data:
                self._data[key] = list(_load_json(self.site_dir / spec["data"]).get("rows", []))
            return list(self._data[key])


class _Handler(BaseHTTPRequestHandler):
    portal: PortalServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self._serve(send_body=True)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _serve(self, send_body: bool) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = self._request(body)
        try:
            response = self.portal.respond(request, self.path)
        except Exception:  # a broken hook must show up as a 500, not a hung client
            logger.exception("portal handler failed for %s", self.path)
            response = Response(500, b"internal error", {"Content-Type": "text/plain"}, conditional=False)
        response = _conditional(response, self.headers) if self.command in ("GET", "HEAD") else response
        record = RequestRecord(
            path=self.path,
            method=self.command,
            status=response.status,
            bytes_sent=len(response.body) if send_body else 0,
            user_agent=self.headers.get("User-Agent", ""),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            time=time.time(),
        )
        with self.portal._lock:  # logged before answering, so a client never sees an unlogged response
            self.portal.requests.append(record)
        self._send(response, send_body)

    def _request(self, body: bytes) -> Request:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        path = path.split(";", 1)[0] if ";jsessionid=" in path.lower() else path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if self.command == "POST" and "form" in (self.headers.get("Content-Type") or "form"):
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            query.update({k: v[0] for k, v in form.items()})
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(self.command, path, query, headers, body, parts.query)

    def _send(self, response: Response, send_body: bool) -> None:
        self.send_response(response.status)
        headers = {"Content-Length": str(len(response.body)), **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and response.body:
            try:
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                logger.debug("client went away during %s", self.path)


def _conditional(response: Response, headers: Any) -> Response:
    if response.status != 200 or not response.conditional:
        return response
    etag = '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"'
    response.headers["ETag"] = etag
    response.headers.setdefault("Last-Modified", email.utils.formatdate(BASE_LAST_MODIFIED, usegmt=True))
    if_none = headers.get("If-None-Match")
    if if_none is not None:
        matched = etag in [t.strip() for t in if_none.split(",")] or if_none.strip() == "*"
    else:
        matched = _not_modified_since(headers.get("If-Modified-Since"), response.headers["Last-Modified"])
    if matched:
        return Response(304, b"", {"ETag": etag, "Last-Modified": response.headers["Last-Modified"]})
    return response


def _not_modified_since(since: str | None, last_modified: str) -> bool:
    if not since:
        return False
    try:
        since_ts = email.utils.parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False
    return email.utils.parsedate_to_datetime(last_modified).timestamp() <= since_ts


def _challenge_response(kind: str, raw_path: str) -> Response:
    html = {"Content-Type": "text/html"}
    if kind == "ruishu":
        return Response(412, RUISHU_BODY, html, conditional=False)
    if kind == "jiasule":
        return Response(521, JIASULE_BODY, html, conditional=False)
    if kind == "cookie_shell":
        headers = {"Location": raw_path, "Set-Cookie": "CT6T=312900; path=/"}
        return Response(302, b"", headers, conditional=False)
    if kind == "js_shell":
        return Response(200, JS_SHELL_BODY, html, conditional=False)
    raise ValueError(f"unknown challenge kind {kind!r}")


def _key(path: str, query: str = "") -> str:
    path = unquote(path.split("?", 1)[0]) or "/"
    return f"{path}@{query}" if query else path


def _canonical_query(query: str, ignore: Iterable[str]) -> str:
    ignored = {i.lower() for i in ignore}
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() not in ignored]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _next_second() -> float:
    return float(math.floor(time.time()) + 1)


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


# ---------------------------------------------------------------------- dynamic route factories


def _jpage_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """Hanweb ``dataproxy.jsp``: rows of column ``columnid`` from ``startrecord`` to ``endrecord``."""

    def handle(request: Request) -> Response:
        column = request.query.get("columnid", "")
        if column not in spec["columns"]:
            return Response(200, b'<?xml version="1.0" encoding="utf-8"?><datastore></datastore>')
        rows = portal.dynamic_rows(f"jpage:{column}", {"data": spec["columns"][column]})
        start = max(int(request.query.get("startrecord") or 1), 1)
        end = min(int(request.query.get("endrecord") or start + 44), len(rows))
        records = "".join(f"<record><![CDATA[{row}]]></record>\n" for row in rows[start - 1 : end])
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><datastore>'
            f"<nextgroup><![CDATA[]]></nextgroup><recordset>\n{records}</recordset>"
            f"<totalrecord>{len(rows)}</totalrecord><totalpage>{math.ceil(len(rows) / 15)}</totalpage></datastore>"
        )
        return Response(200, xml.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8"})

    return handle


def _gkmlpt_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """gkmlpt ``/gkmlpt/api/all/{cat}?page=N&sid=…``: ``page_size`` rows; pages 0 and 1 are equal."""

    def handle(request: Request) -> Response:
        category = request.path.rstrip("/").rsplit("/", 1)[-1]
        if request.query.get("sid") != spec["sid"] or category not in spec["categories"]:
            return Response(200, b'{"classify":{"post_count":0},"articles":[]}', _JSON)
        rows = portal.dynamic_rows(f"gkmlpt:{category}", {"data": spec["categories"][category]})
        size = int(spec.get("page_size", 100))
        page = max(int(request.query.get("page") or 1), 1)  # page 0 answers like page 1
        host = "http://" + request.headers.get("host", "127.0.0.1")
        body = {
            "classify": {"id": int(category), "post_count": len(rows)},
            "articles": [_absolute_urls(row, host) for row in rows[(page - 1) * size : page * size]],
        }
        return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), _JSON)

    return handle


def _absolute_urls(article: dict[str, Any], host: str) -> dict[str, Any]:
    """gkmlpt answers carry absolute URLs; the data files keep paths so any port works."""
    article = dict(article)
    if str(article.get("url", "")).startswith("/"):
        article["url"] = host + article["url"]
    article["attachment"] = [
        {**item, "url": host + item["url"] if item["url"].startswith("/") else item["url"]}
        for item in article.get("attachment", [])
    ]
    return article


def _json_list_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """Generic JSON list: ``?pageNo=N&pageSize=M`` → ``{"total": T, "data": {"list": [...]}}``."""

    def handle(request: Request) -> Response:
        rows = portal.dynamic_rows("json_list", spec)
        size = int(request.query.get("pageSize") or spec.get("page_size", 10))
        page = max(int(request.query.get("pageNo") or 1), 1)
        body = {
            "code": 200,
            "total": len(rows),
            "pageNo": page,
            "data": {"list": rows[(page - 1) * size : page * size]},
        }
        return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), _JSON)

    return handle


def _calendar_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """A calendar with 上一月/下一月 links forever (a crawler trap)."""

    def handle(request: Request) -> Response:
        year, month = (int(x) for x in (request.query.get("month") or "2024-03").split("-")[:2])
        prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
        days = "".join(f'<a href="?month={year}-{month:02d}&day={d}">{d}</a> ' for d in range(1, 29))
        html = (
            f"<html><head><meta charset='utf-8'><title>活动日历 {year}年{month}月</title></head><body>"
            f"<h1>{year}年{month}月</h1><a href='?month={prev_y}-{prev_m:02d}'>上一月</a> "
            f"<a href='?month={next_y}-{next_m:02d}'>下一月</a><div class='days'>{days}</div></body></html>"
        )
        return Response(200, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})

    return handle


def _repeat_list_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """A list whose every ``?page=N`` repeats page 1 and links to N+1 (a crawler trap)."""
    rows = _load_json(portal.site_dir / spec["data"]).get("rows", [])

    def handle(request: Request) -> Response:
        page = int(request.query.get("page") or 1)
        items = "".join(
            f'<li><a href="{r["url"]}">{r["title"]}</a><span>{r["date"]}</span></li>' for r in rows
        )
        html = (
            "<html><head><meta charset='utf-8'><title>动态列表</title></head><body>"
            f"<ul class='list'>{items}</ul><div class='page'><a href='?page={page + 1}'>下一页</a></div>"
            "</body></html>"
        )
        return Response(200, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})

    return handle


def _redirect_loop_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """``…/a`` → 302 ``…/b`` → 302 ``…/a``."""
    base = spec["path"].rstrip("*")

    def handle(request: Request) -> Response:
        target = base + ("b" if request.path.endswith("a") else "a")
        return Response(302, b"", {"Location": target}, conditional=False)

    return handle


def _big_route(portal: PortalServer, spec: dict[str, Any]) -> Callable[[Request], Response]:
    """A page of ``size`` bytes (default 5 MB), generated so the repository stays small."""
    size = int(spec.get("size", 5 * 1024 * 1024))
    head = "<html><head><meta charset='utf-8'><title>超大页面</title></head><body><p>".encode()
    tail = b"</p></body></html>"
    filler = "法治政府建设动态。".encode() * (size // 27 + 1)
    body = head + filler[: size - len(head) - len(tail)] + tail

    def handle(request: Request) -> Response:
        return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})

    return handle


_JSON = {"Content-Type": "application/json; charset=utf-8"}
_DYNAMIC: dict[str, Callable[[PortalServer, dict[str, Any]], Callable[[Request], Response]]] = {
    "jpage": _jpage_route,
    "gkmlpt": _gkmlpt_route,
    "json_list": _json_list_route,
    "calendar": _calendar_route,
    "repeat_list": _repeat_list_route,
    "redirect_loop": _redirect_loop_route,
    "big": _big_route,
}


def site_names() -> list[str]:
    return sorted(p.name for p in SITES_DIR.iterdir() if p.is_dir()) if SITES_DIR.is_dir() else []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fixture government portal on 127.0.0.1.")
    parser.add_argument("site", choices=site_names())
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    server = PortalServer(args.site, host=args.host, port=args.port).start()
    print(f"serving {args.site} at {server.base_url}/  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
