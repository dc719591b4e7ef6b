"""When an outbox row becomes due: now for immediate subscriptions, the next digest time otherwise."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def next_delivery_time(mode: str, digest: dict[str, Any], now: datetime) -> datetime:
    if mode != "digest":
        return now
    from scheduler.alerts.filters import next_digest_time

    return next_digest_time(digest, now)
