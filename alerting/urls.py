"""apprise URLs: validate one, and mask or scrub its secrets before anything is logged or shown.

Pure: apprise only parses the URL here (no network I/O), so subscription files can be checked
below storage/ and the delivery code in scheduler/alerts/channels.py reuses the same rules.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import apprise

_HOSTNAME = re.compile(r"^(localhost|\[[0-9a-f:.]+\]|[a-z0-9-]+(\.[a-z0-9-]+)+)$", re.IGNORECASE)


def split_scheme(url: str) -> tuple[str, str] | None:
    if not isinstance(url, str) or "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*", scheme):
        return None
    return scheme.lower(), rest


def _netloc(rest: str) -> tuple[str, str]:
    """(userinfo, host[:port]) of the part after ``scheme://``; userinfo may hold a password."""
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, _, hostport = authority.rpartition("@")
    return userinfo, hostport


def mask_url(url: str) -> str:
    """``scheme://host[:port]`` only; a host that is really a token becomes ``***``.

    >>> mask_url("mailto://user:pass@smtp.qq.com?to=a@qq.com")
    'mailto://smtp.qq.com'
    >>> mask_url("dingtalk://abcdef0123/13800000000")
    'dingtalk://***'
    """
    parts = split_scheme(url)
    if parts is None:
        return "<无效地址>"
    scheme, rest = parts
    _userinfo, hostport = _netloc(rest)
    host, _, port = hostport.rpartition(":") if re.search(r":\d+$", hostport) else (hostport, "", "")
    if not _HOSTNAME.match(host):
        return f"{scheme}://***"
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _url_secrets(url: str) -> set[str]:
    """Every fragment of ``url`` that could be a secret, raw and percent-decoded."""
    parts = split_scheme(url)
    if parts is None:
        return {url} if isinstance(url, str) and url else set()
    _scheme, rest = parts
    userinfo, hostport = _netloc(rest)
    found = {url, rest, userinfo, *userinfo.split(":")}
    if not mask_url(url).endswith(hostport):
        found |= {hostport, *hostport.split(":")}
    split = urlsplit("x://" + rest.replace("#", "%23"))
    found |= set(split.path.split("/"))
    for key, value in parse_qsl(split.query, keep_blank_values=False):
        if key.lower() not in {"format", "overflow", "mode", "method", "verify", "rto", "cto"}:
            found.add(value)
    found |= {unquote(x) for x in found}
    # A target may echo what it was sent: percent-encoded again, or as a Basic auth header
    # (base64 of "user:password").
    found |= {quote(x, safe="") for x in found}
    for pair in {userinfo, unquote(userinfo)}:
        if ":" in pair:
            found.add(base64.b64encode(pair.encode("utf-8")).decode("ascii"))
    return {x for x in found if len(x) >= 3}


_SECRET_PARAMS = re.compile(
    r"((?:access_token|token|key|secret|sign|password|pass)=)[^&\s'\"]+", re.IGNORECASE
)


def scrub(text: str, url: str) -> str:
    """Replace every secret fragment of ``url`` in ``text`` with ``***`` (longest first)."""
    for secret in sorted(_url_secrets(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return _SECRET_PARAMS.sub(r"\1***", text)


def instantiate(url: str) -> Any | None:
    """The apprise plugin for ``url`` (no network I/O), or None when apprise rejects it."""
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:  # noqa: BLE001 - a malformed URL must never raise
        return None


def is_valid_url(url: str) -> bool:
    """Whether apprise can build a notifier from ``url`` (no network I/O)."""
    return instantiate(url) is not None
