"""The site registry: YAML files (`sites/*.yaml`) validated into plain site specs for storage."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from crawler import netpolicy

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
KNOWN_FIELDS = {"id", "name", "region", "start_urls", "interval", "cron", "enabled", "options"}


class RegistryError(ValueError):
    """A registry entry or file a user wrote is not valid; the message says where and why."""


def parse_duration(text: str | int) -> int:
    """'90s', '15m', '6h', '1d', '1w' (or plain seconds) -> seconds."""
    if isinstance(text, int):
        return text
    m = DURATION.match(str(text))
    if not m:
        raise RegistryError(f"invalid interval {text!r}: use a number and s/m/h/d/w, e.g. 90s, 15m, 6h, 1d")
    return int(float(m.group(1)) * UNIT_SECONDS[m.group(2)])


def check_url(url: str) -> str:
    """A URL a site may be crawled from: http(s) with a host, and allowed by the network policy (literal
    addresses always; names when they resolve here — the crawl checks every request again)."""
    try:
        parts = urlsplit(str(url).strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise RegistryError(f"invalid URL {url!r}: malformed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"invalid URL {url!r}: expected http:// or https:// with a host")
    try:
        return netpolicy.check_url(url, resolve=True)
    except netpolicy.PolicyError as exc:
        raise RegistryError(f"网址 {url!r} 不允许抓取：{exc.reason_zh}") from None


def check_options_urls(options: dict[str, Any], base: str) -> None:
    """URLs and hosts inside `options` obey the same policy as start URLs."""
    for host in options.get("allowed_hosts") or []:
        check_url(f"http://{str(host).strip()}/")
    if options.get("search_url"):
        check_url(urljoin(base, str(options["search_url"]).replace("{q}", "q")))
    apis = list(options.get("list_apis") or []) + ([options["list_api"]] if options.get("list_api") else [])
    for api in apis:
        if isinstance(api, dict) and api.get("url"):
            check_url(urljoin(base, re.sub(r"\{[^}]*\}", "1", str(api["url"]))))


def site_id_from_url(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "site").removeprefix("www.")
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host}-{parts.port}" if parts.port else host)
    return slug.strip("-")[:100]


def validate_site(entry: Any, where: str = "site") -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping with id, name, start_urls")
    unknown = set(entry) - KNOWN_FIELDS
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("name", "start_urls"):
        if not entry.get(required):
            raise RegistryError(f"{where}: missing '{required}'")
    urls = entry["start_urls"]
    urls = [urls] if isinstance(urls, str) else list(urls)
    try:
        urls = [check_url(u) for u in urls]
        interval = parse_duration(entry.get("interval", "1d"))
    except RegistryError as exc:
        raise RegistryError(f"{where}: {exc}") from None
    site_id = str(entry.get("id") or site_id_from_url(urls[0]))
    if not SITE_ID.match(site_id):
        raise RegistryError(f"{where}: invalid id {site_id!r} (lowercase letters, digits, - and _)")
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise RegistryError(f"{where}: 'options' must be a mapping")
    try:
        check_options_urls(options, urls[0])
    except RegistryError as exc:
        raise RegistryError(f"{where}: {exc}") from None
    return {
        "id": site_id,
        "name": str(entry["name"]).strip(),
        "region": str(entry.get("region") or "").strip(),
        "start_urls": urls,
        "interval_seconds": interval,
        "cron": entry.get("cron"),
        "enabled": bool(entry.get("enabled", True)),
        "options": options,
    }


def load_registry_file(path: str | Path) -> list[dict[str, Any]]:
    """A YAML mapping with a `sites:` list, or a bare list. Ids must be unique within the file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
    entries = data.get("sites") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a `sites:` list")
    specs = [validate_site(e, f"{path.name} entry {i + 1}") for i, e in enumerate(entries)]
    seen: set[str] = set()
    for spec in specs:
        if spec["id"] in seen:
            raise RegistryError(f"{path.name}: duplicate site id {spec['id']!r}")
        seen.add(spec["id"])
    return specs


def bundled_registry_files(root: Path | None = None) -> list[Path]:
    root = root or Path(__file__).resolve().parent.parent / "sites"
    return sorted(root.glob("*.yaml"))
