"""`fzwatch web`: a small read-only Flask app over storage/ (it holds no SQL of its own)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, abort, render_template, request

from parsers.clock import format_beijing
from scheduler.changes import unified_diff
from storage.database import Database
from storage.errors import UnknownReport
from storage.health import SUSPECT_VERDICTS, display_state
from storage.reports import get_report, indicator_series, list_reports, report_indicators, report_versions
from storage.sites import last_runs, list_sites, report_counts

STATE_ZH = {"new": "未抓取", "ok": "正常", "failing": "故障", "blocked": "被拦截",
            "no_reports": "未发现报告", "suspect": "可能遗漏"}
BEIJING = ZoneInfo("Asia/Shanghai")


def create_app(db: Database) -> Flask:
    app = Flask(__name__)
    app.config["JSON_AS_ASCII"] = False
    app.jinja_env.filters["beijing"] = format_beijing  # every time shown in Beijing time (parsers.clock)

    @app.get("/")
    def sites() -> str:
        with db.transaction() as s:
            rows = list_sites(s)
            counts, runs = report_counts(s), last_runs(s)
            view = [_site_view(x, counts.get(x.id, 0), runs.get(x.id)) for x in rows]
        return render_template("sites.html", sites=view)

    @app.get("/reports")
    def reports() -> str:
        year = request.args.get("year", type=int)
        site = request.args.get("site") or None
        with db.transaction() as s:
            rows = list_reports(s, year=year, site_id=site)
        return render_template("reports.html", reports=rows, year=year, site=site)

    @app.get("/reports/<int:report_id>")
    def report(report_id: int) -> str:
        with db.transaction() as s:
            try:
                r = get_report(s, report_id)
            except UnknownReport:
                abort(404)
            versions = report_versions(s, r)
            latest = versions[-1]
            indicators = report_indicators(s, r.id, latest.id)
            diff = (unified_diff(versions[-2].text, latest.text, f"版本{versions[-2].version_no}",
                                 f"版本{latest.version_no}") if len(versions) > 1 else "")
            return render_template("report.html", report=r, url=r.document.url, versions=versions,
                                   latest=latest, indicators=indicators, diff=diff)

    @app.get("/indicators")
    def indicators() -> str:
        key = request.args.get("key") or "reconsideration_correction_rate"
        with db.transaction() as s:
            series = indicator_series(s, key)
        return render_template("indicators.html", key=key, series=series, keys=_indicator_keys())

    return app


def _site_view(site: Any, reports: int, run: Any) -> dict[str, Any]:
    state = display_state(site.state, site.verdict)
    last = site.last_crawl_at.astimezone(BEIJING) if site.last_crawl_at else None
    return {"id": site.id, "name": site.name, "region": site.region, "state": STATE_ZH.get(state, state),
            "bad": state in ("failing", "blocked"), "warn": state in SUSPECT_VERDICTS, "last_crawl": last,
            "reports": reports, "pages": (run.stats or {}).get("pages") if run else None, "error": site.last_error,
            "reason": site.verdict_reason if state in SUSPECT_VERDICTS else None}


def _indicator_keys() -> list[tuple[str, str]]:
    from parsers.indicators import list_indicators

    return list(dict.fromkeys((d.key, d.label) for d in list_indicators()))


def serve(db: Database, host: str, port: int) -> None:
    from wsgiref.simple_server import make_server

    with make_server(host, port, create_app(db)) as httpd:
        httpd.serve_forever()
