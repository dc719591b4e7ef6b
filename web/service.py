"""What pages and API share: view models built from storage/ and the few writes the web may do.

User mistakes raise :class:`InputError` with a Chinese message (HTTP 400 / a form error)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from alerting.filters import SubscriptionFilter, unknown_indicator_keys
from alerting.messages import EVENT_KINDS
from alerting.schedule import describe_delivery, parse_digest_option
from alerting.urls import is_valid_url, mask_url
from scheduler.alerts.channels import send_test
from scheduler.registry import RegistryError, parse_registry, validate_site
from storage.errors import StorageError, UnknownReport
from storage.reports import get_report, report_indicators, report_versions
from storage.sites import get_site, request_recrawl, upsert_site
from storage.subscriptions import (
    add_subscription,
    deactivate_subscription,
    get_subscription,
    list_subscriptions,
    update_subscription,
)
from storage.web_queries import (
    attention_sites,
    list_events,
    newest_reports,
    overdue_publishers,
    region_counts,
    site_health,
)
from web.diffs import diff_json, inline_diff
from web.labels import (
    BEIJING,
    COVERAGE_ZH,
    DELIVERY_ZH,
    beijing,
    event_label,
    indicator_label,
    safe_url,
    section_checklist,
)


class InputError(ValueError):
    """A user mistake in a form or API request (the message is Chinese and safe to show)."""


def today_beijing() -> date:
    return datetime.now(UTC).astimezone(BEIJING).date()


# ---------------------------------------------------------------- reports


def report_detail(
    session: Session, report_id: int, a: int | None = None, b: int | None = None
) -> dict[str, Any]:
    """A report with version ``b`` (default: latest) and the diff from ``a`` (default: the one before)."""
    report = get_report(session, report_id)
    versions = report_versions(session, report)
    by_no = {v.version_no: v for v in versions}
    new = by_no.get(b) if b is not None else versions[-1]
    if new is None:
        raise UnknownReport(f"报告 {report_id} 没有版本 {b}")
    earlier = [v for v in versions if v.version_no < new.version_no]
    old = by_no.get(a) if a is not None else (earlier[-1] if earlier else None)
    if a is not None and old is None:
        raise UnknownReport(f"报告 {report_id} 没有版本 {a}")
    parsed = new.parsed or {}
    attachments = list(
        dict.fromkeys(
            [*(parsed.get("attachments") or []), *([new.attachment_url] if new.attachment_url else [])]
        )
    )
    return {
        "id": report.id,
        "site": report.site_id,
        "title": report.title,
        "agency": report.agency,
        "region": report.region,
        "year": report.year,
        "published_at": report.published_at,
        "first_seen": report.first_seen.isoformat(),
        "on_time": report.on_time,
        "complete": report.complete,
        "url": report.document.url,
        "link": safe_url(report.document.url),
        "sections": section_checklist(report.sections),
        "indicators": [
            {
                "key": i.key,
                "label": indicator_label(i.key),
                "value": i.value,
                "unit": i.unit,
                "scope": i.scope,
                "period": i.period,
                "approx": i.approx,
                "text": i.text,
            }
            for i in report_indicators(session, report.id, new.id)
        ],
        "attachments": [{"url": u, "link": safe_url(u)} for u in attachments],
        "versions": [
            {
                "no": v.version_no,
                "fetched_at": v.fetched_at.isoformat(),
                "hash": v.content_hash[:12],
                "title": v.title,
            }
            for v in versions
        ],
        "version": new.version_no,
        "text": new.text,
        "compare_to": old.version_no if old else None,
        "diff": diff_json(inline_diff(old.text, new.text)) if old else [],
    }


# ---------------------------------------------------------------- overview and events


def overview(session: Session) -> dict[str, Any]:
    today = today_beijing()
    return {
        "today": today.isoformat(),
        "newest": newest_reports(session),
        "overdue": [
            {**r, "status_label": COVERAGE_ZH.get(r["status"], r["status"])}
            for r in overdue_publishers(session, today)
        ],
        "attention": attention_sites(session),
        "regions": region_counts(session),
    }


def events_view(session: Session, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    rows, total = list_events(session, **filters)
    for row in rows:
        row["label"] = event_label(row["kind"])
        for d in row["deliveries"]:
            d["url"] = mask_url(d.pop("url"))  # apprise URLs are secrets
            d["status_label"] = DELIVERY_ZH.get(d["status"], d["status"])
    return rows, total


# ---------------------------------------------------------------- sites


def add_site(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    entry = {
        k: v
        for k, v in {
            "id": data.get("id") or None,
            "name": data.get("name"),
            "region": data.get("region") or "",
            "start_urls": [data.get("url") or ""],
            "interval": data.get("interval") or "1d",
        }.items()
        if v is not None
    }
    try:
        spec = validate_site(entry)
    except RegistryError as exc:
        raise InputError(f"站点信息有误：{exc}") from None
    site, created = upsert_site(session, spec)
    return {"id": site.id, "name": site.name, "created": created}


def import_sites(session: Session, yaml_text: str) -> int:
    """Sites from registry YAML (the `sites/*.yaml` format), all validated before any is written."""
    try:
        specs = parse_registry(yaml_text or "sites: []", "YAML")
    except RegistryError as exc:
        raise InputError(f"YAML 有误：{exc}") from None
    if not specs:
        raise InputError("YAML 中没有站点（应为 sites: 列表）")
    for spec in specs:
        upsert_site(session, spec)
    return len(specs)


def recrawl(session: Session, site_id: str) -> dict[str, Any]:
    req = request_recrawl(session, site_id)
    return {"site": site_id, "request_id": req.id, "requested_at": req.requested_at.isoformat()}


def sites_view(session: Session) -> list[dict[str, Any]]:
    return site_health(session)


# ---------------------------------------------------------------- subscriptions


def subscription_view(sub: Any) -> dict[str, Any]:
    f = SubscriptionFilter.from_dict(sub.filters)
    return {
        "id": sub.id,
        "name": sub.name,
        "targets": [mask_url(u) for u in sub.urls],
        "events": f.events or [],
        "sites": f.sites or [],
        "region_prefix": f.region_prefix or "",
        "agency_contains": f.agency_contains or "",
        "year": f.year,
        "keywords": f.keywords or [],
        "indicators": [k if t is None else f"{k}:{t:g}" for k, t in (f.indicator_keys or {}).items()],
        "digest": _digest_text(sub.mode, sub.digest),
        "delivery": describe_delivery(sub.mode, sub.digest),
        "source": sub.source,
        "created_at": sub.created_at.isoformat(),
    }


def _digest_text(mode: str, digest: dict[str, Any] | None) -> str:
    if mode != "digest" or not digest:
        return ""
    day = f"{digest.get('weekday')} " if digest.get("every") == "weekly" else ""
    return f"{digest.get('every')}@{day}{digest.get('at')}"


def _listish(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).replace("，", ",").replace("\n", ",").split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def _filters(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    events, sites = _listish(data.get("events")), _listish(data.get("sites"))
    unknown = sorted(set(events) - set(EVENT_KINDS))
    if unknown:
        raise InputError(f"未知的事件类型：{'、'.join(unknown)}")
    for site_id in sites:
        try:
            get_site(session, site_id)
        except StorageError:
            raise InputError(f"未知的站点：{site_id}") from None
    indicators = _indicators(_listish(data.get("indicators")))
    if unknown_indicator_keys(indicators):
        raise InputError(f"未知的指标：{'、'.join(unknown_indicator_keys(indicators))}")
    year = data.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        raise InputError("年度应为数字，如 2024") from None
    if year is not None and not 2000 <= year <= 2100:
        raise InputError("年度应在 2000–2100 之间")
    return SubscriptionFilter(
        events=events or None,
        sites=sites or None,
        region_prefix=(data.get("region_prefix") or "").strip() or None,
        agency_contains=(data.get("agency_contains") or "").strip() or None,
        year=year,
        indicator_keys=indicators or None,
        keywords=_listish(data.get("keywords")) or None,
    ).to_dict()


def _indicators(items: list[str]) -> dict[str, float | None]:
    """``KEY`` (any change) or ``KEY:THRESHOLD``, as on the command line."""
    out: dict[str, float | None] = {}
    for item in items:
        key, _, threshold = item.partition(":")
        try:
            out[key.strip()] = float(threshold) if threshold.strip() else None
        except ValueError:
            raise InputError(f"指标阈值应为数字：{item}") from None
    return out


def _delivery(data: dict[str, Any], tz: str = "Asia/Shanghai") -> tuple[str, dict[str, Any]]:
    spec = (data.get("digest") or "").strip()
    if not spec:
        return "immediate", {}
    try:
        return "digest", parse_digest_option(spec, tz)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _urls(data: dict[str, Any], required: bool) -> list[str]:
    given = data.get("urls")
    # A list from the API; one address per line from the form (addresses may contain commas).
    lines = given if isinstance(given, list) else str(given or "").splitlines()
    urls = [str(u).strip() for u in lines if str(u).strip()]
    if required and not urls:
        raise InputError("请至少填写一个通知地址（apprise URL）")
    bad = [mask_url(u) for u in urls if not is_valid_url(u)]
    if bad:
        raise InputError(f"无效的通知地址：{'、'.join(bad)}")
    return urls


def create_subscription(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    urls = _urls(data, required=True)
    filters = _filters(session, data)
    mode, digest = _delivery(data)
    sub = add_subscription(
        session, urls, filters, name=str(data.get("name") or "")[:200], mode=mode, digest=digest, source="web"
    )
    return subscription_view(sub)


def edit_subscription(session: Session, sub_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Replace the subscription's settings; empty ``urls`` keeps the stored (secret) addresses."""
    sub = get_subscription(session, sub_id)
    urls = _urls(data, required=False) or list(sub.urls)
    mode, digest = _delivery(data, (sub.digest or {}).get("tz") or "Asia/Shanghai")  # keep a CLI-set zone
    update_subscription(
        session,
        sub,
        urls=urls,
        filters=_filters(session, data),
        mode=mode,
        digest=digest,
        name=str(data.get("name") or "")[:200],
    )
    return subscription_view(sub)


def remove_subscription(session: Session, sub_id: int) -> None:
    deactivate_subscription(session, sub_id)


def send_subscription_test(session: Session, sub_id: int) -> list[dict[str, Any]]:
    """Send the sample message to every target now; the outcome per masked target."""
    urls = list(get_subscription(session, sub_id).urls)
    results = []
    for url in urls:
        result = send_test(url)
        results.append({"target": mask_url(url), "ok": result.ok, "error": result.error})
    return results


def subscriptions_view(session: Session) -> list[dict[str, Any]]:
    return [subscription_view(s) for s in list_subscriptions(session)]


def beijing_now() -> str:
    return beijing(datetime.now(UTC))
