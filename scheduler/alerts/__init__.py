"""Alert delivery through apprise (I/O). The pure alert policy — event kinds and messages, subscription
filters, digest times, revision summaries, apprise URL masking — lives in :mod:`alerting`, below storage.

- :mod:`.channels` — ``send``/``send_test`` through apprise, per-channel format and size.
"""

from __future__ import annotations

from scheduler.alerts.channels import (
    SendResult,
    body_format_for,
    max_body_for,
    send,
    send_test,
    split_message,
)

__all__ = ["SendResult", "body_format_for", "max_body_for", "send", "send_test", "split_message"]
