"""The JSON API under /api/: spectree validates queries and bodies against pydantic models and
generates the OpenAPI document served at /api/openapi.json."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Flask, current_app, jsonify, request
from pydantic import BaseModel, Field
from spectree import Response, SpecTree

from storage.database import Database
from storage.errors import StorageError, UnknownReport
from storage.web_queries import (
    MAX_PER_PAGE,
    ReportQuery,
    coverage_matrix,
    default_years,
    indicator_pivot,
    list_publishers,
    publisher_indicators,
    publisher_reports,
    search_reports,
)
from web import exports, service
from web.labels import indicator_keys

spec = SpecTree(
    "flask",
    title="fzwatch API",
    version="1",
    path="api/docs",
    page_templates={},
    annotations=True,
    mode="strict",
    description="法治政府建设年度报告监测：报告、正文与版本、指标、覆盖情况、事件、站点、订阅。"
    "读取无需登录（仅限本机访问时）；写操作需 Authorization: Bearer <FZWATCH_WEB_TOKEN>。",
    security_schemes=[{"name": "bearer", "data": {"type": "http", "scheme": "bearer"}}],
    security={},
)
api = Blueprint("api", __name__, url_prefix="/api")
WRITE: dict[str, list[str]] = {"bearer": []}  # the OpenAPI security requirement of every write


def _db() -> Database:
    return current_app.config["FZWATCH_DB"]


class Error(BaseModel):
    error: str


class ReportsQuery(BaseModel):
    q: str = Field("", max_length=200, description="全文搜索，空格分隔的词须全部出现")
    region: str = Field("", max_length=200, description="地区前缀")
    publisher: str = Field("", max_length=200)
    site: str = Field("", max_length=100)
    year: int | None = Field(None, ge=1990, le=2100)
    on_time: Literal["", "yes", "no", "unknown"] = ""
    complete: Literal["", "yes", "no"] = ""
    indicator: str = Field("", max_length=80)
    sort: Literal["year", "published_at", "first_seen", "agency", "title", "region", "id"] = "year"
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE)


class ReportRow(BaseModel):
    id: int
    site: str
    url: str
    title: str
    agency: str | None
    region: str
    year: int | None
    published_at: str | None
    first_seen: str
    versions: int
    on_time: bool | None
    complete: bool | None
    sections: list[str]
    snippet: str | None = None


class ReportList(BaseModel):
    total: int
    page: int
    per_page: int
    reports: list[ReportRow]


class ExportQuery(ReportsQuery):
    format: Literal["csv", "xlsx"] = "csv"


class DetailQuery(BaseModel):
    a: int | None = Field(None, ge=1, le=1_000_000, description="比较的旧版本号")
    b: int | None = Field(None, ge=1, le=1_000_000, description="显示的版本号（默认最新）")


class ReportDetail(BaseModel):
    id: int
    title: str
    agency: str | None
    year: int | None
    url: str
    text: str
    version: int
    compare_to: int | None
    sections: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    diff: list[dict[str, Any]]


class IndicatorQuery(BaseModel):
    key: str = Field(..., min_length=1, max_length=80)
    region: str = Field("", max_length=200)


class Pivot(BaseModel):
    key: str
    years: list[int]
    rows: list[dict[str, Any]]
    values: list[dict[str, Any]]


class KeyList(BaseModel):
    keys: list[dict[str, Any]]


class CoverageQuery(BaseModel):
    year: int | None = Field(None, ge=1990, le=2100, description="只看一个年度（默认最近四个）")
    region: str = Field("", max_length=200)
    kind: str = Field("", max_length=40)


class Coverage(BaseModel):
    years: list[int]
    rows: list[dict[str, Any]]


class EventsQuery(BaseModel):
    kind: str = Field("", max_length=40)
    site: str = Field("", max_length=100)
    report_id: int | None = Field(None, ge=1, le=2**31 - 1)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**7)


class EventList(BaseModel):
    total: int
    events: list[dict[str, Any]]


class SiteList(BaseModel):
    sites: list[dict[str, Any]]


class NewSite(BaseModel):
    url: str = Field(..., max_length=2000)
    name: str = Field(..., min_length=1, max_length=200)
    region: str = Field("", max_length=200)
    id: str | None = Field(None, max_length=100)
    interval: str = Field("1d", max_length=20)


class SiteCreated(BaseModel):
    id: str
    name: str
    created: bool


class Recrawl(BaseModel):
    site: str
    request_id: int
    requested_at: str


class SubscriptionIn(BaseModel):
    name: str = Field("", max_length=200)
    urls: list[str] = Field(default_factory=list, description="apprise 地址；编辑时为空表示保留原地址")
    events: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    region_prefix: str = Field("", max_length=200)
    agency_contains: str = Field("", max_length=200)
    year: int | None = Field(None, ge=2000, le=2100)
    keywords: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    digest: str = Field("", max_length=40, description="daily@08:30 或 weekly@mon 09:00；空为即时")


class SubscriptionOut(BaseModel):
    id: int
    name: str
    targets: list[str] = Field(description="只含协议和主机（地址是密钥）")
    events: list[str]
    sites: list[str]
    delivery: str


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]


class TestResults(BaseModel):
    results: list[dict[str, Any]]


class Publishers(BaseModel):
    publishers: list[dict[str, Any]]


class PublisherQuery(BaseModel):
    site: str = Field(..., min_length=1, max_length=100)
    agency: str = Field("", max_length=200)


class PublisherOut(BaseModel):
    site: str
    agency: str
    reports: list[dict[str, Any]]
    indicators: dict[str, list[dict[str, Any]]]


class Overview(BaseModel):
    today: str
    newest: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    attention: list[dict[str, Any]]
    regions: list[dict[str, Any]]


def _report_query(q: ReportsQuery) -> ReportQuery:
    return ReportQuery(
        q=q.q.strip(),
        region=q.region,
        publisher=q.publisher,
        site=q.site,
        year=q.year,
        on_time=q.on_time,
        complete=q.complete,
        indicator=q.indicator,
        sort=q.sort,
        desc=q.order == "desc",
        page=q.page,
        per_page=q.per_page,
    )


@api.get("/overview")
@spec.validate(resp=Response(HTTP_200=Overview), tags=["总览"])
def get_overview() -> Any:
    """总览：最新报告、本季逾期或迟发、需关注站点、各地区计数。"""
    with _db().transaction() as s:
        return jsonify(service.overview(s))


@api.get("/reports")
@spec.validate(query=ReportsQuery, resp=Response(HTTP_200=ReportList), tags=["报告"])
def get_reports(query: ReportsQuery) -> Any:
    """报告列表：组合筛选、全文搜索、排序、分页。"""
    rq = _report_query(query)
    with _db().transaction() as s:
        rows, total = search_reports(s, rq)
    return jsonify(total=total, page=rq.page, per_page=rq.per_page, reports=rows)


@api.get("/reports/export")
@spec.validate(query=ExportQuery, resp=Response("HTTP_200"), tags=["报告"])
def export_reports(query: ExportQuery) -> Any:
    """导出筛选结果：CSV（带 BOM）或 XLSX。"""
    with _db().transaction() as s:
        rows, _ = search_reports(s, _report_query(query), paginate=False)
    return exports.reports_table(rows, query.format)


@api.get("/reports/<int:report_id>")
@spec.validate(query=DetailQuery, resp=Response(HTTP_200=ReportDetail, HTTP_404=Error), tags=["报告"])
def get_report(report_id: int, query: DetailQuery) -> Any:
    """报告详情：正文（版本 b）、法定章节、指标、附件、版本列表、与版本 a 的逐字差异。"""
    with _db().transaction() as s:
        try:
            return jsonify(service.report_detail(s, report_id, query.a, query.b))
        except UnknownReport as exc:
            return jsonify(error=str(exc)), 404


@api.get("/indicators/keys")
@spec.validate(resp=Response(HTTP_200=KeyList), tags=["指标"])
def get_indicator_keys() -> Any:
    """全部指标键及中文名称、单位。"""
    return jsonify(keys=indicator_keys())


@api.get("/indicators")
@spec.validate(query=IndicatorQuery, resp=Response(HTTP_200=Pivot), tags=["指标"])
def get_indicators(query: IndicatorQuery) -> Any:
    """一个指标：发布机构 × 年度透视表及全部原文出处。"""
    with _db().transaction() as s:
        return jsonify(indicator_pivot(s, query.key, query.region or None))


@api.get("/coverage")
@spec.validate(query=CoverageQuery, resp=Response(HTTP_200=Coverage), tags=["覆盖情况"])
def get_coverage(query: CoverageQuery) -> Any:
    """覆盖矩阵：发布机构 × 年度（on_time/late/published/missing/not_due/unchecked，附说明）。"""
    today = service.today_beijing()
    with _db().transaction() as s:
        years = [query.year] if query.year else default_years(s, today)
        rows = coverage_matrix(s, years, query.region or None, query.kind or None, today)
    return jsonify(years=years, rows=rows)


@api.get("/publishers")
@spec.validate(resp=Response(HTTP_200=Publishers), tags=["发布机构"])
def get_publishers() -> Any:
    """发布机构列表。"""
    with _db().transaction() as s:
        return jsonify(publishers=list_publishers(s))


@api.get("/publisher")
@spec.validate(query=PublisherQuery, resp=Response(HTTP_200=PublisherOut), tags=["发布机构"])
def get_publisher(query: PublisherQuery) -> Any:
    """一个发布机构：各年度报告、按时情况、指标历史。"""
    with _db().transaction() as s:
        return jsonify(
            site=query.site,
            agency=query.agency,
            reports=publisher_reports(s, query.site, query.agency),
            indicators=publisher_indicators(s, query.site, query.agency),
        )


@api.get("/events")
@spec.validate(query=EventsQuery, resp=Response(HTTP_200=EventList), tags=["事件"])
def get_events(query: EventsQuery) -> Any:
    """事件（新报告、修订、逾期、指标、站点），含投递记录（地址已隐去）。"""
    with _db().transaction() as s:
        rows, total = service.events_view(
            s,
            kind=query.kind or None,
            site=query.site or None,
            report_id=query.report_id,
            limit=query.limit,
            offset=query.offset,
        )
    return jsonify(total=total, events=rows)


@api.get("/sites")
@spec.validate(resp=Response(HTTP_200=SiteList), tags=["站点"])
def get_sites() -> Any:
    """站点健康：状态、原因、最近与下次抓取。"""
    with _db().transaction() as s:
        return jsonify(sites=service.sites_view(s))


@api.post("/sites")
@spec.validate(
    json=NewSite,
    resp=Response(HTTP_201=SiteCreated, HTTP_400=Error, HTTP_401=Error),
    tags=["站点"],
    security=WRITE,
)
def post_site(json: NewSite) -> Any:
    """登记（或按 ID 更新）一个站点。"""
    with _db().transaction() as s:
        return jsonify(service.add_site(s, json.model_dump())), 201


@api.post("/sites/<site_id>/recrawl")
@spec.validate(resp=Response(HTTP_202=Recrawl, HTTP_401=Error, HTTP_404=Error), tags=["站点"], security=WRITE)
def post_recrawl(site_id: str) -> Any:
    """请求立即抓取：运行中的守护进程几秒内开始抓取该站点。"""
    with _db().transaction() as s:
        return jsonify(service.recrawl(s, site_id)), 202


@api.get("/subscriptions")
@spec.validate(resp=Response(HTTP_200=SubscriptionList), tags=["订阅"])
def get_subscriptions() -> Any:
    """订阅列表（通知地址只显示协议和主机）。"""
    with _db().transaction() as s:
        return jsonify(subscriptions=service.subscriptions_view(s))


@api.post("/subscriptions")
@spec.validate(
    json=SubscriptionIn,
    resp=Response(HTTP_201=SubscriptionOut, HTTP_400=Error, HTTP_401=Error),
    tags=["订阅"],
    security=WRITE,
)
def post_subscription(json: SubscriptionIn) -> Any:
    """新建订阅。"""
    with _db().transaction() as s:
        return jsonify(service.create_subscription(s, json.model_dump())), 201


@api.put("/subscriptions/<int:sub_id>")
@spec.validate(
    json=SubscriptionIn,
    resp=Response(HTTP_200=SubscriptionOut, HTTP_400=Error, HTTP_401=Error, HTTP_404=Error),
    tags=["订阅"],
    security=WRITE,
)
def put_subscription(sub_id: int, json: SubscriptionIn) -> Any:
    """修改订阅（给出的设置整体替换；urls 为空时保留原地址）。"""
    with _db().transaction() as s:
        return jsonify(service.edit_subscription(s, sub_id, json.model_dump()))


@api.delete("/subscriptions/<int:sub_id>")
@spec.validate(resp=Response("HTTP_204", HTTP_401=Error, HTTP_404=Error), tags=["订阅"], security=WRITE)
def delete_subscription(sub_id: int) -> Any:
    """删除订阅。"""
    with _db().transaction() as s:
        service.remove_subscription(s, sub_id)
    return "", 204


@api.post("/subscriptions/<int:sub_id>/test")
@spec.validate(
    resp=Response(HTTP_200=TestResults, HTTP_401=Error, HTTP_404=Error), tags=["订阅"], security=WRITE
)
def post_subscription_test(sub_id: int) -> Any:
    """立即向订阅的每个地址发送一条测试消息。"""
    with _db().transaction() as s:
        return jsonify(results=service.send_subscription_test(s, sub_id))


@api.errorhandler(StorageError)
def _storage_error(exc: StorageError) -> Any:
    return jsonify(error=str(exc)), 404


@api.errorhandler(service.InputError)
def _input_error(exc: service.InputError) -> Any:
    return jsonify(error=str(exc)), 400


def install(app: Flask) -> None:
    app.register_blueprint(api)
    spec.register(app)

    @app.get("/api/openapi.json")
    def openapi() -> Any:
        return jsonify(spec.spec)

    @app.before_request
    def _json_only_for_api() -> Any:
        if request.path.startswith("/api/") and request.content_length and not request.is_json:
            return jsonify(error="请求体须为 JSON（Content-Type: application/json）"), 415
        return None
