"""The site registry: YAML files (`sites/*.yaml`) validated into plain site specs for storage."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from config.errors import Problem
from config.sites import SiteEntry, site_entry_problems
from config.yamlsrc import LineMap, load_yaml, yaml_error_line
from crawler import netpolicy

Path_ = tuple[str | int, ...]


class RegistryError(ValueError):
    """A registry entry or file a user wrote is not valid; the message lists every problem and its line."""


def check_url(url: str) -> str:
    """A URL a site may be crawled from: http(s) with a host, and allowed by the network policy (literal
    addresses always; names when they resolve here — the crawl checks every request again)."""
    try:
        parts = urlsplit(str(url).strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise RegistryError(f"网址无效 {url!r}：格式错误") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"网址无效 {url!r}：应为 http:// 或 https:// 开头并带主机名")
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


def _url_problems(entry: SiteEntry, lines: LineMap, prefix: Path_) -> tuple[list[str], list[Problem]]:
    """The start URLs as the policy normalises them, and every URL (start or in options) it refuses."""
    urls, problems = [], []
    for n, url in enumerate(entry.start_urls):
        try:
            urls.append(check_url(url))
        except RegistryError as exc:
            path = (*prefix, "start_urls", n)
            problems.append(Problem(path, str(exc), lines.line(path)))
    if urls:
        try:
            check_options_urls(entry.options_dict(), urls[0])
        except RegistryError as exc:
            path = (*prefix, "options")
            problems.append(Problem(path, str(exc), lines.line(path)))
    return urls, problems


def site_problems(
    raw: Any, lines: LineMap | None = None, prefix: Path_ = ()
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """One registry entry -> (site spec for storage, []) or (None, every problem with its line)."""
    lines = lines or LineMap()
    entry, problems = site_entry_problems(raw, lines, prefix)
    if entry is None:
        return None, problems
    urls, problems = _url_problems(entry, lines, prefix)
    if problems:
        return None, problems
    site_id = entry.id or site_id_from_url(urls[0])
    return {
        "id": site_id,
        "name": entry.name,
        "region": (entry.region or "").strip(),
        "start_urls": urls,
        "interval_seconds": entry.interval_seconds,
        "cron": entry.cron,
        "enabled": entry.enabled,
        "options": entry.options_dict(),
    }, []


def _raise(problems: list[Problem], source: str) -> None:
    if problems:
        problems = sorted(problems, key=lambda p: p.line or 0)
        raise RegistryError("\n".join(p.render(source) for p in problems))


def validate_site(entry: Any, where: str = "站点") -> dict[str, Any]:
    """One entry (CLI flags, web API) -> site spec; RegistryError lists every problem."""
    spec, problems = site_problems(entry)
    _raise(problems, where)
    assert spec is not None  # no problems means a spec
    return spec


def parse_registry(text: str, source: str) -> list[dict[str, Any]]:
    """Registry YAML (a `sites:` mapping or a bare list) -> specs; every problem of the file listed at once,
    each with its line, and ids unique within the file."""
    try:
        data, lines = load_yaml(text)
    except yaml.YAMLError as exc:
        line = yaml_error_line(exc)
        raise RegistryError(f"{source}{f' 第{line}行' if line else ''}：YAML 语法错误") from None
    entries, base = (data.get("sites"), ("sites",)) if isinstance(data, dict) else (data, ())
    if not isinstance(entries, list):
        raise RegistryError(f"{source}：顶层应为 `sites:` 列表")
    specs, problems, seen = [], [], set()
    for i, raw in enumerate(entries):
        spec, found = site_problems(raw, lines, (*base, i))
        problems += found
        if spec is not None and spec["id"] in seen:
            problems.append(Problem((*base, i, "id"), f"站点 ID 重复 {spec['id']!r}", lines.line((*base, i))))
        elif spec is not None:
            seen.add(spec["id"])
            specs.append(spec)
    _raise(problems, source)
    return specs


def load_registry_file(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}：文件不存在 (no such file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}：无法读取（{exc.__class__.__name__}）") from None
    return parse_registry(text, path.name)


def stored_site_problem(cron: str | None, interval_seconds: int) -> str | None:
    """Why a site already stored cannot be scheduled (written before entries were validated), or None."""
    _entry, problems = site_entry_problems(
        {"name": "-", "start_urls": ["-"], "cron": cron, "interval": max(int(interval_seconds or 0), 1)}
    )
    return "；".join(p.render() for p in problems) or None


def bundled_registry_files(root: Path | None = None) -> list[Path]:
    root = root or Path(__file__).resolve().parent.parent / "sites"
    return sorted(root.glob("*.yaml"))
