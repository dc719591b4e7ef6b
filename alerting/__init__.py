"""The alert policy as pure code (no SQL, no network): what an event says, who wants it, when it is due.

- :mod:`.messages` — ``EVENT_KINDS`` and ``render_event``/``render_digest`` (Chinese text);
- :mod:`.filters` — ``SubscriptionFilter``/``matches`` and subscriptions declared in YAML;
- :mod:`.schedule` — when a delivery is due (immediately or the next digest slot);
- :mod:`.revisions` — what a new version of a report changed (summary and diff);
- :mod:`.urls` — apprise URL validation, masking and scrubbing of secrets.

storage/ applies this policy inside its transactions; scheduler/alerts/channels.py delivers through apprise.
"""
