"""List-API endpoints read out of JavaScript: inline scripts and the bundles a shell page loads
(``/static/js/app.<hash>.js``).

A JavaScript shell (a page with almost no text whose list a script fetches) names its list API in code:
``fetch(`/api/news/list?pageNo=${n}&pageSize=10`)``, ``axios.get("/api/cms/articles", {params: {page: p,
size: 20}})``, ``$.ajax({url: '/portal/article/page', type: 'POST', data: {current: 1, size: 15}})``,
``$.get("/api/list?pageNum=" + p + "&pageSize=20")``. A URL built of literals, constants of the same
script (``const API = "/gateway"``) and variables is rebuilt; a page parameter (``parsers.listing.params``)
whose value is a variable becomes 1, a size becomes ``DEFAULT_PAGE_SIZE``, any other variable parameter
is dropped. Only endpoints with a page or size parameter, or a list-like path, are kept: a detail
endpoint (``"/api/article/" + id``) is not a list.

Rows of some APIs carry only an id and a title; the script then builds the href from the id
(``'/xwzx/detail/' + row.id + '.html'``, ``/x/${item.id}.shtml``). That detail-URL template travels
with the API request (``ApiRequest.detail``) so that ``read_json_list`` can turn such rows into links.

Hand-written scanning rather than a JavaScript parser: bundles are minified and often not valid for one
parser version, while these call shapes are few and regular.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsers.listing.links import _is_attachment
from parsers.listing.params import PAGE_NUMBER_KEYS, PAGE_SIZE_KEYS
from parsers.listing.types import ApiRequest
from parsers.listing.urls import canonical_url

DEFAULT_PAGE_SIZE = 20
MAX_SCRIPT_CHARS = 3_000_000  # read at most this much of one script
MAX_CALL_SITES = 5_000  # and at most this many distinct call sites (bounds the time on huge bundles)
_HOLE = "\x01"  # stands for a value only known when the script runs

_CALL_RE = re.compile(
    r"""\bfetch\s*\(|(?:\$|jQuery)\s*\.\s*(?:ajax|get|post|getJSON)\s*\(|"""
    r"""\.\s*(?:get|post|request)\s*\(|(?<![\w$.])(?:url|api|apiUrl)\s*:\s*"""
)
# A constant whose whole value is one literal (`var url = '/a?x=' + y` is not one).
_CONST_RE = re.compile(
    r"""\b(?:var|let|const)\s+([\w$]+)\s*=\s*(["'`])([^"'`\n]{0,300})\2(?=\s*(?:[;,\n}]|$))"""
)
_LITERAL_RE = re.compile(
    r"""\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`]*)`|([\w$.\[\]()]+))\s*"""
)
_BASE_URL_RE = re.compile(r"""\bbaseURL\s*:\s*["']([^"'\s]+)["']""")
_STATIC = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|ico|woff2?|ttf|vue|html?|map|mp4|mp3)$", re.IGNORECASE)
_LIST_PATH = re.compile(r"list|page|articles|news|query|search|infos|contents|docs", re.IGNORECASE)
# A detail href built from a row's id field: 'prefix' + row.id (+ 'suffix'), or `prefix${row.id}suffix`.
_ID_FIELD = r"""[\w$]+(?:\.|\[["'])(id|\w*(?:Id|_id|ID))(?:["']\])?"""
_CONCAT_ID_RE = re.compile(
    r"""(["'])((?:[^"'\\\n]|\\.)*)\1\s*\+\s*""" + _ID_FIELD + r"""\s*(?:\+\s*(["'])((?:[^"'\\\n]|\\.)*)\4)?"""
)
_TEMPLATE_ID_RE = re.compile(r"""([^`{}]*)\$\{\s*""" + _ID_FIELD + r"""\s*\}([^`$]*)""")
_URL_STOP = re.compile(r"""[\s"'<>()`]""")
_DETAIL_SUFFIX = re.compile(r"(?:\.(?:s?html?|jhtml|jsp|aspx?|php|do))?(?:[?#&][^\s]*)?", re.IGNORECASE)
_CONFIG_KEYS = {
    "headers", "timeout", "responsetype", "withcredentials", "success", "error", "complete", "datatype",
    "type", "method", "url", "async", "cache", "contenttype", "beforesend", "jsonp", "params", "data", "body",
}  # fmt: skip


def read_script_apis(script_url: str, body: bytes | str, page_url: str | None = None) -> list[ApiRequest]:
    """JSON list endpoints a script calls, as first-page requests (``kind="json"``; an axios POST is
    ``"json_body"``: its parameters travel as a JSON object).

    ``page_url``: the page that runs the script (relative API paths resolve against it; default: the
    script's own URL). Never raises; an unreadable script yields nothing.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = text[:MAX_SCRIPT_CHARS]
    constants = {m.group(1): m.group(3) for m in _CONST_RE.finditer(text) if "${" not in m.group(3)}
    api_base = _BASE_URL_RE.search(text)
    found: dict[tuple[str, str, str], ApiRequest] = {}
    where: dict[tuple[str, str, str], int] = {}
    read: set[str] = set()  # call sites already read, by their text: a bundle repeats itself
    for match in _CALL_RE.finditer(text):
        site = text[match.start() : match.end() + 120]
        if site in read:
            continue
        read.add(site)
        if len(read) > MAX_CALL_SITES:
            break
        api = _api_at(text, match, constants, page_url or script_url, api_base.group(1) if api_base else "")
        if api is not None:
            key = (api.method, api.url, urlencode(sorted((api.data or {}).items())))
            found.setdefault(key, api)
            where.setdefault(key, match.start())
    templates = _detail_templates(text, page_url or script_url)
    if not templates:
        return list(found.values())
    return [replace(api, detail=_nearest(templates, where[key])) for key, api in found.items()]


def _detail_templates(text: str, base: str) -> list[tuple[int, str]]:
    """(position, absolute template) of each detail href the script builds from a row's id."""
    out = []
    for match in _CONCAT_ID_RE.finditer(text):
        template = _template(match.group(2), match.group(3), match.group(5) or "", base)
        if template:
            out.append((match.start(), template))
    for literal in re.finditer(r"`[^`]{0,2000}`", text):
        for match in _TEMPLATE_ID_RE.finditer(literal.group(0)[1:-1]):
            template = _template(match.group(1), match.group(2), match.group(3), base)
            if template:
                out.append((literal.start(), template))
    return out


def _template(before: str, field: str, after: str, base: str) -> str | None:
    """``http://x/detail/{id}.html`` from the literal text around the id, or None when that text is not
    a page URL (an image path, an API call, a CSS class)."""
    prefix: str = _URL_STOP.split(before)[-1]
    prefix = prefix.split("href=")[-1]
    suffix: str = _URL_STOP.split(after)[0]
    if "/" not in prefix or _HOLE in prefix or "${" in prefix or not _DETAIL_SUFFIX.fullmatch(suffix):
        return None
    if not suffix and not prefix.endswith(("/", "=")):
        return None
    absolute = urljoin(base, prefix)
    if urlsplit(absolute).scheme not in ("http", "https") or _STATIC.search(urlsplit(absolute).path):
        return None
    return absolute + "{" + field + "}" + suffix


def _nearest(templates: list[tuple[int, str]], position: int) -> str:
    """One template for the whole script, else the one written nearest the API call."""
    if len({t for _, t in templates}) == 1:
        return templates[0][1]
    return min(templates, key=lambda pair: abs(pair[0] - position))[1]


def _api_at(
    text: str, match: re.Match[str], constants: Mapping[str, str], base: str, api_base: str
) -> ApiRequest | None:
    call = match.group(0)
    start = match.end()
    if text[start : start + 200].lstrip().startswith("{"):
        return None  # $.ajax({url: …}): its `url:` is matched on its own
    target, after = _expression(text, start, constants)
    if target is None or not _plausible(target):
        return None  # map.get("key"), fetch(t.url), "/api/article/" + id: not a list URL
    if call.rstrip().endswith(":"):
        opened, region = _enclosing_object(text, match.start())
        by_axios = not re.search(r"(?:\$|jQuery)\s*\.\s*ajax\s*\(\s*$", text[max(0, opened - 40) : opened])
    else:
        region, by_axios = _call_args(text, after), not call.lstrip().startswith(("fetch", "$", "jQuery"))
    if by_axios and api_base and target.startswith("/") and not target.startswith(api_base.rstrip("/") + "/"):
        target = (
            api_base.rstrip("/") + target
        )  # an axios instance's `baseURL: "/prod-api"` prefixes its paths
    # axios (and fetch with JSON.stringify) POST a JSON object; jQuery posts a form.
    json_body = (by_axios and not call.lstrip().startswith("fetch")) or "JSON.stringify" in region
    method = (
        "POST"
        if re.search(r"\.\s*post\s*\($", call)
        or re.search(r"""\b(?:type|method)\s*:\s*["']post["']""", region, re.IGNORECASE)
        else "GET"
    )
    params = _object_params(region, constants)
    return _request(target, params, method, base, json_body)


def _plausible(target: str) -> bool:
    """Cheap checks before the call around it is read (a bundle has thousands of calls)."""
    if "/" not in target:
        return False
    path = target.split("?", 1)[0]
    path = path[1:] if path.startswith(_HOLE + "/") else path
    return _HOLE not in path and not _STATIC.search(path)


def _expression(text: str, start: int, constants: Mapping[str, str]) -> tuple[str | None, int]:
    """A URL expression: literals, template literals and names joined by ``+``."""
    pieces: list[str] = []
    position = start
    while True:
        match = _LITERAL_RE.match(text, position)
        if match is None:
            break
        double, single, template, name = match.groups()
        if template is not None:
            pieces.append(
                re.sub(r"\$\{\s*([^}]*?)\s*\}", lambda m: constants.get(m.group(1), _HOLE), template)
            )
        elif double is not None or single is not None:
            pieces.append(double if double is not None else single)
        else:
            pieces.append(constants.get(name, _HOLE))
        position = match.end()
        if text[position : position + 1] != "+":
            break
        position += 1
    url = "".join(pieces)
    if not pieces or url.startswith(_HOLE) and not url.strip(_HOLE):
        return None, position
    return url, position


def _call_args(text: str, position: int) -> str:
    """The rest of the call's arguments (up to its closing parenthesis)."""
    depth = 1
    for index in range(position, min(len(text), position + 2000)):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return text[position:index]
    return text[position : position + 2000]


def _enclosing_object(text: str, position: int) -> tuple[int, str]:
    """Where the ``{…}`` object literal around ``position`` opens, and its text (an ``$.ajax({…})``
    option object, an axios request config)."""
    depth, begin = 0, None
    for index in range(position, max(-1, position - 2000), -1):
        char = text[index]
        if char == "}":
            depth += 1
        elif char == "{":
            if depth == 0:
                begin = index
                break
            depth -= 1
    if begin is None:
        return position, text[position : position + 1000]
    return begin, "{" + _call_args(text, begin + 1) + "}"


_PAIR_RE = re.compile(
    r"""["']?([\w$]+)["']?\s*:\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)\b|([\w$.\[\]]+))"""
)


def _object_params(region: str, constants: Mapping[str, str]) -> dict[str, str]:
    """Parameters in ``params: {…}`` / ``data: {…}`` / ``body: JSON.stringify({…})`` (or a bare object
    argument) of a call."""
    inner = re.search(r"\b(?:params|data|body)\s*:\s*(?:JSON\.stringify\s*\(\s*)?\{([^{}]*)\}", region)
    body = inner.group(1) if inner else _first_object(region)
    params = {}
    for key, double, single, number, name in _PAIR_RE.findall(body):
        if key.lower() in _CONFIG_KEYS:
            continue
        value = double or single or number
        if not value and name:
            value = constants.get(name, _HOLE)
        params[key] = value
    return params


def _first_object(region: str) -> str:
    match = re.search(r"\{([^{}]*)\}", region)
    return match.group(1) if match else ""


def _request(
    target: str, extra: Mapping[str, str], method: str, base: str, json_body: bool = False
) -> ApiRequest | None:
    # `baseURL + "/api/list"` with an unknown base: the API is tried at the site root.
    absolute = urljoin(base, target[1:] if target.startswith(_HOLE + "/") else target)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or _HOLE in parts.path or _HOLE in parts.netloc:
        return None
    if _STATIC.search(parts.path) or _is_attachment(absolute):
        return None
    query = _filled(parse_qsl(parts.query, keep_blank_values=True))
    form = _filled(list(extra.items()))
    keys = {k.lower() for k, _ in query + form}
    if not keys & (PAGE_NUMBER_KEYS | PAGE_SIZE_KEYS) and not _LIST_PATH.search(parts.path):
        return None
    if method == "GET":
        query, form = query + form, []
    url = canonical_url(urlunsplit(parts[:3] + (urlencode(query), "")))
    kind = "json_body" if method == "POST" and json_body else "json"
    return ApiRequest(url=url, kind=kind, method=method, data=dict(form) if form else None)


def _filled(pairs: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Page parameters known only at run time start at 1 (size: DEFAULT_PAGE_SIZE); other unknowns go."""
    out = []
    for key, value in pairs:
        value = str(value)
        if _HOLE in value:
            if key.lower() in PAGE_NUMBER_KEYS:
                value = "1"
            elif key.lower() in PAGE_SIZE_KEYS:
                value = str(DEFAULT_PAGE_SIZE)
            else:
                continue
        out.append((key, value))
    return out
