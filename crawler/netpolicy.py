"""Network policy: which URLs fzwatch may ever ask for (issue 12, SSRF).

One rule for every outgoing request — start URLs, links, redirects (hop by hop), attachments, list APIs,
site search and browser rendering — and for what a user may register (`sites add` / `sites import`):

- http and https only, with a host;
- a crawl stays on its site's origins: the start URLs' (host, port), plus `options.allowed_hosts`
  (`host` = that host on the default http/https ports, `host:port` = exactly that). http → https on the
  same host and default ports counts as the same site (portals upgrade their links);
- addresses are checked after DNS resolution: private, loopback, shared, reserved, multicast and
  unspecified addresses (IPv4, IPv6, IPv4-mapped, and numeric host forms such as `0x7f.1` or
  `2130706433`) are refused unless the operator sets FZWATCH_ALLOW_PRIVATE=1 (tests on 127.0.0.x,
  intranet deployments); link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10,
  `metadata.*`, fd00:ec2::254) stay refused even then.

Python's `ipaddress` classifies; `socket.inet_aton` reads the legacy numeric forms that browsers and
libc accept. What no library does here is the combination, so it is written out below.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "FZWATCH_ALLOW_PRIVATE"
DEFAULT_PORTS = {"http": 80, "https": 443}
METADATA_NAMES = ("metadata", "metadata.google.internal", "metadata.goog", "instance-data")
ALWAYS_REFUSED_NETS = [
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",
        "fe80::/10",
        "fd00:ec2::254/128",
        "100.100.100.200/32",  # link-local, AWS v6, Alibaba
    )
]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PolicyError(ValueError):
    """A URL fzwatch must not fetch; the message says why (English, for logs; see `reason_zh`)."""

    def __init__(self, message: str, reason_zh: str) -> None:
        super().__init__(message)
        self.reason_zh = reason_zh


def allow_private(env: dict[str, str] | None = None) -> bool:
    return (env if env is not None else os.environ).get(ALLOW_PRIVATE_ENV, "") in ("1", "true", "yes")


@dataclass(frozen=True)
class Origin:
    host: str
    port: int | None  # None: the default http/https ports


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, in any form libc accepts (`0x7f.1`, `2130706433`, `[::1]`)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_problem(address: IPAddress, private_ok: bool) -> PolicyError | None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if any(address in net for net in ALWAYS_REFUSED_NETS if net.version == address.version):
        return PolicyError(
            f"link-local or cloud-metadata address {address}", f"链路本地或云元数据地址 {address}"
        )
    if address.is_global and not address.is_multicast:
        return None
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return PolicyError(f"reserved or multicast address {address}", f"保留或组播地址 {address}")
    if private_ok:
        return None
    return PolicyError(
        f"private or loopback address {address} (set {ALLOW_PRIVATE_ENV}=1 to allow)",
        f"内网或本机地址 {address}（如确需抓取内网站点，请设置 {ALLOW_PRIVATE_ENV}=1）",
    )


def check_url(url: str, private_ok: bool | None = None, resolve: bool = False) -> str:
    """The URL when fzwatch may fetch it; raises PolicyError otherwise. ``resolve`` also checks the
    addresses DNS gives for the host (a name that does not resolve passes: the crawl checks again)."""
    private_ok = allow_private() if private_ok is None else private_ok
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        raise PolicyError(f"malformed URL {url!r}", "网址格式错误") from None
    if parts.scheme not in DEFAULT_PORTS or not host:
        raise PolicyError(
            f"not an http(s) URL with a host: {url!r}", "只支持带主机名的 http:// 或 https:// 网址"
        )
    if host in METADATA_NAMES or host.startswith("metadata."):
        raise PolicyError(f"cloud-metadata host {host}", f"云元数据主机 {host}")
    literal = literal_address(host)
    addresses = (
        [literal]
        if literal is not None
        else (resolve_host(host, port or DEFAULT_PORTS[parts.scheme]) if resolve else [])
    )
    for address in addresses:
        problem = address_problem(address, private_ok)
        if problem is not None:
            raise problem
    return str(url).strip()


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address DNS gives for the host; [] when it does not resolve (blocking: call off the reactor)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        try:
            found.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            continue
    return found


def site_origins(start_urls: Iterable[str], allowed_hosts: Iterable[str] = ()) -> set[Origin]:
    origins: set[Origin] = set()
    for url in start_urls:
        parts = urlsplit(url)
        if parts.hostname:
            explicit = parts.port if parts.port not in (None, DEFAULT_PORTS.get(parts.scheme)) else None
            origins.add(Origin(parts.hostname.lower(), explicit))
    for entry in allowed_hosts:
        parts = urlsplit(f"//{str(entry).strip()}")
        try:
            port = parts.port
        except ValueError:
            continue
        if parts.hostname:
            origins.add(Origin(parts.hostname.lower(), port if port not in (80, 443) else None))
    return origins


def url_origin(url: str) -> Origin | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return Origin(parts.hostname.lower(), port if port not in (None, DEFAULT_PORTS[parts.scheme]) else None)


def in_origins(url: str, origins: set[Origin]) -> bool:
    """Same host and port as one of the site's origins (another port of the same host is another site)."""
    origin = url_origin(url)
    return origin is not None and origin in origins
