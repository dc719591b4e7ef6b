"""Anti-bot answers (瑞数, 加速乐, cookie/JS shells, 403/429), told apart from deletions."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

from parsers.listing.bodies import _header
from parsers.listing.urls import canonical_url

_SHELL_MAX_BYTES = 600
_COOKIE_SHELL_NAMES = ("CT6T", "C3VK", "__jsluid", "acw_tc", "wzws")


def detect_block(
    status: int, headers: Mapping[str, str] | None, body: bytes, url: str | None = None
) -> str | None:
    """Recognise an anti-bot answer (never a deletion).

    Returns "ruishu" (瑞数 412 + ``$_ts``), "jiasule" (加速乐 521/512 ``document.cookie``,
    ``__jsl_clearance``), "cookie_shell" (302 to itself setting a cookie, or a tiny page setting a
    known challenge cookie), "js_shell" (tiny JS-only page with document.cookie/location.reload),
    "forbidden" (403), "rate_limited" (429) — else None (normal pages and 404s).
    """
    body = body or b""
    head = body[:20000]
    cookies = _header(headers, "set-cookie") or ""
    if b"$_ts" in head and (status in (202, 412) or len(body) < 20000):
        return "ruishu"
    if b"__jsl_clearance" in head or "__jsl_clearance" in cookies:
        return "jiasule"
    if status in (512, 521) and (b"document.cookie" in head or b"<script" in head.lower()):
        return "jiasule"
    if 300 <= status < 400 and _is_cookie_redirect(headers, cookies, url):
        return "cookie_shell"
    if status in (403, 412):
        return "forbidden"
    if status == 429:
        return "rate_limited"
    if status < 400 and len(body.strip()) < _SHELL_MAX_BYTES:
        return _tiny_shell_kind(body, cookies)
    return None


def _is_cookie_redirect(headers: Mapping[str, str] | None, cookies: str, url: str | None) -> bool:
    location = _header(headers, "location") or ""
    if not cookies or not location:
        return False
    if url:
        return canonical_url(urljoin(url, location)) == canonical_url(url)
    return any(name in cookies for name in _COOKIE_SHELL_NAMES)


def _tiny_shell_kind(body: bytes, cookies: str) -> str | None:
    lower = body.lower()
    scripted = b"<script" in lower
    if not scripted:
        return None
    if any(name.encode() in body for name in _COOKIE_SHELL_NAMES) or (
        cookies and any(name in cookies for name in _COOKIE_SHELL_NAMES)
    ):
        return "cookie_shell"
    markers = (b"document.cookie", b"location.reload", b"location.href=location", b"location.replace")
    if any(marker in lower.replace(b" ", b"") for marker in markers):
        return "js_shell"
    return None
