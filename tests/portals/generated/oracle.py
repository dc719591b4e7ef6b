"""A reference crawler that shows every generated portal is crawlable (issue 9: "do not make impossible
portals"): from the home page, within depth 4 (a list's pages count as one level) and 400 fetches, it
reaches every expected report, using only what the pages show and the idioms the domain notes describe
(pager scripts, select options, Hanweb dataproxy, gkmlpt API, URL templates in JS bundles), and never
fetches what robots.txt disallows. It knows nothing of the answer key until it is scored.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urljoin, urlsplit

from tests.portals.generated.harness import normalize
from tests.portals.generated.model import GeneratedPortal
from tests.portals.generated.serve import GeneratedServer

MAX_DEPTH, BUDGET = 4, 400
_ATTR = re.compile(r"""(?:href|src|value)\s*=\s*["']([^"'#]+)["']""", re.IGNORECASE)
_ANCHOR = re.compile(r"""<a\s[^>]*href\s*=\s*["']([^"'#]+)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_PAGER_TEXT = re.compile(r"^\s*(下一页|上一页|尾页|末页|首页|下页|上页|\d+|更多.*)\s*$")
_CREATE = re.compile(r"createPage(?:HTML)?\(([^)]*)\)")
_COUNT = re.compile(r"(?:countPage|pageCount|totalPage|\"total\")\s*[=:]\s*(\d+)")
_TURN = re.compile(r"turnPage\((\d+)\)")
_GOPAGE = re.compile(r"'index_'\+\(n-1\)\+'\.html'")


@dataclass
class OracleResult:
    seed: int
    fetched: int
    reached: set[str] = field(default_factory=set)
    missed: list[str] = field(default_factory=list)
    robots_violations: int = 0


class _Oracle:
    def __init__(self, server: GeneratedServer) -> None:
        self.server = server
        self.robots = urllib.robotparser.RobotFileParser()
        self.robots.parse(server.portal.robots.splitlines())
        self.queue: deque[tuple[str, int, bytes | None]] = deque()
        self.seen: set[str] = set()
        self.reached: set[str] = set()
        self.fetched = 0
        self.current = ""  # URL of the response being read

    def run(self, home: str) -> None:
        self.push(home, 0)
        while self.queue and self.fetched < BUDGET:
            url, depth, post = self.queue.popleft()
            body, final = self.fetch(url, post)
            if body is not None:
                self.current = final
                self.reached.add(normalize(final))
                self.follow(body, final, depth)

    def push(self, url: str, depth: int, post: bytes | None = None) -> None:
        url = urljoin(self.server.base_url + "/", url)
        key = url + (post or b"").decode()
        if (
            depth > MAX_DEPTH
            or key in self.seen
            or urlsplit(url).port != self.server.port
            or not self.robots.can_fetch("fzwatch", url)
            or url.startswith(("javascript:", "mailto:"))
        ):
            return
        self.seen.add(key)
        self.queue.append((url, depth, post))

    def fetch(self, url: str, post: bytes | None) -> tuple[bytes | None, str]:
        self.fetched += 1
        try:
            request = urllib.request.Request(quote(url, safe=":/?&=%;#+,"), data=post)
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.read(), response.geturl()
        except (urllib.error.URLError, OSError, ValueError):
            return None, url

    def follow(self, body: bytes, url: str, depth: int) -> None:
        if b"\x00" in body[:1000] or body.startswith((b"%PDF", b"PK")):
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("gb18030", "replace")
        pager = {
            m[1].strip().replace("&amp;", "&")
            for m in _ANCHOR.finditer(text)
            if _PAGER_TEXT.match(re.sub(r"<[^>]+>", "", m[2]))
        }
        for link in _ATTR.findall(text):
            link = link.replace("&amp;", "&")
            self.push(urljoin(url, link), depth if link in pager else depth + 1)
        for link in self.pages_in_scripts(text):
            self.push(urljoin(url, link), depth)
        self.hanweb(text, url, depth)
        self.gkmlpt(text, depth)
        self.bundle(text, url, depth)

    @staticmethod
    def pages_in_scripts(text: str) -> list[str]:
        out = []
        variables = dict(re.findall(r"var (\w+) = (\d+)", text))
        for call in _CREATE.findall(text):
            args = [variables.get(a.strip(), a.strip().strip("\"'")) for a in call.split(",")]
            if len(args) in (4, 5) and args[0].isdigit():
                pages = int(args[1] if len(args) == 5 else args[0])
                out += [f"{args[-2]}_{k}.{args[-1]}" for k in range(1, pages)]
        if not _CREATE.search(text) and "index_" in text:
            for count in _COUNT.findall(text):
                out += [f"index_{k}.html" for k in range(1, int(count))]
        turns = [int(n) for n in _TURN.findall(text)]
        if turns:
            out += [f"index.html?page={k}" for k in range(2, max(turns) + 1)]
        if _GOPAGE.search(text):
            options = [int(v) for v in re.findall(r'<option value="(\d+)"', text)]
            out += [f"index_{k - 1}.html" for k in options if k > 1]
        return out

    def hanweb(self, text: str, url: str, depth: int) -> None:
        found = re.search(r"dataproxy\.jsp\?([^\"'\]]+)", text)
        total = re.search(r"totalRecord\s*[:=]\s*(\d+)", text)
        if not found or not total or "<datastore>" not in text:
            return
        for record in re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", text, re.DOTALL):
            for link in _ATTR.findall(record):
                self.push(urljoin(url, link), depth + 1)
        params = dict(p.split("=", 1) for p in found[1].replace("&amp;", "&").split("&") if "=" in p)
        for start in range(1, int(total[1]) + 1, 45):
            form = urlencode(
                {**params, "startrecord": start, "endrecord": start + 44, "perpage": 15}
            ).encode()
            self.push("/module/web/jpage/dataproxy.jsp", depth, form)

    def gkmlpt(self, text: str, depth: int) -> None:
        found = re.search(r"window\._CONFIG = (\{.*?\});</script>", text)
        if found:
            config = json.loads(found[1])
            for node in config.get("TREE", []):
                self.push(f"/gkmlpt/api/all/{node['id']}?page=1&sid={config['SID']}", depth)
        if text.startswith("{") and '"articles"' in text:
            data = json.loads(text)
            for article in data.get("articles", []):
                self.push(article["url"], depth + 1)
            count, size = data.get("classify", {}).get("post_count", 0), len(data.get("articles", []))
            base = self.current.split("?")[0]
            sid = re.search(r"sid=(\w+)", self.current)
            first = "page=1&" in self.current  # the page count comes from the first page's size
            for page in range(2, -(-count // max(size, 1)) + 1 if first else 0):
                self.push(f"{base}?page={page}&sid={sid[1] if sid else ''}", depth)

    def bundle(self, text: str, url: str, depth: int) -> None:
        if "function render(rows" not in text:
            return
        api = re.search(r"'(/api/[^'?]+)", text)
        params = re.findall(r"(\w+)[=:] ?(?:' \+ )?p\b", text)
        template = re.search(r"'(/[^']*/detail/)' \+ row\.id \+ '(\.html)'", text)
        if not api or not params:
            return
        rows_path = re.search(r"render\(d((?:\['\w+'\])+)", text)
        for page in range(1, 8):
            data = self.fetch(f"{self.server.base_url}{api[1]}?{params[0]}={page}", None)[0]
            payload = json.loads(data or b"{}")
            for key in re.findall(r"'(\w+)'", rows_path[1] if rows_path else ""):
                payload = payload.get(key, []) if isinstance(payload, dict) else []
            if not payload:
                break
            for row in payload:
                link = row.get("url") or (f"{template[1]}{row['id']}{template[2]}" if template else "")
                self.push(link, depth + 1)


def crawl(portal: GeneratedPortal) -> OracleResult:
    """Run the reference crawler over one served portal and score it against the answer key."""
    with GeneratedServer(portal) as server:
        oracle = _Oracle(server)
        oracle.run(portal.home)
        violations = len(server.disallowed_requests("fzwatch"))
    result = OracleResult(portal.seed, oracle.fetched, oracle.reached, robots_violations=violations)
    for report in portal.reports:
        if not {normalize(u) for u in report.urls()} & oracle.reached:
            result.missed.append(report.url)
    return result
