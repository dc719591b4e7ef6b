"""The keys of a subscriptions YAML file (unknown ones refused with a suggestion and their line) and, given
the registered ids, its site ids; what the values mean (types, apprise URLs, event kinds, indicator keys,
digest times) is checked by the alert policy that knows them."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from config.errors import Problem, translate
from config.yamlsrc import LineMap


class SubscriptionEntry(BaseModel):
    """The keys of one subscription (docs/alerts.md). Their values (types, event kinds, apprise URLs, digest
    times, year range) are checked by the alert policy, which lists its problems in one message too."""

    model_config = ConfigDict(extra="forbid")
    name: Any = None
    url: Any = None
    urls: Any = None
    events: Any = None
    sites: Any = None
    region_prefix: Any = None
    agency_contains: Any = None
    year: Any = None
    indicators: Any = None
    keywords: Any = None
    mode: Any = None
    digest: Any = None


class SubscriptionsDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscriptions: Any = None


def subscription_document_problems(
    data: Any, lines: LineMap | None = None, known_sites: Collection[str] | None = None
) -> list[Problem]:
    """Every shape problem of the file, with lines; with ``known_sites``, site ids not among them too."""
    lines = lines or LineMap()
    if not isinstance(data, dict):
        return []  # not a `subscriptions:` mapping at all: the alert policy says so
    try:
        doc = SubscriptionsDocument.model_validate(data)
    except ValidationError as exc:
        return translate(exc, SubscriptionsDocument, data, lines)
    problems: list[Problem] = []
    entries = doc.subscriptions if isinstance(doc.subscriptions, list) else []
    for index, entry in enumerate(entries):
        prefix = ("subscriptions", index)
        if not isinstance(entry, dict):
            problems.append(Problem(prefix, "每个订阅必须是映射", lines.line(prefix)))
            continue
        try:
            SubscriptionEntry.model_validate(entry)
        except ValidationError as exc:
            problems += translate(exc, SubscriptionEntry, entry, lines, prefix)
        if known_sites is not None:
            problems += _unknown_sites(entry.get("sites"), set(known_sites), prefix, lines)
    return problems


def _unknown_sites(
    sites: Any, known: set[str], prefix: tuple[str | int, ...], lines: LineMap
) -> list[Problem]:
    listed = [sites] if isinstance(sites, str) else sites if isinstance(sites, list) else []
    out = []
    for n, site in enumerate(listed):
        if str(site) not in known:
            path = (*prefix, "sites", n) if isinstance(sites, list) else (*prefix, "sites")
            out.append(Problem(path, f"未知站点 {site!r}（见 `fzwatch sites list`）", lines.line(path)))
    return out
