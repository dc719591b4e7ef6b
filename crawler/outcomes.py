"""Why a fetch failed, as a short code shared by logs (English) and the CLI (Chinese).

A DNS failure, a refused connection, a timeout and an HTTP 500 are different problems for an operator
(a typo in the registry, a server down, a slow or blocking network, a broken site): one word each.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net
from twisted.web._newclient import ResponseNeverReceived

# code -> (English for logs and the run record, Chinese for users)
FAILURES: dict[str, tuple[str, str]] = {
    "dns": ("DNS lookup failed", "域名解析失败"),
    "refused": ("connection refused", "连接被拒绝"),
    "timeout": ("timed out", "连接超时"),
    "reset": ("connection lost", "连接中断"),
    "tls": ("TLS handshake failed", "TLS/证书握手失败"),
    "robots": ("forbidden by robots.txt", "robots.txt 禁止抓取"),
    "policy": ("refused by the network policy", "网络策略禁止访问"),
    "error": ("fetch failed", "抓取失败"),
}


def failure_kind(exc: BaseException | None) -> str:
    name = type(exc).__name__
    response = getattr(exc, "response", None)  # scrapy's HttpError carries the answer
    if name == "HttpError" and response is not None:
        return f"http_{response.status}"
    # Scrapy >= 2.14 wraps Twisted's errors in its own (CannotResolveHostError, …): match both.
    if isinstance(exc, net.DNSLookupError) or name == "CannotResolveHostError":
        return "dns"
    if isinstance(exc, net.ConnectionRefusedError) or name == "DownloadConnectionRefusedError":
        return "refused"
    if (
        isinstance(exc, net.TimeoutError | net.TCPTimedOutError | TimeoutError)
        or name == "DownloadTimeoutError"
    ):
        return "timeout"
    if isinstance(exc, net.ConnectionLost | net.ConnectionDone | ResponseNeverReceived) or name in (
        "ResponseDataLossError",
        "DownloadFailedError",
    ):
        return "reset"
    if "SSL" in name or "TLS" in name:
        return "tls"
    if name == "RefusedByPolicy":
        return "policy"
    if isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower():
        return "robots"
    return "error"


def describe(code: str | None, zh: bool = False) -> str:
    """A failure code as words; `http_500` → 'HTTP 500'."""
    if not code:
        return FAILURES["error"][1 if zh else 0]
    if code.startswith("http_"):
        return f"HTTP {code[5:]}" + ("（服务器错误）" if zh and code[5:].startswith("5") else "")
    return FAILURES.get(code, FAILURES["error"])[1 if zh else 0]


def error_zh(text: str | None) -> str | None:
    """A run's error (English, as logged) in Chinese for the CLI and dashboard."""
    if not text:
        return text
    for prefix, zh in (
        ("start pages refused by the network policy: ", "网络策略禁止访问："),
        ("start pages unreachable: ", "首页无法访问："),
        ("blocked by an anti-bot challenge ", "被反爬虫验证拦截"),
    ):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            english = {en: zh_text for en, zh_text in FAILURES.values()}
            if rest.startswith("HTTP "):
                return zh + describe("http_" + rest[5:].split()[0], zh=True)
            return zh + english.get(rest, rest)
    if text.startswith("crawl abandoned after"):
        return "抓取超时，已终止"
    return text
