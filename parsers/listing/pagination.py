"""Other pages of a list, discovered generically.

A list's pages form a *series*: one URL shape with a page number in it — a page parameter (``?page=N``,
``&pageNo=N``, DedeCMS ``PageNo``; names in ``parsers.listing.params``), ``stem_N.ext`` (TRS
``index_N.html``, ``list_N.html``, ``bmdt_N.shtml``), a numeric file name (``/N.html``; VSB 博达
``xxx/N.htm``, numbered *downwards*: ``xxx.htm`` is the newest page and ``xxx/1.htm`` the oldest), or a
page folder (``/news/page/N/``).

Numbers come from the page's pager links (numbers, 下一页/上页/尾页/末页/最后一页), ``<select>`` page
jumpers (option values that are URLs, or numbers an ``onchange`` script builds a URL from), a page count
in the text (``第N页/共M页``, ``共M页``, ``页次：1/5``, VSB ``共64条 1/8``) or in a script (TRS
``createPageHTML``/``createPage`` with literal or variable arguments, with or without an element id
first, ``var countPage = N``). Every number between the lowest and the highest known is a page.

``page_slot``/``slot_url``/``following_page`` let the spider try page N+1 of a series that keeps
yielding new rows although no link names it.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsers.listing.bodies import _visible_text
from parsers.listing.links import _is_attachment, _squash
from parsers.listing.params import PAGE_NUMBER_KEYS
from parsers.listing.types import Link
from parsers.listing.urls import _absolute, _site_key, canonical_url

MAX_GENERATED_PAGES = 500  # never expand a pagination series past this many pages
_MARK = "__fzpage__"  # stands for the page number inside a series template

_NEXT_TEXT = re.compile(r"^(下一?页|下页|后页|next|>|>>|›|»|＞)$", re.IGNORECASE)
_LAST_TEXT = re.compile(r"^(尾页|末页|最后一?页|last|>\|)$", re.IGNORECASE)
_PREV_TEXT = re.compile(r"^(上一?页|上页|前页|首页|第一页|prev|previous|first|<|<<|‹|«|＜)$", re.IGNORECASE)
_STEM_N = re.compile(r"^(.*/[A-Za-z][\w-]*?)([_-])(\d{1,4})(\.s?html?|\.jsp|\.php|\.aspx?)$", re.IGNORECASE)
_NUMBER_FILE = re.compile(r"^(.*/)(\d{1,4})(\.s?html?)$", re.IGNORECASE)
_PAGE_FOLDER = re.compile(r"^(.*/page/)(\d{1,4})(/?)$", re.IGNORECASE)  # /news/page/2/


@dataclass(frozen=True)
class PageSlot:
    """Where one page sits in its list: the series (URL template) and its page number."""

    series: str  # canonical URL with the number replaced by a marker; fill it with ``slot_url``
    number: int


def page_slot(url: str) -> PageSlot | None:
    """The series and number of a numbered list page, or None (an unnumbered first page, an article)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for index, (key, value) in enumerate(pairs):
        if key.lower() in PAGE_NUMBER_KEYS and value.isdigit():
            pairs[index] = (key, _MARK)
            query = urlencode(pairs, safe="_")
            return PageSlot(canonical_url(urlunsplit(parts[:3] + (query, ""))), int(value))
    if parts.query:
        return None
    match = _STEM_N.match(parts.path)
    if match:
        template = f"{match.group(1)}{match.group(2)}{_MARK}{match.group(4)}"
        return PageSlot(canonical_url(urlunsplit(parts[:2] + (template, "", ""))), int(match.group(3)))
    match = _NUMBER_FILE.match(parts.path) or _PAGE_FOLDER.match(parts.path)
    if match:
        template = f"{match.group(1)}{_MARK}{match.group(3)}"
        return PageSlot(canonical_url(urlunsplit(parts[:2] + (template, "", ""))), int(match.group(2)))
    return None


def slot_url(series: str, number: int) -> str:
    """Page ``number`` of a series; number 0 of a ``stem_N`` series is the bare ``stem.ext`` (TRS)."""
    if number == 0 and re.search(rf"[_-]{_MARK}\.", series):
        return canonical_url(re.sub(rf"[_-]{_MARK}", "", series))
    return canonical_url(series.replace(_MARK, str(number)))


def paging_step(current: str, page: str) -> int:
    """Which way a list's older pages run from ``current`` through ``page``: +1 or -1 (VSB)."""
    here, there = page_slot(current), page_slot(page)
    if there is None:
        return 1
    if here is not None and here.series == there.series and here.number != there.number:
        return 1 if there.number > here.number else -1
    return -1 if _is_vsb_child(current, page) else 1


def following_page(url: str, step: int) -> str | None:
    """The page after ``url`` going ``step`` (+1/-1); None when unnumbered or past page 1."""
    slot = page_slot(url)
    if slot is None or slot.number + step < 1:
        return None
    return slot_url(slot.series, slot.number + step)


def _is_vsb_child(current: str, page: str) -> bool:
    """VSB: ``…/xxx.htm`` pages on to ``…/xxx/N.htm`` (a folder URL ``…/xxx`` is not a VSB page)."""
    stem, ext = posixpath.splitext(urlsplit(current).path)
    return bool(stem) and bool(ext) and posixpath.dirname(urlsplit(page).path) == stem


# --------------------------------------------------------------------------- reading a page


def _read_pagination(
    doc: Any, text: str, page_base: str, current: str, links: list[Link]
) -> tuple[list[str], bool]:
    """Further pages of the list ``current`` (canonical): pager links, jumpers, counts, scripts; and
    whether the page says where the list ends (a 尾页 link, a jumper, a page count)."""
    functions = _page_functions(text)
    pager = _pager_links(links + _scripted_pager(doc, functions, page_base, current), current)
    jumps = _select_pages(doc, page_base, current, functions)
    pager += [(url, "") for url in jumps]
    next_url = next((url for url, word in pager if _NEXT_TEXT.match(word)), None)
    count = _page_count(doc, text)
    pages = _expand_series([url for url, _ in pager], current, next_url, count)
    scripted: list[str] = []
    if not any(page_slot(url) for url in pages):
        scripted = _script_pages(text, current)
    unnumbered = [url for url, word in pager if page_slot(url) is None and word]
    known_end = bool(count or jumps or scripted or any(_LAST_TEXT.match(word) for _, word in pager))
    return [u for u in dict.fromkeys(pages + scripted + unnumbered) if u != current], known_end


def _pager_links(links: list[Link], current: str) -> list[tuple[str, str]]:
    """(url, pager word) of links that page through this list; numbered ones must fit its shape."""
    found = []
    for link in links:
        word = link.text.replace(" ", "").replace("\xa0", "").strip("[]【】")
        is_word = bool(_NEXT_TEXT.match(word) or _LAST_TEXT.match(word) or _PREV_TEXT.match(word))
        if not (is_word or re.fullmatch(r"\d{1,4}", word)) or _is_attachment(link.url):
            continue
        if _site_key(link.url) != _site_key(current):
            continue
        if page_slot(link.url) is not None and _near(link.url, current):
            found.append((link.url, word))
        elif is_word and not _PREV_TEXT.match(word) and link.url != current:
            found.append((link.url, word))  # an unnumbered 下一页 (a session-keyed "more" page)
    return found


def _near(url: str, current: str) -> bool:
    """A numbered page of *this* list: same path (page parameter), same folder, or the VSB folder."""
    path, here = urlsplit(url).path, urlsplit(current).path
    if urlsplit(url).query:
        return path == here
    folder = _list_folder(path)
    return folder == _list_folder(here) or folder == posixpath.splitext(here)[0]


def _list_folder(path: str) -> str:
    """The folder a list page lives in (``/news`` for ``/news/``, ``/news/index_2.html``, ``/news/page/2/``)."""
    match = _PAGE_FOLDER.match(path)
    if match:
        return match.group(1)[: -len("/page/")]
    return (path if path.endswith("/") else posixpath.dirname(path)).rstrip("/")


def _expand_series(
    urls: list[str], current: str, next_url: str | None, count: tuple[int | None, int] | None
) -> list[str]:
    """Every page between the lowest and highest number known per series (stretched by a page count)."""
    numbers: dict[str, set[int]] = {}
    for url in urls:
        slot = page_slot(url)
        if slot is not None:
            numbers.setdefault(slot.series, set()).add(slot.number)
    here = page_slot(current)
    if here is not None and here.series in numbers:
        numbers[here.series].add(here.number)
    _stretch_by_count(numbers, current, next_url, count)
    next_slot = page_slot(next_url) if next_url else None
    out = []
    for series, found in numbers.items():
        low, high = min(found), max(found)
        if here is None and _is_param_series(series) and not (next_slot and next_slot.number == 1):
            low = max(
                low, 2
            )  # ?page=1 of an unnumbered first page is that page again (unless 下一页 says not)
        out += [slot_url(series, n) for n in range(low, min(high, low + MAX_GENERATED_PAGES) + 1)]
    return list(dict.fromkeys(out))


def _is_param_series(series: str) -> bool:
    return _MARK in urlsplit(series).query


def _stretch_by_count(
    numbers: dict[str, set[int]], current: str, next_url: str | None, count: tuple[int | None, int] | None
) -> None:
    """``第1页/共9页`` with a 下一页 to ``?page=2``: the series runs on to ``?page=9``."""
    if count is None:
        return
    position, total = count
    next_slot = page_slot(next_url) if next_url else None
    here = page_slot(current)
    if position is None:
        if here is not None:
            return  # 共M页 on a numbered page that does not say which page it is: numbers cannot be placed
        position = 1  # an unnumbered page is the list's first
    if next_slot is None and here is not None and here.series in numbers:
        next_slot, position = here, position - 1  # no 下一页: count from this page instead
    if next_slot is None or next_slot.series not in numbers or total > MAX_GENERATED_PAGES:
        return
    remaining = total - position - 1  # pages after the next one
    found = numbers[next_slot.series]
    step = paging_step(current, next_url) if next_url else 1
    if next_url and here is None and len(found) > 1:
        step = -1 if next_slot.number == max(found) else 1
    if remaining > 0:
        found.add(max(next_slot.number + step * remaining, 1))


_COUNT_PATTERNS = (
    re.compile(r"第\s*(\d{1,4})\s*页\s*[/／,，、]?\s*共\s*(\d{1,4})\s*页"),
    re.compile(r"页次\s*[:：]?\s*(\d{1,4})\s*/\s*(\d{1,4})"),
    re.compile(r"共\s*\d+\s*条\D{0,12}?(\d{1,4})\s*/\s*(\d{1,4})"),  # VSB: 共64条 1/8
    re.compile(r"当前第?\s*(\d{1,4})\s*页?\s*/\s*共?\s*(\d{1,4})\s*页"),
)
_TOTAL_ONLY = re.compile(r"共\s*(\d{1,4})\s*页")
_POSITION_ONLY = re.compile(r"(?:当前)?第\s*(\d{1,4})\s*页")


def _page_count(doc: Any, text: str) -> tuple[int | None, int] | None:
    """(this page's position if said, number of pages) from the page text, e.g. ``第1页/共6页``."""
    visible = _visible_text(doc) if doc is not None else text
    for pattern in _COUNT_PATTERNS:
        match = pattern.search(visible)
        if match:
            return int(match.group(1)), int(match.group(2))
    total = _TOTAL_ONLY.search(visible)
    if total:
        position = _POSITION_ONLY.search(visible)
        return (int(position.group(1)) if position else None), int(total.group(1))
    return None


# --------------------------------------------------------------------------- <select> jumpers

_JUMP_TEMPLATE = re.compile(
    r"""["']([^"']*)["']\s*\+\s*this\.(?:value|options\[[^\]]*\]\.value)\s*(?:\+\s*["']([^"']*)["'])?"""
)


def _select_pages(doc: Any, page_base: str, current: str, functions: dict[str, Template]) -> list[str]:
    """Pages offered by a ``<select onchange=…>`` jumper: URL values, or numbers put into a URL (by the
    ``onchange`` itself or by a page function it calls)."""
    if doc is None:
        return []
    pages = []
    for select in doc.xpath("//select[@onchange]"):
        onchange = select.get("onchange") or ""
        match = _JUMP_TEMPLATE.search(onchange)
        template = (
            (match.group(1), match.group(2) or "", 0) if match else _called_function(onchange, functions)
        )
        if template is None and "location" not in onchange and "href" not in onchange:
            continue
        for value in select.xpath("./option/@value"):
            value = value.strip()
            if template and value.isdigit():
                value = _fill(template, value) or ""
            url = _absolute(value, page_base)
            if url and _site_key(url) == _site_key(current) and (page_slot(url) or url == current):
                pages.append(url)
    return pages


# --------------------------------------------------------------------------- pagers driven by a script

# `function goPage(p) { … location.href = "?page=" + p + "&x=1"; }` (JSP portals, some TRS templates)
# TRS numbering is often written `(n<=1 ? 'index.html' : 'index_' + (n-1) + '.html')`: a first-page branch
# and a shift between the number shown and the number in the URL (page 2 is index_1.html).
_PAGE_FUNCTION = re.compile(
    r"""function\s+([\w$]+)\s*\(\s*([\w$]+)[^)]*\)\s*\{[^{}]{0,400}?"""
    r"""location(?:\.href)?\s*=\s*(?:\(?[^;'"]{0,40}\?\s*["'][^"']*["']\s*:\s*)?"""
    r"""["']([^"']*)["']\s*\+\s*\(?\s*\2\s*(?:-\s*(\d))?\s*\)?\s*(?:\+\s*["']([^"']*)["'])?"""
)
# `location.href = 'index.html' + (n > 1 ? '?page=' + n : '')`: the number only past the first page.
_PAGE_FUNCTION_PAST_FIRST = re.compile(
    r"""function\s+([\w$]+)\s*\(\s*([\w$]+)[^)]*\)\s*\{[^{}]{0,400}?"""
    r"""location(?:\.href)?\s*=\s*["']([^"']*)["']\s*\+\s*\(\s*\2\s*>\s*1\s*\?\s*["']([^"']*)["']\s*\+\s*\2\s*"""
    r"""(?:\+\s*["']([^"']*)["']\s*)?:\s*["']["']\s*\)"""
)
Template = tuple[str, str, int]  # URL before the number, URL after it, shift subtracted from the number


def _page_functions(text: str) -> dict[str, Template]:
    """Page functions of the page's scripts: name -> (URL before the number, URL after it, shift)."""
    functions = {
        m.group(1): (m.group(3), m.group(5) or "", int(m.group(4) or 0))
        for m in _PAGE_FUNCTION.finditer(text)
    }
    for m in _PAGE_FUNCTION_PAST_FIRST.finditer(text):
        functions[m.group(1)] = (m.group(3) + m.group(4), m.group(5) or "", 0)
    return functions


def _fill(template: Template, number: str) -> str | None:
    """The URL of page ``number``; None for a page before the shifted series (the first page's own URL)."""
    before, after, shift = template
    value = int(number) - shift
    return f"{before}{value}{after}" if value >= 1 or not shift else None


def _called_function(script: str, functions: dict[str, Template]) -> Template | None:
    match = re.search(r"([\w$]+)\s*\(", script)
    return functions.get(match.group(1)) if match else None


def _scripted_pager(doc: Any, functions: dict[str, Template], page_base: str, current: str) -> list[Link]:
    """Pager anchors that call a page function: ``<a href="javascript:goPage(3)">3</a>``/``下一页``."""
    if doc is None or not functions:
        return []
    links = []
    for anchor in doc.xpath("//a[starts-with(normalize-space(@href), 'javascript') or @onclick]"):
        script = f"{anchor.get('href') or ''} {anchor.get('onclick') or ''}"
        call = re.search(r"([\w$]+)\s*\(\s*['\"]?(\d{1,4})['\"]?\s*\)", script)
        if call and call.group(1) in functions:
            filled = _fill(functions[call.group(1)], call.group(2))
            url = _absolute(filled, page_base) if filled else None
            if url:
                links.append(Link(url=url, text=_squash(anchor.text_content()), source=current))
    return links


# --------------------------------------------------------------------------- page counts in scripts

_CALL_RE = re.compile(r"\b(createPageHTML|createPage)\s*\(([^()]*)\)")
_VAR_RE = re.compile(r"\b(?:var|let|const)\s+(\w+)\s*=\s*(?:(\d+)\b|[\"']([^\"']*)[\"'])")
_COUNT_VARS = ("countPage", "pageCount", "totalPage", "totalPages", "pagecount", "page_count")
_CURRENT_VARS = ("currentPage", "curPage", "nowPage", "current_page")


# A pager's settings as a JSON object, read by name: `var cfg = {"total": 5, …}; var pageCount = cfg.total`.
_OBJECT_VAR_RE = re.compile(r"\b(?:var|let|const)\s+(\w+)\s*=\s*(\{[^{}]{0,400}\})")
_MEMBER_VAR_RE = re.compile(r"(?:\b(?:var|let|const)\s+|,\s*)(\w+)\s*=\s*(\w+)\.(\w+)\s*[,;]")


def _script_variables(text: str) -> dict[str, str]:
    """Scalar variables of the page's scripts, including those read from a JSON settings object."""
    variables = {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _VAR_RE.finditer(text)
    }
    objects: dict[str, dict[str, Any]] = {}
    for m in _OBJECT_VAR_RE.finditer(text):
        try:
            value = json.loads(m.group(2))
        except ValueError:
            continue
        if isinstance(value, dict):
            objects[m.group(1)] = value
    for m in _MEMBER_VAR_RE.finditer(text):
        value = objects.get(m.group(2), {}).get(m.group(3))
        if isinstance(value, int | str) and not isinstance(value, bool):
            variables.setdefault(m.group(1), str(value))
    return variables


def _script_pages(text: str, current: str) -> list[str]:
    """TRS WCM: ``createPageHTML(…)`` / ``var countPage = N`` → ``index_N`` pages; no link needed."""
    variables = _script_variables(text)
    for match in _CALL_RE.finditer(text):
        args = [_resolve(arg, variables) for arg in match.group(2).split(",")]
        spec = _call_spec(args, current)
        if spec:
            return _index_pages(*spec, current)
    pages = next((int(variables[n]) for n in _COUNT_VARS if str(variables.get(n, "")).isdigit()), None)
    if pages is None:
        return []
    cur = next((int(variables[n]) for n in _CURRENT_VARS if str(variables.get(n, "")).isdigit()), 0)
    return _index_pages(pages, cur, "index", _current_ext(current), current)


def _resolve(arg: str, variables: dict[str, str]) -> str:
    arg = arg.strip().strip("\"'")
    return str(variables.get(arg, arg))


def _call_spec(args: list[str], current: str) -> tuple[int, int, str, str] | None:
    """The numbers before the page-name argument: (pages, cur) or (records, pages, cur); an element id
    may come first (``createPageHTML('page_div', 5, 0, 'index', 'html', 52)``)."""
    ext_at = next((i for i, a in enumerate(args) if re.fullmatch(r"s?html?", a)), None)
    name_at = ext_at - 1 if ext_at else None
    head = args[:name_at] if name_at is not None else args
    numbers = [int(a) for a in head if a.isdigit()]
    if len(numbers) == 3:
        numbers = numbers[1:]
    if len(numbers) != 2:
        return None
    name = args[name_at] if name_at is not None and re.fullmatch(r"[\w-]+", args[name_at]) else "index"
    ext = args[ext_at] if ext_at is not None else _current_ext(current)
    return numbers[0], numbers[1], name, ext


def _current_ext(current: str) -> str:
    match = re.search(r"\.(s?html?)$", urlsplit(current).path)
    return match.group(1) if match else "html"


def _index_pages(pages: int, cur: int, name: str, ext: str, current: str) -> list[str]:
    directory = posixpath.dirname(urlsplit(current).path) + "/"
    base = urljoin(current, directory)
    urls = []
    for number in range(min(pages, MAX_GENERATED_PAGES)):
        if number != cur:
            urls.append(canonical_url(urljoin(base, name + (f"_{number}" if number else "") + "." + ext)))
    return urls
