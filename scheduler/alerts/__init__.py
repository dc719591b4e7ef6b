"""Alerts: render events as Chinese messages, filter them per subscription, deliver through apprise.

- :mod:`.messages` — ``render_event``/``render_digest`` and the ``EVENT_KINDS`` registry (pure);
- :mod:`.channels` — ``send``/``send_test`` through apprise, ``mask_url``, per-channel format and size;
- :mod:`.filters` — ``SubscriptionFilter``/``matches`` and YAML-declared subscriptions;
- :mod:`.schedule` — when a delivery is due (immediate or next digest slot).
"""

from __future__ import annotations

from scheduler.alerts.channels import (
    SendResult,
    body_format_for,
    is_valid_url,
    mask_url,
    max_body_for,
    send,
    send_test,
    split_message,
)
from scheduler.alerts.filters import (
    SubscriptionConfigError,
    SubscriptionFilter,
    load_subscriptions_yaml,
    matches,
    parse_subscriptions,
)
from scheduler.alerts.messages import EVENT_KINDS, Message, event_kinds, render_digest, render_event
from scheduler.alerts.schedule import next_delivery_time, next_digest_time

__all__ = [
    "EVENT_KINDS",
    "Message",
    "SendResult",
    "SubscriptionConfigError",
    "SubscriptionFilter",
    "body_format_for",
    "event_kinds",
    "is_valid_url",
    "load_subscriptions_yaml",
    "mask_url",
    "matches",
    "max_body_for",
    "next_delivery_time",
    "next_digest_time",
    "parse_subscriptions",
    "render_digest",
    "render_event",
    "send",
    "send_test",
    "split_message",
]
