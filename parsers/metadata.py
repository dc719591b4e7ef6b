"""Page metadata: title, publication date, publisher (agency) and report year.

Sources are tried from the most to the least explicit: the 政府网站 spec meta tags
(ArticleTitle, PubDate, ContentSource), labelled page lines outside the body, the URL, then
htmldate. Meta values can be wrong (templates copied between sites), so a labelled page line
always needs an explicit label and the body text is never searched for dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from parsers.dates import labelled_date, parse_date_value, url_date
from parsers.publisher import resolve_publisher

_TITLE_CLASS_XPATH = (
    "//h1 | //*[self::div or self::h2 or self::h3 or self::p or self::td or self::span]"
    "[contains(translate(@class, 'TITLE', 'title'), 'title') or contains(translate(@id, 'TITLE', 'title'), 'title')"
    " or contains(@class, 'tit') or contains(@class, 'bt') or contains(@id, 'bt')]"
)
_SITE_LIKE_RE = re.compile(
    r"(?:人民政府|政府网|门户网|网站|官网|中国[\u4e00-\u9fff]{2,3}$|^中国[\u4e00-\u9fff]{2,3}|信息网|在线)"
)
_TITLE_SEP_RE = re.compile(r"\s*(?:_|｜|\||--|—+| - | – )\s*")
_CJK_SPACE_RE = re.compile(r"(?<=[\u4e00-\u9fff\d）)])\s+(?=[\u4e00-\u9fff（(])")


def meta_content(root: HtmlElement, *names: str) -> str | None:
    """Content of the first non-empty ``<meta name|property=...>`` among ``names`` (case-insensitive)."""
    wanted = {n.lower() for n in names}
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = str(meta.get("content") or "").strip()
        if key in wanted and content:
            return content
    return None


def tidy_title(title: str) -> str:
    """Collapse whitespace; drop spaces between CJK characters (a stray space is an editor slip)."""
    title = re.sub(r"\s+", " ", title.replace("\u3000", " ")).strip()
    return _CJK_SPACE_RE.sub("", title)


def strip_site_suffix(title: str, site_name: str | None = None) -> str:
    """'报告_泰顺县人民政府' -> '报告'; '中国鹤山-报告' -> '报告'."""
    parts = [p for p in _TITLE_SEP_RE.split(title) if p.strip()]
    if len(parts) == 1 and "-" in title:
        parts = [p for p in title.split("-") if p.strip()]
        # A bare hyphen also appears inside titles ("2021-2025年规划"): only a short, digit-free
        # end segment (a site or agency name) is a suffix.
        if len(parts) >= 2 and _SITE_LIKE_RE.search(parts[0]) and len(parts[0]) <= 16:
            return "-".join(parts[1:]).strip()
        if len(parts) >= 2 and len(parts[-1]) <= 15 and not re.search(r"\d", parts[-1]):
            return "-".join(parts[:-1]).strip()
        return title.strip()
    keep = [p for p in parts if not (_SITE_LIKE_RE.search(p) and len(p) <= 16) and p != site_name]
    if not keep:
        keep = parts[:1]
    return max(keep, key=len).strip()


def extract_title(root: HtmlElement, site_name: str | None = None) -> str:
    """Title as the page states it."""
    meta = meta_content(root, "ArticleTitle", "og:title")
    if meta:
        return tidy_title(strip_site_suffix(meta, site_name))
    head = root.findtext(".//title") or ""
    head_key = re.sub(r"\s+", "", head)
    cands = []
    for el in root.xpath(_TITLE_CLASS_XPATH):
        text = tidy_title(el.text_content())
        if 4 <= len(text) <= 120 and (el.tag == "h1" or re.sub(r"\s+", "", text) in head_key):
            cands.append(text)
    inside = [c for c in cands if re.sub(r"\s+", "", c) in head_key]
    if inside:
        return max(inside, key=len)
    if head.strip():
        return tidy_title(strip_site_suffix(head, site_name))
    return cands[0] if cands else ""


# ---------------------------------------------------------------- dates


def extract_published_at(root: HtmlElement, html: str | HtmlElement, url: str, page_text: str) -> str | None:
    """meta PubDate -> labelled line (outside the body) -> URL date -> htmldate.

    ``html``: the page, or better its tree (htmldate then copies it instead of parsing again)."""
    meta = meta_content(
        root, "PubDate", "pubdate", "publishdate", "article:published_time", "firstpublishedtime"
    )
    if meta and (iso := parse_date_value(meta)):
        return iso
    if iso := labelled_date(page_text):
        return iso
    if iso := url_date(url):
        return iso
    return _htmldate(html, url)


def _htmldate(html: str | HtmlElement, url: str) -> str | None:
    """htmldate without free-text search (it would pick a body date)."""
    try:
        from htmldate import find_date

        return find_date(html, url=url, original_date=True, extensive_search=False)
    except Exception:  # noqa: BLE001 - htmldate raises on odd markup; a missing date is not an error
        return None


# ---------------------------------------------------------------- agency and year

_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
# Publisher in the title: what precedes 关于 / the year / 法治政府建设 (domain.md §2 titles).
_TITLE_AGENCY_RE = re.compile(r"^(?P<a>.+?)(?:关于|(?:19|20)\d{2}\s*年|法治政府建设|法治政府建設)")
_YEAR_THEN_AGENCY_RE = re.compile(r"^(?:19|20)\d{2}\s*年度?(?P<a>[\u4e00-\u9fff]{2,20}?)法治政府建[设設]")
_SOURCE_RE = re.compile(
    r"(?:信息发布单位|来源单位|发布单位|发文机关|发布机构|公开单位|信息来源|文章来源|消息来源|来源)"
    r"\s*[:：]\s*([\u4e00-\u9fa5（）()]{2,40})"
)
_NEXT_LABEL_RE = re.compile(
    r"发布|时间|日期|浏览|累计|字体|字号|作者|点击|阅读|编辑|索引号|主题分类|成文|生成|文号|有效性|分类|主题词|名称"
)
_FIELD_LABEL_RE = re.compile(
    r"^\s*(?:信息发布单位|来源单位|发布单位|发文单位|发文机关|发布机构|公开单位|信息来源|文章来源|消息来源|来源)"
    r"\s*[:：]?\s*(?P<v>.*)$"
)
_CELL_TAGS = ("td", "th", "dt", "dd", "span", "li", "p", "div", "em", "strong", "b", "label", "font", "i")
_NOT_AGENCY = {"本站", "本网", "原创", "网站", "本网站", "互联网", "其他", "无"}


def agency_from_title(title: str) -> str | None:
    """'泰顺县司法局2023年…' -> 泰顺县司法局; '2020年度新蒲新区法治政府建设…' -> 新蒲新区;
    '《泰顺县司法局2023年…报告》解读' -> 泰顺县司法局 (a quoted title names its publisher inside the quotes)."""
    t = title.strip().lstrip("《〈「“\"'")
    m = _YEAR_THEN_AGENCY_RE.match(re.sub(r"\s+", "", t))
    if m:
        return m.group("a")
    m = _TITLE_AGENCY_RE.match(t)
    if not m:
        return None
    agency = m.group("a").strip(" ：:，,")
    if re.search(r"\d", agency) or agency.startswith("关于"):
        return None
    return agency if 2 <= len(agency) <= 40 else None


def source_field(text: str) -> str | None:
    """Value of the first 来源/发布机构/发文机关 label in page text outside the body."""
    for m in _SOURCE_RE.finditer(text):
        # Cells and inline spans are glued without spaces: cut at the next label.
        value = _NEXT_LABEL_RE.split(m.group(1).strip())[0]
        if len(value) >= 2 and value not in _NOT_AGENCY:
            return value
    return None


def _cell_value(text: str) -> str | None:
    """A labelled value up to the next label or space ('某市司法局生成日期…' → 某市司法局)."""
    value = re.split(r"\s", text.strip().replace("\u3000", " "), maxsplit=1)[0] if text.strip() else ""
    value = _NEXT_LABEL_RE.split(value)[0].strip("：:，, |")
    if len(value) >= 2 and value not in _NOT_AGENCY and re.fullmatch(r"[\u4e00-\u9fa5（）()]{2,40}", value):
        return value
    return None


def source_cell(root: HtmlElement) -> str | None:
    """The 发布机构/来源 value read cell by cell: a 公开目录 table's label cell gives the *next* cell, an
    inline 'label：value' element its own rest — never the next label glued onto it."""
    for el in root.iter(*_CELL_TAGS):
        own = el.text_content()
        if len(own) > 80:
            continue
        m = _FIELD_LABEL_RE.match(own)
        if not m:
            continue
        if m.group("v").strip():
            value = _cell_value(m.group("v"))
        else:
            nxt = el.getnext()
            value = (
                _cell_value(nxt.text_content()) if nxt is not None and len(nxt.text_content()) <= 60 else None
            )
        if value:
            return value
    return None


@dataclass
class Agency:
    name: str | None
    aliases: list[str] = field(default_factory=list)


def resolve_agency(
    title: str,
    source: str | None,
    content_source: str | None,
    site_name: str | None,
    region: str | None = None,
) -> Agency:
    """Title publisher first (海安开发区 vs 城东镇: the title names the reporting entity), then the labelled
    field, the meta tag, the site; the winner is canonicalised with the site's region
    (:mod:`parsers.publisher`) and every other spelling the page used is kept as an alias."""
    pub = resolve_publisher([agency_from_title(title), source, content_source], region, site_name)
    return Agency(pub.name, pub.aliases)


def report_year(title: str, published_at: str | None) -> int | None:
    """Year the report covers: the year in the title, else publication year - 1."""
    m = _YEAR_RE.search(re.sub(r"\s+", "", title or ""))
    if m:
        return int(m.group(1))
    if published_at and re.match(r"\d{4}", published_at):
        return int(published_at[:4]) - 1
    return None
