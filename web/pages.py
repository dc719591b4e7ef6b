"""The Chinese HTML pages (Jinja templates, autoescaped: crawled text is never markup)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from storage.database import Database
from storage.errors import StorageError, UnknownReport
from storage.web_queries import (
    ReportQuery,
    coverage_matrix,
    default_years,
    event_kinds_present,
    indicator_pivot,
    list_publishers,
    publisher_indicators,
    publisher_reports,
    search_reports,
)
from web import exports, service
from web.labels import COVERAGE_ZH, EVENT_KINDS, KIND_ZH, indicator_keys, indicator_label
from web.security import check_login

pages = Blueprint("pages", __name__)


def _db() -> Database:
    return current_app.config["FZWATCH_DB"]


def report_query(args: Any) -> ReportQuery:
    """ReportQuery from query-string arguments (bad numbers are ignored, not errors)."""
    return ReportQuery(
        q=(args.get("q") or "").strip(),
        region=(args.get("region") or "").strip(),
        publisher=(args.get("publisher") or "").strip(),
        site=(args.get("site") or "").strip(),
        year=args.get("year", type=int),
        on_time=args.get("on_time") or "",
        complete=args.get("complete") or "",
        indicator=args.get("indicator") or "",
        sort=args.get("sort") or "year",
        desc=(args.get("order") or "desc") != "asc",
        page=args.get("page", 1, type=int) or 1,
        per_page=args.get("per_page", 50, type=int) or 50,
    )


@pages.get("/")
def home() -> str:
    with _db().transaction() as s:
        data = service.overview(s)
    return render_template("overview.html", **data)


@pages.get("/reports")
def reports() -> str | Response:
    query = report_query(request.args)
    fmt = request.args.get("export")
    with _db().transaction() as s:
        if fmt in ("csv", "xlsx"):
            rows, _ = search_reports(s, query, paginate=False)
            return exports.reports_table(rows, fmt)
        rows, total = search_reports(s, query)
    pages_n = max(1, -(-total // query.per_page))
    args = {k: v for k, v in request.args.items() if k not in ("page", "export")}
    return render_template(
        "reports.html",
        reports=rows,
        total=total,
        query=query,
        pages=pages_n,
        args=args,
        keys=indicator_keys(),
    )


@pages.get("/reports/<int:report_id>")
def report(report_id: int) -> str:
    with _db().transaction() as s:
        try:
            data = service.report_detail(
                s, report_id, request.args.get("a", type=int), request.args.get("b", type=int)
            )
        except UnknownReport:
            abort(404)
        events, _ = service.events_view(s, report_id=report_id, limit=20)
    return render_template("report.html", r=data, events=events)


@pages.get("/publishers")
def publishers() -> str:
    with _db().transaction() as s:
        rows = list_publishers(s)
    return render_template("publishers.html", publishers=rows)


@pages.get("/publisher")
def publisher() -> str:
    site, agency = request.args.get("site") or "", request.args.get("agency") or ""
    with _db().transaction() as s:
        rows = publisher_reports(s, site, agency)
        series = publisher_indicators(s, site, agency)
    if not rows:
        abort(404)
    charts = [
        {"key": k, "label": indicator_label(k), "unit": v[0]["unit"], "points": v} for k, v in series.items()
    ]
    return render_template("publisher.html", site=site, agency=agency, reports=rows, charts=charts)


@pages.get("/coverage")
def coverage() -> str | Response:
    region, kind = request.args.get("region") or None, request.args.get("kind") or None
    with _db().transaction() as s:
        one_year = request.args.get("year", type=int)
        years = [one_year] if one_year else default_years(s, service.today_beijing())
        matrix = coverage_matrix(s, years, region, kind, service.today_beijing())
    if request.args.get("export") in ("csv", "xlsx"):
        return exports.coverage_table(matrix, years, request.args["export"])
    args = {k: v for k, v in request.args.items() if k != "export"}
    return render_template(
        "coverage.html",
        matrix=matrix,
        years=years,
        region=region or "",
        kind=kind or "",
        labels=COVERAGE_ZH,
        kinds=KIND_ZH,
        args=args,
    )


@pages.get("/indicators")
def indicators() -> str | Response:
    keys = indicator_keys()
    key = request.args.get("key") or str(keys[0]["key"])
    region = request.args.get("region") or None
    with _db().transaction() as s:
        pivot = indicator_pivot(s, key, region)
    if request.args.get("export") in ("csv", "xlsx"):
        return exports.indicator_table(pivot, request.args["export"])
    return render_template(
        "indicators.html", pivot=pivot, keys=keys, key=key, label=indicator_label(key), region=region or ""
    )


@pages.get("/events")
def events() -> str:
    kind, site = request.args.get("kind") or None, request.args.get("site") or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with _db().transaction() as s:
        rows, total = service.events_view(s, kind=kind, site=site, limit=50, offset=(page - 1) * 50)
        kinds = event_kinds_present(s)
    return render_template(
        "events.html",
        events=rows,
        total=total,
        kind=kind or "",
        site=site or "",
        page=page,
        kinds=sorted(set(kinds) | set(EVENT_KINDS)),
    )


@pages.get("/sites")
def sites() -> str:
    with _db().transaction() as s:
        rows = service.sites_view(s)
    return render_template("sites.html", sites=rows)


@pages.post("/sites")
def add_site() -> Response:
    try:
        with _db().transaction() as s:
            if request.form.get("yaml"):
                n = service.import_sites(s, request.form["yaml"])
                flash(f"已导入 {n} 个站点。")
            else:
                out = service.add_site(s, request.form.to_dict())
                flash(f"{'已添加' if out['created'] else '已更新'}站点 {out['id']}（{out['name']}）。")
    except service.InputError as exc:
        flash(str(exc), "error")
    return redirect(url_for("pages.sites"))


@pages.post("/sites/<site_id>/recrawl")
def recrawl(site_id: str) -> Response:
    try:
        with _db().transaction() as s:
            service.recrawl(s, site_id)
    except StorageError:
        abort(404)
    flash(f"已请求立即抓取 {site_id}：运行中的守护进程会在几秒内开始抓取。")
    return redirect(url_for("pages.sites"))


@pages.get("/subscriptions")
def subscriptions() -> str:
    edit = request.args.get("edit", type=int)
    with _db().transaction() as s:
        rows = service.subscriptions_view(s)
        sites = [x["id"] for x in service.sites_view(s)]
    current = next((r for r in rows if r["id"] == edit), None)
    return render_template(
        "subscriptions.html",
        subs=rows,
        current=current,
        event_kinds=EVENT_KINDS,
        sites=sites,
        keys=indicator_keys(),
    )


def _sub_form() -> dict[str, Any]:
    form = request.form
    return {
        "name": form.get("name"),
        "urls": form.get("urls"),
        "events": form.getlist("events"),
        "sites": form.getlist("sites"),
        "region_prefix": form.get("region_prefix"),
        "agency_contains": form.get("agency_contains"),
        "year": form.get("year"),
        "keywords": form.get("keywords"),
        "indicators": form.get("indicators"),
        "digest": form.get("digest"),
    }


@pages.post("/subscriptions")
def save_subscription() -> Response:
    sub_id = request.form.get("id", type=int)
    try:
        with _db().transaction() as s:
            if sub_id:
                service.edit_subscription(s, sub_id, _sub_form())
                flash(f"已保存订阅 {sub_id}。")
            else:
                out = service.create_subscription(s, _sub_form())
                flash(f"已创建订阅 {out['id']}（{out['delivery']}）。")
    except (service.InputError, StorageError) as exc:
        flash(str(exc), "error")
    return redirect(url_for("pages.subscriptions"))


@pages.post("/subscriptions/<int:sub_id>/delete")
def delete_subscription(sub_id: int) -> Response:
    try:
        with _db().transaction() as s:
            service.remove_subscription(s, sub_id)
    except StorageError:
        abort(404)
    flash(f"已删除订阅 {sub_id}。")
    return redirect(url_for("pages.subscriptions"))


@pages.post("/subscriptions/<int:sub_id>/test")
def test_subscription(sub_id: int) -> Response:
    try:
        with _db().transaction() as s:
            results = service.send_subscription_test(s, sub_id)
    except StorageError:
        abort(404)
    for r in results:
        flash(
            f"{r['target']}：{'测试消息发送成功' if r['ok'] else '发送失败：' + (r['error'] or '')}",
            "message" if r["ok"] else "error",
        )
    return redirect(url_for("pages.subscriptions"))


@pages.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    error = None
    if request.method == "POST":
        if check_login(current_app.config.get("FZWATCH_TOKEN"), request.form.get("token") or ""):
            session.clear()
            session["user"] = "web"
            target = request.args.get("next") or "/"
            return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
        error = (
            "令牌不正确。"
            if current_app.config.get("FZWATCH_TOKEN")
            else "未配置 FZWATCH_WEB_TOKEN，无法登录。"
        )
    return render_template("login.html", error=error)


@pages.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("pages.home"))
