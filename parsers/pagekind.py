"""What kind of page a fetched body is, judged from its STRUCTURE, never from its title.

``page_kind(url, body, headers=None, status=200, text=None) -> PageKind(kind, reasons)``:

- ``attachment``: a PDF/DOCX/DOC/WPS/OFD file (magic bytes, then Content-Type, then extension);
- ``challenge``: an anti-bot answer (``parsers.listing.detect_block``: 瑞数 412, 加速乐 521, cookie shells);
- ``list``: a channel, column, search result or 信息公开目录 page — its rows are what matters. Told by a
  data island with records (Hanweb ``<datastore><record>``), a run of repeated dated rows (``<li>``/``<tr>``
  holding one link and a date) that outweighs the prose, or a page that is mostly link text;
- ``shell``: almost no visible text, the content comes from scripts (a JS app or a JSON-list shell);
- ``detail``: everything else — an article with prose paragraphs (even a short one that only says
  详见附件, even with a long related-links block and footers).

Why structure: a channel may be named exactly like the report ("法治政府建设年度报告" column) and an
article's title says nothing about whether the page is a list. Reasons are short and readable in Chinese
("链接文字占比 82%，24 行带日期的列表"). Pure: no network, no database; never raises on bad input.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from parsers.decode import decode_body
from parsers.formats import detect_kind
from parsers.htmltext import element_text
from parsers.listing.blocks import detect_block

KINDS = ("detail", "list", "shell", "attachment", "challenge")
KIND_LABELS = {
    "detail": "正文页",
    "list": "列表页",
    "shell": "脚本外壳页",
    "attachment": "附件文件",
    "challenge": "反爬验证页",
}  # for people (CLI, reasons)

# Tunables (measured on the fixture portals, /work/shared/realpages and generated lists; see tests).
MIN_ROW_RUN = 5  # dated rows in one container that make a list (a related-links block has fewer, or is aside)
MIN_ISLAND_RECORDS = 3  # Hanweb datastore records that make a list
SHORT_ROW = 60  # non-link characters a list row may hold (a date, a source, an index)
SUMMARY_ROW = 300  # … when the row starts with its title link: a news list with summaries
PROSE_LINE = 30  # a line of this many non-link characters is a paragraph, not a row or a label
PROSE_PER_ROW = 45  # a list's prose stays below this many characters per dated row
SUBSTANTIAL_PROSE = 1200  # prose this long is an article whatever else the page holds
SHELL_TEXT = 120  # visible non-link characters below which a scripted page is a shell
LINK_SHARE_LIST = 0.7  # a dateless list: link text is this share of the visible text …
MIN_LINK_ROWS = 12  # … spread over this many link rows in one container
HIDDEN_BODY = 200  # an extracted body this long that is not visible text comes from a script

_DATE_RE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|(?<!\d)\d{1,2}-\d{1,2}(?!\d)")
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_ROW_TAGS = frozenset(("li", "tr", "dd", "dt", "p", "div", "span", "td", "section", "article"))
_WRAPPER_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "font", "label"))
_SUMMARY_ROW_TAGS = frozenset(("li", "dd", "div", "article", "section"))
_ASIDE_RE = re.compile(r"相关|推荐|热点|热门|排行|延伸|猜你|阅读|上一篇|下一篇|最新|友情链接")
_ASIDE_ATTR_RE = re.compile(
    r"relat|xg(?:lj|wz|wj|xx|yd|nr)|recommend|tuijian|\bhot|rank|\bside|aside|foot|friend|yqlj", re.IGNORECASE
)
_FOOTER_RE = re.compile(
    r"版权所有|ICP备|公网安备|网站标识码|主办单位|承办单位|技术支持|联系电话|联系我们|地址[:：]"
)
_PAGING_RE = re.compile(
    r"下一页|尾页|末页|共\s*\d+\s*页|第\s*\d+\s*页|createPageHTML|createPage\(|countPage|PageNo="
)
_DETAIL_MARKS = (
    ("发布时间", re.compile(r"(?:发布|成文|更新)(?:时间|日期)\s*[:：]")),
    ("来源", re.compile(r"(?:信息|文章)?来源\s*[:：]")),
    ("字号", re.compile(r"字[号体]\s*[:：]?\s*[\[【]?\s*大\s*中\s*小")),
    ("打印", re.compile(r"打印本?页|关闭窗口")),
    ("上一篇", re.compile(r"上一篇|下一篇")),
)
_ATTACHMENT_POINTER_RE = re.compile(r"详见附件|见附件|附件下载|点击下载|下载附件|附件[:：]")
_ATTACHMENT_HREF_RE = re.compile(r"\.(?:pdf|docx?|wps|ofd|xlsx?)(?:$|[?#])", re.IGNORECASE)
_BUNDLE_RE = re.compile(
    r"chunk-vendors|app\.[0-9a-f]{6,}\.js|\$\.ajax|fetch\(|axios|new Vue|ReactDOM|id=\"app\""
)
_SKIP_XPATH = (
    "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template or ancestor::select"
)


@dataclass(frozen=True)
class PageKind:
    """A page's kind and the structural facts behind it (short, Chinese-readable)."""

    kind: str  # detail | list | shell | attachment | challenge
    reasons: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_document(self) -> bool:
        """A page that may be a report itself (detail or attachment)."""
        return self.kind in ("detail", "attachment")


@dataclass
class _Features:
    visible: int = 0  # visible characters (no whitespace)
    link_chars: int = 0
    script_chars: int = 0
    rows: int = 0  # dated rows counted for the list (not aside)
    aside_rows: int = 0
    run: int = 0  # the longest run of dated rows in one container (not aside)
    link_run: int = 0  # the longest run of link rows in one container (dated or not)
    records: int = 0  # Hanweb data-island records with a link
    prose: int = 0  # characters in prose lines (non-link text, not rows, not footers)
    paragraphs: int = 0
    paging: bool = False
    detail_marks: list[str] = field(default_factory=list)
    points_to_attachment: bool = False
    bundle: bool = False
    links: int = 0  # links with text

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def page_kind(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
    text: str | None = None,
    html: str | None = None,
    root: Any = None,
) -> PageKind:
    """Judge ``body`` (fetched from ``url``). ``text``: the body text an extractor already found (a page
    whose body lives in a script variable, like gkmlpt's ``_CONFIG.DETAIL``, is then not a shell).
    ``html``/``root``: the page already decoded and parsed by the caller (parse each page once)."""
    body = body or b""
    try:
        block = detect_block(status, headers, body, url)
    except Exception:  # noqa: BLE001 - a parser never raises on bad input
        block = None
    if block:
        return PageKind("challenge", (f"反爬验证页（{block}，HTTP {status}）",))
    try:
        fmt = detect_kind(url, body, headers)
    except Exception:  # noqa: BLE001
        fmt = "html"
    if fmt != "html":
        return PageKind("attachment", (f"{fmt.upper()} 文件",))
    try:
        features = _features(html if html is not None else decode_body(body, headers), root)
    except (etree.ParserError, ValueError, TypeError):
        return PageKind("detail", ("无法解析为 HTML，按正文页处理",))
    return _decide(features, text)


# -- the decision ----------------------------------------------------------------------------------


def _decide(f: _Features, text: str | None) -> PageKind:
    stats = f.as_dict()
    share = f.link_chars / f.visible if f.visible else 0.0
    facts = f"链接文字占比 {share:.0%}，正文 {f.prose} 字（{f.paragraphs} 段）"
    if f.records >= MIN_ISLAND_RECORDS:
        return PageKind("list", (f"数据岛（datastore）含 {f.records} 条记录", facts), stats)
    if f.prose >= SUBSTANTIAL_PROSE and f.prose >= PROSE_PER_ROW * 2 * f.run:
        return PageKind("detail", (f"正文 {f.prose} 字（{f.paragraphs} 段）", _rows_fact(f)), stats)
    if f.run >= MIN_ROW_RUN and f.prose < PROSE_PER_ROW * f.run:
        if not (f.points_to_attachment and not f.paging and f.detail_marks and f.run < 3 * MIN_ROW_RUN):
            return PageKind(
                "list", (f"{f.run} 行带日期的列表" + ("，有翻页" if f.paging else ""), facts), stats
            )
        # 详见附件: a short article whose only body is its attachment, beside a list of other articles.
        return PageKind(
            "detail", ("正文指向附件（详见附件）", "，".join(f.detail_marks), _rows_fact(f)), stats
        )
    if f.link_run >= MIN_LINK_ROWS and share >= LINK_SHARE_LIST and f.prose < 300:
        return PageKind("list", (f"链接文字占比 {share:.0%}，{f.link_run} 行链接", facts), stats)
    non_link = f.visible - f.link_chars
    extracted = len(re.sub(r"\s", "", text or ""))
    if extracted >= HIDDEN_BODY and extracted > f.visible:
        # The body is not in the visible HTML: it sits in a script variable (gkmlpt _CONFIG.DETAIL).
        return PageKind("detail", (f"正文在脚本数据中（{extracted} 字）",), stats)
    # An article's labels (发布时间, 来源, 打印) or a pointer to its attachment make a short scripted page
    # (a view counter through $.ajax) an article, not a shell.
    article_like = f.points_to_attachment or len(f.detail_marks) >= 2
    if non_link < SHELL_TEXT and not article_like and (f.bundle or f.script_chars > 2 * max(f.visible, 1)):
        return PageKind(
            "shell",
            (
                f"几乎没有文字（{non_link} 字），内容由脚本生成"
                + (f"（脚本 {f.script_chars} 字）" if f.script_chars else ""),
            ),
            stats,
        )
    if f.prose == 0 and f.paging and f.run >= 2:
        # No prose at all, dated rows and a pager: a short list page even when one row links a file.
        return PageKind("list", (f"没有正文段落，{f.run} 行带日期的链接，有翻页", facts), stats)
    if f.prose == 0 and not f.points_to_attachment and f.links:
        return PageKind("list", (f"没有正文段落，只有 {f.links} 个链接", facts), stats)
    reasons = [f"正文 {f.prose} 字（{f.paragraphs} 段）"]
    if f.points_to_attachment:
        reasons.append("正文指向附件")
    if f.detail_marks:
        reasons.append("有" + "、".join(f.detail_marks))
    reasons.append(_rows_fact(f))
    return PageKind("detail", tuple(reasons), stats)


def _rows_fact(f: _Features) -> str:
    if f.run:
        return f"另有 {f.run} 行带日期的链接" + (f"，{f.aside_rows} 行相关链接" if f.aside_rows else "")
    return "无带日期的列表"


# -- the structure ---------------------------------------------------------------------------------


def _features(html: str, root: Any = None) -> _Features:
    f = _Features()
    f.records = sum(1 for record in _RECORD_RE.findall(html) if "href" in record.lower())
    f.paging = bool(_PAGING_RE.search(html))
    f.bundle = bool(_BUNDLE_RE.search(html))
    root = root if root is not None else _parse(html)
    if root is None:
        return f
    f.script_chars = sum(len(s.text or "") for s in root.iter("script") if not _is_data_island(s))
    body = root.find("body") if root.find("body") is not None else root
    _count_text(body, f)
    rows = _dated_rows(body)
    _count_rows(rows, f)
    f.link_run = _longest_link_run(body)
    f.links = sum(1 for a in _links(body) if _squash(a.text_content()))
    page_text = element_text(body)
    f.detail_marks = [name for name, regex in _DETAIL_MARKS if regex.search(page_text)]
    f.points_to_attachment = bool(_ATTACHMENT_POINTER_RE.search(page_text)) or _has_attachment_link(
        body, rows
    )
    _count_prose(body, rows, f)
    return f


def _parse(html: str) -> Any:
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _is_data_island(script: Any) -> bool:
    return (script.get("type") or "").lower() in ("text/xml", "application/xml")


def _count_text(body: Any, f: _Features) -> None:
    for node in body.xpath(f".//text()[not({_SKIP_XPATH})]"):
        size = len(re.sub(r"\s", "", str(node)))
        if not size:
            continue
        f.visible += size
        parent = node.getparent()
        if parent is not None and (parent.tag == "a" or parent.xpath("ancestor::a")):
            f.link_chars += size


def _links(el: Any) -> list[Any]:
    href_ok = ("javascript:", "mailto:", "#")
    return [
        a
        for a in el.iter("a")
        if (a.get("href") or "").strip() and not (a.get("href") or "").strip().lower().startswith(href_ok)
    ]


def _dated_rows(body: Any) -> list[Any]:
    """Elements that hold exactly one link and a date outside it, with little else (or, for a ``li``/``dd``/
    ``div`` row that starts with its link, a short summary): list rows."""
    rows: list[Any] = []
    seen: set[int] = set()
    for anchor in _links(body):
        anchor_text = _squash(anchor.text_content())
        if len(anchor_text) < 4 and len(_squash(anchor.get("title") or "")) < 4:
            continue
        node = anchor
        for _ in range(4):
            node = node.getparent()
            if node is None:
                break
            if node.tag in _WRAPPER_TAGS:  # <h3><a>…</a></h3>, <strong><a>…</a></strong>
                continue
            if node.tag not in _ROW_TAGS or len(_links(node)) > 1:
                break
            # Text nodes joined with spaces: cells "1" and "11-14" must not run together into "111-14".
            rest = " ".join(t.strip() for t in node.xpath(".//text()[not(ancestor::a)]") if t.strip())
            if len(_squash(rest)) > _rest_limit(node, anchor_text):
                break  # a paragraph that mentions a link and a date is prose, not a row
            if _DATE_RE.search(rest) or _dated_inside(anchor):
                if id(node) not in seen:
                    seen.add(id(node))
                    rows.append(node)
                break
    return rows


def _dated_inside(anchor: Any) -> bool:
    """A row whose whole body is the link: ``<a><p>title</p><span>2024-03-01</span></a>``."""
    for child in anchor.iterdescendants():
        if isinstance(child.tag, str):
            text = _squash(child.text_content())
            if len(text) <= 20 and _DATE_RE.search(text):
                return True
    return False


def _rest_limit(node: Any, anchor_text: str) -> int:
    """How much non-link text a row may hold: a date and a source; a summary when the row starts with its
    title link (news lists with 摘要)."""
    if (
        node.tag in _SUMMARY_ROW_TAGS
        and anchor_text
        and 0 <= _squash(node.text_content()).find(anchor_text) <= 12
    ):
        return SUMMARY_ROW
    return SHORT_ROW


def _count_rows(rows: list[Any], f: _Features) -> None:
    """The longest run of rows under one container; rows in a 相关链接/推荐/footer block are aside."""
    runs: Counter[int] = Counter()
    containers: dict[int, Any] = {}
    for row in rows:
        parent = row.getparent()
        key = id(parent) if parent is not None else 0
        containers[key] = parent
        runs[key] += 1
    for key, count in runs.items():
        if _is_aside(containers[key]):
            f.aside_rows += count
        else:
            f.rows += count
            f.run = max(f.run, count)


def _is_aside(container: Any) -> bool:
    node = container
    for _ in range(4):
        if node is None:
            return False
        attrs = f"{node.get('class') or ''} {node.get('id') or ''}"
        if _ASIDE_ATTR_RE.search(attrs):
            return True
        label = _label_before(node)
        if label and _ASIDE_RE.search(label):
            return True
        node = node.getparent()
    return False


def _label_before(node: Any) -> str:
    """The heading just before a block (its previous sibling's text, if short)."""
    previous = node.getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()
    if previous is None:
        return ""
    text = _squash(previous.text_content())
    return text if len(text) <= 10 else ""  # a heading ("相关链接"), not a sentence that says 相关


def _longest_link_run(body: Any) -> int:
    """Most link rows (``li``/``tr``/``dd``/``p`` with one link of ≥ 6 characters) under one container."""
    runs: Counter[int] = Counter()
    for row in body.iter("li", "tr", "dd", "p"):
        links = _links(row)
        if len(links) == 1 and len(_squash(links[0].text_content())) >= 6 and row.getparent() is not None:
            runs[id(row.getparent())] += 1
    return max(runs.values(), default=0)


def _has_attachment_link(body: Any, rows: list[Any]) -> bool:
    in_rows = {id(a) for row in rows for a in row.iter("a")}
    return any(_ATTACHMENT_HREF_RE.search(a.get("href") or "") for a in _links(body) if id(a) not in in_rows)


def _count_prose(body: Any, rows: list[Any], f: _Features) -> None:
    """Prose: lines of non-link text outside list rows, footers and labels."""
    for row in rows:
        row.set("data-fzw-row", "1")
    text_only = copy.deepcopy(body)
    for row in rows:
        del row.attrib["data-fzw-row"]
    for el in list(text_only.iter("a")) + text_only.xpath(".//*[@data-fzw-row]"):
        if el.getparent() is not None:
            el.drop_tree()  # keeps its tail text
    for line in element_text(text_only).split("\n"):
        size = len(re.sub(r"\s", "", line))
        if size >= PROSE_LINE and not _FOOTER_RE.search(line):
            f.prose += size
            f.paragraphs += 1


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", (text or "").replace("\xa0", " "))
