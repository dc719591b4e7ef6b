"""Other pages of a list: 下一页/尾页 links, ``?page=N`` and ``index_N`` ranges, page jumpers,
TRS ``createPageHTML``/``createPage``/``countPage`` (DedeCMS ``PageNo`` is a page parameter)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsers.listing.links import _is_attachment
from parsers.listing.types import Link
from parsers.listing.urls import _absolute, _site_key, canonical_url

MAX_GENERATED_PAGES = 500  # never expand a pagination template past this many pages


_NEXT_WORDS = re.compile(
    r"^(下一?页|下页|后页|尾页|末页|最后一?页|>|>>|›|»|next|last|\d{1,4})$", re.IGNORECASE
)
_PAGE_KEYS = {
    "page",
    "pageno",
    "pagenum",
    "pageindex",
    "pn",
    "curpage",
    "currentpage",
    "pagenumber",
    "page_no",
}
_PAGE_PATH = re.compile(
    r"^(.*?/(?:index|list|default|more|page|[a-z]*list)(?:_\d+)*?)_(\d{1,4})(\.s?html?)$", re.IGNORECASE
)


def _read_pagination(doc: Any, page_base: str, current: str, links: list[Link]) -> list[str]:
    pages = []
    for link in links:
        text = link.text.replace(" ", "")
        if not _NEXT_WORDS.match(text) or _is_attachment(link.url):
            continue
        if text.isdigit() and not _looks_like_page_url(link.url, current):
            continue
        if _site_key(link.url) == _site_key(current):
            pages.append(link.url)
    pages.extend(_select_pages(doc, page_base, current))
    return _expand_page_ranges(list(dict.fromkeys(pages)), current)


def _select_pages(doc: Any, page_base: str, current: str) -> list[str]:
    """Pages offered by a ``<select onchange=…>`` page jumper (``<option value=url>``)."""
    pages = []
    for option in doc.xpath(
        "//select[contains(@onchange, 'location') or contains(@onchange, 'href')]/option"
    ):
        url = _absolute(option.get("value") or "", page_base)
        if url and _looks_like_page_url(url, current):
            pages.append(url)
    return pages


def _page_param(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in _PAGE_KEYS and value.isdigit():
            return key, int(value)
    return None


def _looks_like_page_url(url: str, current: str) -> bool:
    if _site_key(url) != _site_key(current):
        return False
    if _page_param(url):
        return True
    path, cur_path = urlsplit(url).path, urlsplit(current).path
    return bool(_PAGE_PATH.match(path)) and posixpath.dirname(path) == posixpath.dirname(cur_path)


def _expand_page_ranges(pages: list[str], current: str) -> list[str]:
    """Fill the gap between page 1 and the last page (尾页) for ``?page=N`` and ``index_N`` styles."""
    groups: dict[tuple[str, str], list[int]] = {}
    for url in pages + [current]:
        template = _page_template(url)
        if template:
            groups.setdefault(template[0], []).append(template[1])
    out: list[str] = []
    for (kind, template), numbers in groups.items():
        high = max(numbers)
        low = 0 if kind == "path" else min(min(numbers), 1)
        for number in range(max(low, 0), min(high, low + MAX_GENERATED_PAGES) + 1):
            out.append(_fill_template(kind, template, number))
    return list(dict.fromkeys(out + pages))


def _page_template(url: str) -> tuple[tuple[str, str], int] | None:
    param = _page_param(url)
    if param:
        key, number = param
        parts = urlsplit(url)
        rest = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
        stem = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        return ("param", f"{stem}\x00{key}"), number
    match = _PAGE_PATH.match(urlsplit(url).path)
    if match:
        parts = urlsplit(url)
        stem = urlunsplit((parts.scheme, parts.netloc, match.group(1) + "\x00" + match.group(3), "", ""))
        return ("path", stem), int(match.group(2))
    return None


def _fill_template(kind: str, template: str, number: int) -> str:
    if kind == "param":
        stem, key = template.split("\x00")
        sep = "&" if "?" in stem else "?"
        return canonical_url(f"{stem}{sep}{urlencode({key: number})}")
    stem, ext = template.split("\x00")
    return canonical_url(f"{stem}{ext}" if number == 0 else f"{stem}_{number}{ext}")


_CALL_RE = re.compile(r"\b(createPageHTML|createPage)\s*\(([^()]*)\)")
_VAR_RE = re.compile(r"\bvar\s+(\w+)\s*=\s*(?:(\d+)\b|[\"']([^\"']*)[\"'])")


def _trs_pages(text: str, current: str) -> list[str]:
    """TRS WCM: ``createPageHTML(pages, cur, "index", "html")`` and friends → index_N pages."""
    variables = {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _VAR_RE.finditer(text)
    }
    for match in _CALL_RE.finditer(text):
        spec = _trs_spec([_resolve(arg, variables) for arg in match.group(2).split(",")], current)
        if spec:
            return _trs_urls(*spec, current)
    if "countPage" in variables and str(variables["countPage"]).isdigit():
        pages = int(variables["countPage"])
        cur = (
            int(variables.get("currentPage") or 0) if str(variables.get("currentPage", "0")).isdigit() else 0
        )
        return _trs_urls(pages, cur, "index", _current_ext(current), current)
    return []


def _resolve(arg: str, variables: Mapping[str, str]) -> str:
    arg = arg.strip().strip("\"'")
    return str(variables.get(arg, arg))


def _trs_spec(args: list[str], current: str) -> tuple[int, int, str, str] | None:
    numbers = [a for a in args if a.isdigit()]
    names = [a for a in args if a and not a.isdigit()]
    if len(numbers) == 3:  # createPageHTML(records, pages, cur, name, ext)
        numbers = numbers[1:]
    if len(numbers) != 2:
        return None
    name = names[0] if names and re.fullmatch(r"[\w-]+", names[0]) else "index"
    ext = names[1] if len(names) > 1 and re.fullmatch(r"s?html?", names[1]) else _current_ext(current)
    return int(numbers[0]), int(numbers[1]), name, ext


def _current_ext(current: str) -> str:
    match = re.search(r"\.(s?html?)$", urlsplit(current).path)
    return match.group(1) if match else "html"


def _trs_urls(pages: int, cur: int, name: str, ext: str, current: str) -> list[str]:
    directory = posixpath.dirname(urlsplit(current).path) + "/"
    base = urljoin(current, directory)
    urls = []
    for number in range(min(pages, MAX_GENERATED_PAGES)):
        if number == cur:
            continue
        urls.append(canonical_url(urljoin(base, name + (f"_{number}" if number else "") + "." + ext)))
    return urls
