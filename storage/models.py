"""The schema: SQLAlchemy 2.0 typed models. Alembic migrations are generated from these."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

from storage.secrets import seal, unseal


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite would hand back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class SealedJSON(TypeDecorator[Any]):
    """JSON encrypted at rest (storage/secrets.py): subscriptions' apprise URLs hold tokens and passwords."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return seal(value) if value is not None else None

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return unseal(value)


class CompressedJSON(TypeDecorator[Any]):
    """JSON stored zlib-compressed (a parse result: 23 KB as JSON, ~5x smaller compressed; issue 14).

    Reads both forms: rows written before migration ops01 hold plain JSON text (SQLite keeps each value's own
    type, so the column needs no rebuild there; PostgreSQL's column becomes bytea)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return load_compressed_json(value)


def load_compressed_json(value: Any) -> Any:
    """A stored parse result in either form: zlib bytes, plain JSON bytes or text, or already decoded."""
    if value is None or isinstance(value, dict | list):
        return value
    if isinstance(value, str):
        return json.loads(value)
    data = bytes(value)
    return json.loads(zlib.decompress(data) if data[:1] == b"\x78" else data)  # 0x78: the zlib header


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class Site(Base):
    """A portal (or channel of one) that fzwatch crawls, from the site registry."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200), default="")
    start_urls: Mapped[list[Any]] = mapped_column(default=list)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=86400)
    cron: Mapped[str | None] = mapped_column(String(100))
    # Registry overrides (page budget, depth, render mode, JSON list APIs, expected publishers, …).
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Health, updated after every crawl.
    state: Mapped[str] = mapped_column(String(20), default="new")  # new|ok|failing|blocked
    last_crawl_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    baseline_done: Mapped[bool] = mapped_column(Boolean, default=False)
    # Honest health (storage/health.py), judged after every ok crawl: ok | no_reports (未发现报告) |
    # suspect (可能遗漏), with the reason in Chinese; suspect_since starts a site_suspect episode.
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_reason: Mapped[str | None] = mapped_column(Text)
    suspect_since: Mapped[datetime | None] = mapped_column()
    # Escalation (crawler/escalation.py): when it last ran and on which triggers, so that an escalation
    # that found nothing is not repeated on every crawl.
    escalated_at: Mapped[datetime | None] = mapped_column()
    escalation_key: Mapped[str | None] = mapped_column(Text)
    # Report-like channels that ever led to a report, however indirectly (through list APIs, pagination):
    # such a channel is not "silent". Kept here, not as crawl_pages.productive, which would make the
    # channel page itself due on every crawl.
    report_channels: Mapped[list[Any]] = mapped_column(default=list)


class Document(Base):
    """One canonical URL. Its content history lives in versions."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("url", name="uq_documents_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    is_report: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Same normalized text already known under another URL (a republication): one report seen twice.
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # Incremental recrawl: when this page was last fetched with a body or a 304.
    last_fetched: Mapped[datetime | None] = mapped_column()

    versions: Mapped[list[Version]] = relationship(back_populates="document", order_by="Version.id")


class Version(Base):
    """An immutable snapshot: written only when the normalized clean text changes."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100), default="")
    raw_zlib: Mapped[bytes] = mapped_column(LargeBinary)  # response bytes, zlib-compressed
    raw_sha256: Mapped[str] = mapped_column(String(64))
    parsed: Mapped[dict[str, Any]] = mapped_column(CompressedJSON, default=dict)  # ParsedPage.to_dict(), zlib
    # A report whose body is only in an attachment (PDF/DOCX/…): the file, kept like the page.
    attachment_url: Mapped[str | None] = mapped_column(String(2000))
    attachment_zlib: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    # The attachment's Content-Type: `fzwatch reparse` passes it to the parsers exactly as the crawl did.
    attachment_content_type: Mapped[str | None] = mapped_column(String(100))

    document: Mapped[Document] = relationship(back_populates="versions")


class Report(Base):
    """A document classified as a 法治政府建设年度报告, with its current metadata."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    published_at: Mapped[str | None] = mapped_column(String(40))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    on_time_first_seen: Mapped[bool | None] = mapped_column(Boolean)
    complete: Mapped[bool | None] = mapped_column(Boolean)
    sections: Mapped[list[Any]] = mapped_column(default=list)
    latest_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", use_alter=True))

    document: Mapped[Document] = relationship()


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal stored as its plain text ("278459300", "99.78") on every backend.

    SQLite has no decimal type (SQLAlchemy's Numeric goes through float there), and a figure read
    from a report must come back as written: never 2.78459e+08, never 99.78000000000000113.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        number = (
            value
            if isinstance(value, Decimal)
            else Decimal(repr(value) if isinstance(value, float) else value)
        )
        text = format(number.normalize(), "f")
        return "0" if text == "-0" else text

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None


class IndicatorValue(Base):
    """One indicator mention of one report version (for trends and year-over-year comparison).

    Every mention is kept; ``headline`` marks the report's figure for the key (one per key and
    version, parsers.indicators.mark_headlines), ``ambiguous`` a headline picked among disagreeing
    mentions (never compared), ``role`` "component" a 其中/含 part of a total.
    """

    __tablename__ = "indicator_values"
    __table_args__ = (Index("ix_indicator_report_key", "report_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80), index=True)
    value: Mapped[Decimal] = mapped_column(ExactDecimal())
    unit: Mapped[str] = mapped_column(String(20), default="")
    scope: Mapped[str] = mapped_column(String(40), default="")
    period: Mapped[str] = mapped_column(String(40), default="")
    approx: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    headline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ambiguous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    role: Mapped[str] = mapped_column(String(20), default="", server_default="")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_finished_at", "finished_at"),)  # retention (sites.prune_runs)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|ok|failed|blocked|abandoned
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # schedule|manual|recrawl
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(120))  # "host:pid:…" of the crawling process


class RecrawlRequest(Base):
    """A manual recrawl asked for while a daemon runs; the daemon polls this table."""

    __tablename__ = "recrawl_requests"
    # The daemon polls "picked_at IS NULL" every 2 s and the dashboard counts a site's pending requests.
    __table_args__ = (Index("ix_recrawl_requests_pending", "picked_at", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_at: Mapped[datetime | None] = mapped_column()


class Lease(Base):
    """A named lease held by one process at a time (the daemon's "scheduler" role): renewed while the holder
    lives, taken over by a standby once it expires. Works the same on SQLite and PostgreSQL."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column()
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)


class HostSlot(Base):
    """Per-origin politeness shared by every crawl process and worker: when the origin (host:port, the scope
    of its robots.txt) was last asked, or will be by a request already waiting for its moment. Seconds since
    the epoch (a float), so the reservation is the same arithmetic on SQLite and PostgreSQL."""

    __tablename__ = "host_slots"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_at: Mapped[float] = mapped_column(Float, default=0.0)
    # The origin's delay as last known by any process: a request that does not know it yet (robots.txt,
    # fetched before its Crawl-delay is read) is spaced by it.
    delay: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    urls: Mapped[list[Any]] = mapped_column(SealedJSON, default=list)  # apprise URLs: secrets, encrypted
    # len(urls), kept beside them so that queuing an announcement (done by crawl workers) never needs the
    # secret key: workers get only the database and broker URLs (issue 14). NULL on rows of before tc1.
    target_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # SubscriptionFilter.to_dict(): events, sites, region_prefix, agency_contains, year, indicators, keywords
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mode: Mapped[str] = mapped_column(String(20), default="immediate")  # immediate|digest
    digest: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {every, at, weekday, tz}
    source: Mapped[str] = mapped_column(String(20), default="cli")  # cli|yaml
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("urls")
    def _count_targets(self, _key: str, urls: list[Any]) -> list[Any]:
        self.target_count = len(urls or [])
        return urls


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Idempotency key for once-only conditions (overdue per site+year, failing per episode).
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class OutboxItem(Base):
    """One (event, subscription, target URL) delivery. Written in the transaction that made the event."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", "target", name="uq_outbox_delivery"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    target: Mapped[int] = mapped_column(Integer, default=0)  # index into Subscription.urls
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # Who claimed the row for sending ("host:pid:nonce") and when: a dead claimant's rows are resent.
    claim_token: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


class CrawlPage(Base):
    """Crawl bookkeeping for one URL of a site that the crawler must remember between crawls but that is
    not a stored document: list pages and list-API answers (with validators for conditional GET and
    whether they ever led to a report), candidate pages judged not to be reports, and pages cut or dead.

    It is what makes a recrawl cheap: without it every list and every near-miss page is fetched again."""

    __tablename__ = "crawl_pages"
    __table_args__ = (UniqueConstraint("site_id", "key", name="uq_crawl_pages_site_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(2000))  # the URL; "POST url form" for a POSTed list API
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(20))  # list|api|search|detail|dead
    api_kind: Mapped[str | None] = mapped_column(String(20))  # jpage|gkmlpt|json|declared (kind "api")
    method: Mapped[str] = mapped_column(String(10), default="GET")
    form: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # POST form (kind "api")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # The first page of the paginated list this page belongs to (None: the page is a first page).
    root: Mapped[str | None] = mapped_column(String(2000))
    anchor: Mapped[str] = mapped_column(Text, default="")  # link text that led here (detail pages)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    body_sha256: Mapped[str | None] = mapped_column(String(64))  # "changed?" where a server has no validators
    productive: Mapped[bool] = mapped_column(Boolean, default=False)  # a report was found through it
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[datetime | None] = mapped_column()
    last_changed: Mapped[datetime | None] = mapped_column()
    next_visit_at: Mapped[datetime | None] = mapped_column()  # slow revisit schedule (None: every crawl)


class CrawlDecision(Base):
    """What the site's last finished crawl decided for one URL it met (`fzwatch explain`): fetched or
    skipped, why (budget, depth, trap guard, revisit not yet due, not a candidate, off-site, robots.txt …),
    its priority, depth and referring page, and what a fetched page turned out to be. Replaced by every
    finished crawl; at most a few thousand rows per site (crawler/decisions.py caps them)."""

    __tablename__ = "crawl_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(Integer)  # the crawl run that decided (no FK: runs are pruned)
    url: Mapped[str] = mapped_column(String(2000))
    decision: Mapped[str] = mapped_column(String(10))  # fetched | skipped
    reason: Mapped[str] = mapped_column(String(40))  # crawler.decisions FETCH_REASONS / SKIP_REASONS
    priority: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(2000))  # the page the link was found on
    anchor: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(
        String(40)
    )  # report | not_report | list | shell | challenge | …
    note: Mapped[str | None] = mapped_column(Text)  # the verdict's reasons
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
