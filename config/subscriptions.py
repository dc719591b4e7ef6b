"""The shape of a subscriptions YAML file (keys and types, with lines); what the values mean (apprise
URLs, event kinds, indicator keys, digest times) is checked by the alert policy that knows them."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.errors import Problem, translate
from config.yamlsrc import LineMap

StrOrList = str | list[str | int]


class SubscriptionEntry(BaseModel):
    """One subscription as a user writes it (docs/alerts.md)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    url: StrOrList | None = None
    urls: StrOrList | None = None
    events: StrOrList | None = None
    sites: StrOrList | None = None
    region_prefix: str | None = None
    agency_contains: str | None = None
    year: int | None = Field(default=None, strict=True)  # its range, mode and the rest: the alert policy
    indicators: list[str] | dict[str, float | None] | None = None
    keywords: StrOrList | None = None
    mode: str | None = None
    digest: Any = None


class SubscriptionsDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscriptions: list[Any] = Field(default_factory=list)


def subscription_document_problems(data: Any, lines: LineMap | None = None,
                                   known_sites: Collection[str] | None = None) -> list[Problem]:
    """Every shape problem of the file, with lines; with ``known_sites``, site ids not among them too."""
    lines = lines or LineMap()
    if data is None:
        return []
    try:
        doc = SubscriptionsDocument.model_validate(data)
    except ValidationError as exc:
        return translate(exc, SubscriptionsDocument, data, lines)
    problems: list[Problem] = []
    for index, entry in enumerate(doc.subscriptions):
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


def _unknown_sites(sites: Any, known: set[str], prefix: tuple[str | int, ...], lines: LineMap) -> list[Problem]:
    listed = [sites] if isinstance(sites, str) else sites if isinstance(sites, list) else []
    out = []
    for n, site in enumerate(listed):
        if str(site) not in known:
            path = (*prefix, "sites", n) if isinstance(sites, list) else (*prefix, "sites")
            out.append(Problem(path, f"未知站点 {site!r}（见 `fzwatch sites list`）", lines.line(path)))
    return out
