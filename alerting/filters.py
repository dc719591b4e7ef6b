"""Which events a subscription wants, and subscriptions declared in a YAML file.

Matching rules (all given conditions must hold; an empty or missing condition matches all):

- ``events``, ``sites`` (site ids) and ``region_prefix`` apply to every event;
- ``agency_contains``, ``year`` and ``keywords`` describe a *report*: they apply to events that
  carry that field (report events and ``report_overdue``), and leave site events alone;
  ``agency_contains`` falls back to the site name when an event has no agency;
- ``keywords`` match when *any* keyword appears in the report text (or, without text, in the
  title and source sentence of the payload);
- ``indicator_keys`` applies to ``indicator_changed`` only: the key must be listed and
  ``|new - old|`` must reach its own threshold (``None`` = any change).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from alerting.messages import EVENT_KINDS
from alerting.schedule import digest_spec_errors, next_digest_time, normalize_digest
from alerting.urls import is_valid_url, mask_url
from config.subscriptions import subscription_document_problems
from config.yamlsrc import load_yaml
from parsers.indicators import list_indicators

logger = logging.getLogger(__name__)

__all__ = [
    "SubscriptionConfigError",
    "SubscriptionFilter",
    "load_subscriptions_yaml",
    "matches",
    "next_digest_time",
    "parse_subscriptions",
    "unknown_indicator_keys",
]

#: Threshold used for an indicator listed without its own: any reported change alerts.
DEFAULT_INDICATOR_THRESHOLD = 0.0

_REPORT_FIELDS_ABSENT_KINDS = frozenset({"site_failing", "site_blocked", "site_recovered", "site_suspect"})


@dataclass
class SubscriptionFilter:
    """What a subscription wants; ``None`` (or empty) means "no restriction"."""

    events: list[str] | None = None
    sites: list[str] | None = None
    region_prefix: str | None = None
    agency_contains: str | None = None
    year: int | None = None
    indicator_keys: dict[str, float | None] | None = None
    keywords: list[str] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SubscriptionFilter:
        """Build from stored JSON; ``indicators`` (YAML spelling, list or map) is accepted too."""
        data = dict(data or {})
        if "indicators" in data and "indicator_keys" not in data:
            data["indicator_keys"] = data.pop("indicators")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("indicator_keys"), list):
            values["indicator_keys"] = dict.fromkeys(values["indicator_keys"])
        for key in ("events", "sites", "keywords"):
            if isinstance(values.get(key), str):
                values[key] = [values[key]]
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable dict without the unset conditions."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], {}, "")}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _indicator_ok(flt: SubscriptionFilter, payload: Mapping[str, Any]) -> bool:
    keys = flt.indicator_keys
    if not keys:
        return True
    key = payload.get("key")
    if key not in keys:
        return False
    threshold = keys[key]
    threshold = DEFAULT_INDICATOR_THRESHOLD if threshold is None else float(threshold)
    old, new = payload.get("old"), payload.get("new")
    a = _number(old.get("value")) if isinstance(old, Mapping) else None
    b = _number(new.get("value")) if isinstance(new, Mapping) else None
    if a is None or b is None:
        return True  # a change was detected but is not numeric: do not silence it
    return abs(b - a) >= threshold


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _keywords_ok(flt: SubscriptionFilter, payload: Mapping[str, Any], report_text: str | None) -> bool:
    if not flt.keywords:
        return True
    haystack = report_text
    if haystack is None:
        haystack = " ".join(str(payload.get(k) or "") for k in ("title", "text"))
    squashed = _squash(haystack)
    return any(_squash(k) in squashed for k in flt.keywords if k)


def _report_ok(flt: SubscriptionFilter, payload: Mapping[str, Any], report_text: str | None) -> bool:
    if flt.agency_contains:
        who = payload.get("agency") or payload.get("site_name") or ""
        if flt.agency_contains not in str(who):
            return False
    if flt.year is not None and str(payload.get("year")) != str(flt.year):
        return False
    return _keywords_ok(flt, payload, report_text)


def matches(
    flt: SubscriptionFilter, kind: str, payload: Mapping[str, Any] | None, report_text: str | None = None
) -> bool:
    """Whether an event of ``kind`` with ``payload`` goes to a subscription with filter ``flt``."""
    payload = payload or {}
    if flt.events and kind not in flt.events:
        return False
    if flt.sites and str(payload.get("site_id")) not in {str(s) for s in flt.sites}:
        return False
    if flt.region_prefix and not str(payload.get("region") or "").startswith(flt.region_prefix):
        return False
    if kind == "indicator_changed" and not _indicator_ok(flt, payload):
        return False
    if kind in _REPORT_FIELDS_ABSENT_KINDS:
        return True
    return _report_ok(flt, payload, report_text)


# ---------------------------------------------------------------------------------------------
# YAML-declared subscriptions


class SubscriptionConfigError(ValueError):
    """The subscriptions file is unreadable or invalid; the message lists every problem, one per line."""


_ALLOWED_KEYS = (
    "name",
    "url",
    "urls",
    "events",
    "sites",
    "region_prefix",
    "agency_contains",
    "year",
    "indicators",
    "keywords",
    "mode",
    "digest",
)
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand_env(url: str, where: str, errors: list[str]) -> str:
    """``${NAME}`` in a URL comes from the environment, so the YAML file can hold no secrets."""

    def repl(m: re.Match[str]) -> str:
        value = os.environ.get(m.group(1))
        if value is None:
            errors.append(f"{where}: 环境变量 {m.group(1)} 未设置 (environment variable not set)")
            return ""
        return value

    return _ENV.sub(repl, url)


def _str_list(value: Any, key: str, where: str, errors: list[str]) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str | int) and str(x).strip() for x in value):
        errors.append(f"{where}: {key} 必须是非空字符串列表 (must be a list of non-empty strings)")
        return None
    return [str(x).strip() for x in value] or None


def _urls(spec: Mapping[str, Any], where: str, errors: list[str]) -> list[str]:
    raw = _str_list(spec.get("urls"), "urls", where, errors) or []
    if spec.get("url") is not None:
        raw += _str_list(spec.get("url"), "url", where, errors) or []
    if not raw:
        errors.append(f"{where}: 缺少通知地址 url/urls (no apprise URL given)")
    urls = []
    for n, url in enumerate(raw, 1):
        url = _expand_env(url, where, errors)
        if url and not is_valid_url(url):
            errors.append(f"{where}: 第{n}个通知地址无效 (invalid apprise URL) {mask_url(url)}")
        urls.append(url)
    return urls


def unknown_indicator_keys(keys: Any) -> list[str]:
    """Keys not in the indicator registry (``fzwatch indicators --list-keys``): a typo would never fire."""
    known = {d.key for d in list_indicators()}
    return [str(k) for k in keys if str(k) not in known]


def _check_indicator_keys(keys: Any, where: str, errors: list[str]) -> None:
    unknown = unknown_indicator_keys(keys)
    if unknown:
        errors.append(
            f"{where}: 未知指标 {', '.join(unknown)} (unknown indicator keys; see "
            "`fzwatch indicators --list-keys`)"
        )


def _indicators(value: Any, where: str, errors: list[str]) -> dict[str, float | None] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        _check_indicator_keys(value, where, errors)
        return dict.fromkeys(value) or None
    if isinstance(value, Mapping):
        out: dict[str, float | None] = {}
        for key, threshold in value.items():
            if threshold is not None and _number(threshold) is None:
                errors.append(
                    f"{where}: indicators.{key} 的阈值必须是数字或留空 (threshold must be a number or null)"
                )
                continue
            out[str(key)] = None if threshold is None else float(threshold)
        _check_indicator_keys(out, where, errors)
        return out or None
    errors.append(
        f"{where}: indicators 必须是指标名列表或 {{指标: 阈值}} 映射 (list of keys or key → threshold map)"
    )
    return None


def _filters(spec: Mapping[str, Any], where: str, errors: list[str]) -> SubscriptionFilter:
    events = _str_list(spec.get("events"), "events", where, errors)
    for kind in events or []:
        if kind not in EVENT_KINDS:
            errors.append(
                f"{where}: 未知事件类型 {kind!r} (unknown event kind; choose from {', '.join(EVENT_KINDS)})"
            )
    year = spec.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
        errors.append(f"{where}: year 必须是年份整数，如 2024 (must be an integer year), got {year!r}")
        year = None
    texts = {}
    for key in ("region_prefix", "agency_contains"):
        value = spec.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            errors.append(f"{where}: {key} 必须是非空字符串 (must be a non-empty string)")
            value = None
        texts[key] = value.strip() if isinstance(value, str) else None
    return SubscriptionFilter(
        events=events,
        sites=_str_list(spec.get("sites"), "sites", where, errors),
        year=year,
        indicator_keys=_indicators(spec.get("indicators"), where, errors),
        keywords=_str_list(spec.get("keywords"), "keywords", where, errors),
        **texts,
    )


def _mode_and_digest(spec: Mapping[str, Any], where: str, errors: list[str]) -> tuple[str, dict[str, str]]:
    mode = spec.get("mode", "digest" if spec.get("digest") else "immediate")
    if mode not in ("immediate", "digest"):
        errors.append(f"{where}: mode 必须是 immediate 或 digest (must be immediate or digest), got {mode!r}")
        return "immediate", {}
    if mode == "immediate":
        if spec.get("digest"):
            errors.append(f"{where}: 给出了 digest 但 mode 是 immediate (digest given but mode is immediate)")
        return mode, {}
    problems = digest_spec_errors(spec.get("digest"))
    errors.extend(f"{where}: {p}" for p in problems)
    return mode, ({} if problems else normalize_digest(spec.get("digest")))


def _one(spec: Any, index: int, seen: set[str], errors: list[str]) -> dict[str, Any] | None:
    where = f"subscriptions[{index}]"
    if not isinstance(spec, Mapping):
        errors.append(f"{where}: 每个订阅必须是映射 (each subscription must be a mapping)")
        return None
    name = spec.get("name")
    where = f"{where} ({name})" if name else where
    if not isinstance(name, str) or not name.strip():
        errors.append(f"{where}: 缺少 name (name is required, a non-empty string)")
    elif name in seen:
        errors.append(f"{where}: name 重复 (duplicate name {name!r})")
    seen.add(str(name))
    for key in spec:
        if key not in _ALLOWED_KEYS:
            errors.append(f"{where}: 未知的键 {key!r} (unknown key; allowed: {', '.join(_ALLOWED_KEYS)})")
    urls = _urls(spec, where, errors)
    flt = _filters(spec, where, errors)
    mode, digest = _mode_and_digest(spec, where, errors)
    return {"name": name, "urls": urls, "filters": flt.to_dict(), "mode": mode, "digest": digest}


def parse_subscriptions(data: Any, source: str = "<yaml>") -> list[dict[str, Any]]:
    """Validate already-loaded YAML data; returns ``{name, urls, filters, mode, digest}`` dicts."""
    if data is None:
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get("subscriptions", []), list):
        raise SubscriptionConfigError(
            f"{source}: 顶层必须是 `subscriptions:` 列表 (top level must be a "
            "mapping with a `subscriptions:` list)"
        )
    errors: list[str] = []
    extra = [k for k in data if k != "subscriptions"]
    if extra:
        errors.append(f"未知的顶层键 (unknown top-level keys): {', '.join(map(str, extra))}")
    seen: set[str] = set()
    result = [_one(spec, i, seen, errors) for i, spec in enumerate(data.get("subscriptions") or [])]
    if errors:
        raise SubscriptionConfigError("\n".join(f"{source}: {e}" for e in errors))
    return [r for r in result if r is not None]


def load_subscriptions_yaml(
    path: str | os.PathLike[str], known_sites: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Read and validate a subscriptions YAML file; raises :class:`SubscriptionConfigError`.

    The shape (keys, types, and with ``known_sites`` the site ids) is checked by ``config`` with lines
    first, every problem at once; then what the values mean."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriptionConfigError(f"{source}: 无法读取文件 (cannot read file): {exc}") from None
    try:
        data, lines = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" 第{mark.line + 1}行 (line {mark.line + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SubscriptionConfigError(f"{source}:{line} YAML 语法错误 (syntax error): {problem}") from None
    problems = subscription_document_problems(data, lines, known_sites)
    if problems:
        raise SubscriptionConfigError("\n".join(p.render(source) for p in problems))
    return parse_subscriptions(data, source)
