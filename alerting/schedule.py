"""When a subscription's deliveries are due: now (immediate) or at its next digest slot.

A digest spec is a dict ``{every: daily|weekly, at: "08:30", weekday: mon, tz: Asia/Shanghai}``;
every key is optional (defaults below). Pure functions over tz-aware datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DIGEST: dict[str, str] = {"every": "daily", "at": "08:30", "weekday": "mon", "tz": "Asia/Shanghai"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY = ("daily", "weekly")
_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def digest_spec_errors(spec: Any) -> list[str]:
    """Problems with a digest spec, one line each (empty when valid)."""
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        return ["digest 必须是映射 (digest must be a mapping like {every: daily, at: '08:30'})"]
    errors = [
        f"digest 中未知的键 {k!r} (unknown digest key; allowed: {', '.join(DEFAULT_DIGEST)})"
        for k in spec
        if k not in DEFAULT_DIGEST
    ]
    if "every" in spec and spec["every"] not in EVERY:
        errors.append(f"digest.every 必须是 daily 或 weekly (must be daily or weekly), got {spec['every']!r}")
    if "at" in spec and not (isinstance(spec["at"], str) and _AT.match(spec["at"])):
        errors.append(f'digest.at 必须是 "HH:MM" 格式 (must be "HH:MM", quoted), got {spec["at"]!r}')
    if "weekday" in spec and str(spec["weekday"]).lower()[:3] not in WEEKDAYS:
        errors.append(f"digest.weekday 必须是 {'/'.join(WEEKDAYS)} 之一, got {spec['weekday']!r}")
    if "tz" in spec:
        try:
            ZoneInfo(str(spec["tz"]))
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"digest.tz 不是有效时区 (unknown time zone) {spec['tz']!r}")
    return errors


def normalize_digest(spec: Mapping[str, Any] | None) -> dict[str, str]:
    """The spec with defaults filled in (``weekday`` only kept for weekly digests)."""
    errors = digest_spec_errors(spec)
    if errors:
        raise ValueError("; ".join(errors))
    merged = {**DEFAULT_DIGEST, **{k: str(v) for k, v in (spec or {}).items()}}
    merged["weekday"] = merged["weekday"].lower()[:3]
    if merged["every"] == "daily":
        merged.pop("weekday")
    return merged


def next_digest_time(spec: Mapping[str, Any] | None, after: datetime) -> datetime:
    """First digest slot strictly after ``after`` (naive ``after`` is taken as UTC), in the spec's zone."""
    full = {**DEFAULT_DIGEST, **normalize_digest(spec)}
    zone = ZoneInfo(full["tz"])
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    local = after.astimezone(zone)
    hour, minute = (int(x) for x in full["at"].split(":"))
    for days in range(8):
        day = local.date() + timedelta(days=days)
        if full["every"] == "weekly" and day.weekday() != WEEKDAYS.index(full["weekday"]):
            continue
        slot = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if slot > after:
            return slot
    raise AssertionError("unreachable: a slot exists within 8 days")  # pragma: no cover


def next_delivery_time(mode: str, digest: Mapping[str, Any] | None, now: datetime) -> datetime:
    """When an event queued at ``now`` is due: ``now`` for immediate, the next digest slot otherwise."""
    if mode == "digest":
        return next_digest_time(digest or None, now)
    return now


_OPTION = re.compile(
    r"^(daily|weekly)(?:@(?:(mon|tue|wed|thu|fri|sat|sun)\b[\s,@]*)?(\d{1,2}:\d{2})?)?$", re.IGNORECASE
)


def parse_digest_option(text: str, tz: str = "Asia/Shanghai") -> dict[str, str]:
    """``daily@08:30``, ``weekly@mon 08:30``, ``daily`` or ``weekly@fri`` → a normalized digest spec.

    >>> parse_digest_option("weekly@mon 09:00")
    {'every': 'weekly', 'at': '09:00', 'weekday': 'mon', 'tz': 'Asia/Shanghai'}
    """
    m = _OPTION.match(text.strip())
    if m is None:
        raise ValueError(f"无效的汇总时间 {text!r} (invalid digest: use daily@08:30 or 'weekly@mon 08:30')")
    spec = {"every": m.group(1).lower(), "at": m.group(3) or DEFAULT_DIGEST["at"], "tz": tz}
    if m.group(2):
        if spec["every"] == "daily":
            raise ValueError(f"每日汇总不能指定星期 (a daily digest has no weekday): {text!r}")
        spec["weekday"] = m.group(2).lower()
    if len(spec["at"]) == 4:
        spec["at"] = "0" + spec["at"]
    return normalize_digest(spec)


_WEEKDAYS_ZH = dict(zip(WEEKDAYS, "一二三四五六日", strict=True))


def describe_delivery(mode: str, digest: Mapping[str, Any] | None) -> str:
    """How a subscription is delivered, in Chinese: 即时, 每日 08:30, 每周一 08:30 (with a non-default zone)."""
    if mode != "digest":
        return "即时"
    spec = {**DEFAULT_DIGEST, **(digest or {})}
    when = f"每周{_WEEKDAYS_ZH.get(str(spec['weekday'])[:3], '一')}" if spec["every"] == "weekly" else "每日"
    zone = "" if spec["tz"] == DEFAULT_DIGEST["tz"] else f"（{spec['tz']}）"
    return f"{when} {spec['at']}汇总{zone}"
