"""The web app served by waitress on 127.0.0.1 over a real database (SQLite, and PostgreSQL when one
answers) filled through the real parsers and ingest: pages, search, filters, exports, diffs, access."""

from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from monitor.intel import check_overdue
from storage.database import Database
from storage.events import latest_due_year
from storage.models import RecrawlRequest, Site
from storage.subscriptions import add_subscription
from tests.conftest import REPO
from tests.web_data import EXPECTED, XSS, fill, ingest, report_page, serving
from web.app import create_app
from web.exports import table

TOKEN = "test-token-123"


@dataclass
class Served:
    base: str
    db: Database

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.base + _quote(path), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def page(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:300])
        return body.decode("utf-8")

    def api(
        self, path: str, method: str = "GET", body: object = None, token: str | None = None
    ) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + _quote(path), data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")


def _quote(path: str) -> str:
    return urllib.parse.quote(path, safe="/?&=%:+")


def serve_app(db: Database, **kwargs: object) -> Iterator[str]:
    with serving(create_app(db, token=TOKEN, **kwargs)) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture
def served(db: Database) -> Iterator[Served]:
    fill(db)
    for base in serve_app(db):
        yield Served(base, db)


def test_search_finds_reports_stating_every_term(served: Served) -> None:
    status, body = served.api(
        "/api/reports?" + urllib.parse.urlencode({"q": "行政复议 纠错率", "site": "trs"})
    )
    assert status == 200 and body["total"] == 4  # every trs report states both
    status, body = served.api("/api/reports?" + urllib.parse.urlencode({"q": "纠错31件"}))
    assert [r["title"] for r in body["reports"]] == ["泰顺县司法局2023年法治政府建设年度报告"]
    assert "纠错31件" in body["reports"][0]["snippet"]
    # The text before the revision is no longer what the report says.
    assert served.api("/api/reports?q=" + urllib.parse.quote("纠错29件"))[1]["total"] == 0
    # Two-character terms (below the trigram size) still work, combined with a longer one.
    status, body = served.api("/api/reports?" + urllib.parse.urlencode({"q": "复议 鹤山市司法局"}))
    assert [r["agency"] for r in body["reports"]] == ["鹤山市司法局"]
    assert served.api("/api/reports?q=" + urllib.parse.quote("行政复议 不存在的词语"))[1]["total"] == 0
    html = served.page("/reports?" + urllib.parse.urlencode({"q": "纠错31件"}))
    assert "共 1 份" in html and "泰顺县司法局2023年法治政府建设年度报告" in html


def test_filters_combine_sort_and_paginate(served: Served) -> None:
    def titles(**args: object) -> list[str]:
        status, body = served.api("/api/reports?" + urllib.parse.urlencode(args))
        assert status == 200
        return [r["title"] for r in body["reports"]]

    assert titles(region="浙江省温州市", year=2022, sort="id", order="asc") == [
        "鹤山市司法局2022年法治政府建设年度报告",
        "泰顺县人民政府关于2022年度法治政府建设情况的报告",
    ]
    assert titles(publisher="泰顺县司法局", sort="year", order="asc", site="trs") == [
        "泰顺县司法局2021年法治政府建设年度报告",
        "泰顺县司法局2023年法治政府建设年度报告",
    ]
    assert titles(region="测试省") and not titles(region="测试省", year=2021)
    with_rate = titles(indicator="reconsideration_correction_rate", site="trs")
    assert "泰顺县司法局2023年法治政府建设年度报告" in with_rate
    page1, page2 = (
        titles(site="trs", per_page=3, sort="id"),
        titles(site="trs", per_page=3, sort="id", page=2),
    )
    assert len(page1) == 3 and len(page2) == 1 and not set(page1) & set(page2)
    assert served.api("/api/reports?year=abc")[0] == 422


def test_exports_follow_the_filters(served: Served) -> None:
    status, headers, body = served.get("/reports?" + urllib.parse.urlencode({"year": 2022, "export": "csv"}))
    assert status == 200 and body.startswith(b"\xef\xbb\xbf") and "text/csv" in headers["Content-Type"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "年度", "地区"] and len(rows) == 3 and {r[1] for r in rows[1:]} == {"2022"}
    status, _, body = served.get("/api/reports/export?format=xlsx&site=trs")
    sheet = load_workbook(io.BytesIO(body)).active
    assert status == 200 and sheet.max_row == 5 and sheet.cell(1, 5).value == "标题"


def test_report_page_shows_checklist_indicators_and_inline_diff(served: Served) -> None:
    html = served.page("/reports/1")
    assert "主要举措和成效" in html and "下一年度工作安排" in html  # the checklist speaks Chinese
    assert "measures" not in html and "reconsideration_correction_rate" not in html
    assert "行政复议" in html and "版本（2）" in html
    # The changed number is marked inside its paragraph, not as a whole-line diff.
    assert "纠错<del>29</del><ins>31</ins>件" in html
    _status, body = served.api("/api/reports/1?a=1&b=2")
    changed = [p for p in body["diff"] if p["kind"] == "changed"]
    assert changed and "".join(s["text"] for s in changed[0]["segments"] if s["op"] != "delete").count(
        "纠错31件"
    )
    assert {s["op"] for s in changed[0]["segments"]} == {"equal", "insert", "delete"}
    assert served.api("/api/reports/1?b=1")[1]["compare_to"] is None
    labels = {i["label"] for i in body["indicators"]}
    assert labels and all(not label.isascii() for label in labels)


def test_xss_payloads_are_escaped_and_links_limited_to_http(served: Served) -> None:
    _status, body = served.api("/api/reports?site=evil")
    evil_id = body["reports"][0]["id"]
    for path in (f"/reports/{evil_id}", "/reports?site=evil", "/", "/publishers", "/events", "/coverage"):
        html = served.page(path)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    html = served.page(f"/reports/{evil_id}")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html and str(escape(XSS)) in html
    assert 'href="javascript:' not in html and "javascript:alert(4)" in html  # shown as text only


def test_coverage_matrix_explains_missing_cells(served: Served) -> None:
    status, body = served.api("/api/coverage?year=2022")
    cells = {(r["site"], r["publisher"]): r["cells"]["2022"] for r in body["rows"]}
    evil = cells[("evil", "恶意站点")]
    assert evil["status"] == "unchecked" and "尚未成功抓取" in evil["explain"]
    assert cells[("trs", "泰顺县人民政府")]["report_id"] is not None
    html = served.page("/coverage?region=浙江省")
    assert "恶意站点" not in html and "泰顺县人民政府" in html
    status, _headers, data = served.get("/coverage?export=xlsx")
    assert status == 200 and load_workbook(io.BytesIO(data)).active.cell(1, 3).value == "发布机构"


def test_indicator_pivot_and_export(served: Served) -> None:
    status, body = served.api("/api/indicators?key=reconsideration_received&region=浙江省")
    assert status == 200 and 2023 in body["years"]
    values = {(r["agency"], y): v["value"] for r in body["rows"] for y, v in r["years"].items()}
    assert Decimal(str(values[("泰顺县司法局", "2023")])) == 105  # exact decimals (strings in JSON)
    html = served.page("/indicators?key=reconsideration_received")
    assert 'data-chart="pivot"' in html and "行政复议" in html
    status, _, data = served.get("/indicators?key=reconsideration_received&export=csv")
    assert "105" in data.decode("utf-8-sig")


def test_writes_need_a_token_or_a_session_with_csrf(served: Served) -> None:
    assert served.api("/api/sites/trs/recrawl", "POST")[0] == 401
    assert served.api("/api/sites/trs/recrawl", "POST", token="wrong")[0] == 401
    status, body = served.api("/api/sites/trs/recrawl", "POST", token=TOKEN)
    assert status == 202 and body["site"] == "trs"
    with served.db.transaction() as s:
        assert [r.site_id for r in s.query(RecrawlRequest)] == ["trs"]
    assert served.api("/api/sites/nope/recrawl", "POST", token=TOKEN)[0] == 404
    # A form post without a login is sent to the login page, and nothing is recorded.
    req = urllib.request.Request(served.base + "/sites/trs/recrawl", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert "/login" in resp.url
    with served.db.transaction() as s:
        assert s.query(RecrawlRequest).count() == 1


def test_subscriptions_api_never_echoes_urls(served: Served) -> None:
    secret = "json://user:hunter2@127.0.0.1:9/hook"
    status, body = served.api(
        "/api/subscriptions", "POST", {"urls": [secret], "events": ["new_report"]}, TOKEN
    )
    assert status == 201 and body["targets"] == ["json://127.0.0.1:9"]
    listing = json.dumps(served.api("/api/subscriptions")[1]) + served.page("/subscriptions")
    assert "hunter2" not in listing
    status, body = served.api(
        f"/api/subscriptions/{body['id']}", "PUT", {"events": ["report_revised"]}, TOKEN
    )
    assert (
        status == 200 and body["events"] == ["report_revised"] and body["targets"] == ["json://127.0.0.1:9"]
    )
    assert served.api("/api/subscriptions", "POST", {"urls": ["nope"]}, TOKEN)[0] == 400
    assert served.api("/api/subscriptions", "POST", {"urls": [secret], "events": ["bogus"]}, TOKEN)[0] == 400
    assert served.api(f"/api/subscriptions/{body['id']}", "DELETE", token=TOKEN)[0] == 204
    assert served.api("/api/subscriptions")[1]["subscriptions"] == []


def test_chinese_errors_and_security_headers(served: Served) -> None:
    status, headers, body = served.get("/reports/999")
    assert status == 404 and "页面不存在" in body.decode() and "Not Found" not in body.decode()
    assert (
        "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        and headers["X-Frame-Options"] == "DENY"
    )
    assert served.get("/", headers={"Host": "evil.example"})[0] == 400  # Host header allow-list
    status, spec = served.api("/api/openapi.json")
    assert (
        status == 200 and "/api/reports" in spec["paths"] and "/api/sites/{site_id}/recrawl" in spec["paths"]
    )


def test_reads_need_login_when_not_bound_to_loopback(db: Database) -> None:
    fill(db)
    for base in serve_app(db, bind_host="192.0.2.1"):
        site = Served(base, db)
        assert site.api("/api/reports")[0] == 401
        assert site.api("/api/reports", token=TOKEN)[0] == 200


def test_cli_refuses_a_public_bind_without_a_token(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FZWATCH_WEB_TOKEN"}
    env["FZWATCH_DB"] = f"sqlite:///{tmp_path}/x.sqlite3"
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "web", "--host", "0.0.0.0", "--port", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1 and "FZWATCH_WEB_TOKEN" in proc.stderr and "拒绝" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_login_session_writes_need_the_csrf_token(served: Served) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, form: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        try:
            with opener.open(urllib.request.Request(served.base + path, data=data), timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    assert "令牌不正确" in post("/login", {"token": "wrong"})[1]
    post("/login", {"token": TOKEN})
    with opener.open(served.base + "/sites", timeout=30) as resp:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1)  # type: ignore[union-attr]
    yaml_text = (
        "sites:\n  - id: ruian\n    name: 瑞安市人民政府\n    region: 浙江省温州市瑞安市\n"
        "    start_urls: [http://127.0.0.1:9/]\n"
    )
    status, html = post("/sites", {"yaml": yaml_text})
    assert status == 403 and "CSRF" in html
    status, html = post("/sites", {"yaml": yaml_text, "csrf_token": csrf})
    assert status == 200 and "已导入 1 个站点" in html and "瑞安市人民政府" in html
    status, html = post("/sites", {"yaml": "sites: [{id: 'bad id!'}]", "csrf_token": csrf})
    assert "YAML 有误" in html
    status, html = post(
        "/subscriptions",
        {
            "urls": "json://127.0.0.1:9/hook",
            "events": "report_overdue",
            "region_prefix": "浙江省",
            "csrf_token": csrf,
        },
    )
    assert "已创建订阅" in html and "浙江省" in html and "逾期" in html
    status, body = served.api("/api/sites", "POST", {"url": "ftp://x", "name": "坏站点"}, TOKEN)
    assert status == 400 and "站点信息有误" in body["error"]


def test_overview_lists_missing_publishers_attention_sites_and_regions(served: Served) -> None:
    assert served.api("/api/overview")[1]["overdue"] == []  # nothing judged overdue yet
    with served.db.transaction() as s:
        check_overdue(s)  # the daemon's hourly check (or `fzwatch coverage --check`)
    status, body = served.api("/api/overview")
    assert status == 200
    missing = {(o["publisher"], o["status"]) for o in body["overdue"]}
    assert ("泰顺县人民政府", "missing") in missing  # crawled, and no report for the season's year
    assert all(o["site"] != "evil" for o in body["overdue"])  # never crawled: not judged
    assert [s["id"] for s in body["attention"]] == ["evil"]
    regions = {r["region"]: r for r in body["regions"]}
    assert regions["浙江省温州市"] == {"region": "浙江省温州市", "sites": 1, "reports": 4}
    assert body["newest"][0]["first_seen"] >= body["newest"][-1]["first_seen"]
    html = served.page("/")
    assert "缺失" in html and "恶意站点" in html and "浙江省温州市" in html


def test_events_are_filterable_and_deliveries_masked(db: Database) -> None:
    with db.transaction() as s:
        add_subscription(
            s, ["json://user:hunter2@127.0.0.1:9/hook"], {"events": ["report_revised"]}, name="研究组"
        )
    fill(db)
    for base in serve_app(db):
        served = Served(base, db)
        status, body = served.api("/api/events?kind=report_revised")
        assert status == 200 and body["total"] == 1 and body["events"][0]["report_id"] == 1
        [delivery] = body["events"][0]["deliveries"]
        assert delivery["url"] == "json://127.0.0.1:9" and delivery["status"] == "pending"
        assert {e["kind"] for e in served.api("/api/events?site=trs&limit=500")[1]["events"]} >= {
            "new_report",
            "report_revised",
        }
        html = served.page("/events?kind=report_revised")
        assert "hunter2" not in html and "研究组" in html and "待发送" in html


def test_coverage_filters_by_publisher_kind(served: Served) -> None:
    rows = served.api("/api/coverage?year=2023")[1]["rows"]
    assert {r["kind"] for r in rows if r["expected"]} == {"government"}
    assert {r["kind"] for r in rows if not r["expected"]} <= {"other"}, (
        "other bodies' reports are not credited"
    )
    assert served.api("/api/coverage?year=2023&kind=department")[1]["rows"] == []
    assert "没有站点" in served.page("/coverage?kind=department")


def test_editing_a_subscription_keeps_thresholds_zone_and_addresses(served: Served) -> None:
    with served.db.transaction() as s:
        sub = add_subscription(
            s,
            ["json://127.0.0.1:9/hook"],
            {"indicator_keys": {"litigation_loss_rate": 5.0}},
            mode="digest",
            digest={"every": "daily", "at": "08:30", "tz": "Asia/Urumqi"},
        )
    status, body = served.api(
        f"/api/subscriptions/{sub.id}",
        "PUT",
        {"indicators": ["litigation_loss_rate:5"], "digest": "daily@07:00"},
        TOKEN,
    )
    assert status == 200 and body["targets"] == ["json://127.0.0.1:9"]
    with served.db.transaction() as s:
        stored = s.get(type(sub), sub.id)
        assert stored.filters["indicator_keys"] == {"litigation_loss_rate": 5.0}
        assert stored.digest == {"every": "daily", "at": "07:00", "tz": "Asia/Urumqi"}
    assert served.api(f"/api/subscriptions/{sub.id}", "PUT", {"indicators": ["x:y"]}, TOKEN)[0] == 400


def test_server_errors_are_chinese_and_reveal_nothing(tmp_path: object) -> None:
    broken = Database(f"sqlite:///{tmp_path}/unmigrated.sqlite3")  # no tables: every query fails
    for base in serve_app(broken):
        site = Served(base, broken)
        status, _, body = site.get("/reports")
        assert status == 500 and "服务器内部出错" in body.decode() and "OperationalError" not in body.decode()
        status, payload = site.api("/api/reports")
        assert status == 500 and payload == {"error": "服务器内部出错，请稍后再试。"}
    broken.dispose()


def test_exports_neutralise_formulas() -> None:
    body = (
        table(["标题"], [['=HYPERLINK("http://x")'], ["-1"], [3]], "csv", "t").get_data().decode("utf-8-sig")
    )
    assert body.splitlines()[1:] == ['"\'=HYPERLINK(""http://x"")"', "'-1", "3"]


def test_overview_lists_reports_published_late_this_season(served: Served) -> None:
    season = latest_due_year(Site(options={}), datetime.now(UTC).date())
    first = EXPECTED["reports"][0]
    body = report_page(first["url"]).replace(b"2023", str(season).encode())
    ingest(
        served.db,
        "trs",
        "http://www.ts.gov.cn/late.html",
        body,
        "泰顺县人民政府",
        year=season,
        published_at=f"{season + 1}-06-30",
    )
    late = [o for o in served.api("/api/overview")[1]["overdue"] if o["status"] == "late"]
    assert [(o["year"], o["publisher"]) for o in late] == [(season, "泰顺县司法局")]
    assert "逾期" in served.page("/")


def test_search_with_control_characters_is_not_a_server_error(served: Served) -> None:
    """Found by schemathesis: a NUL in q ended the FTS5 string ("unterminated string", HTTP 500)."""
    status, body = served.api("/api/reports?q=%E8%A1%8C%E6%94%BF%00%01%22x")
    assert status == 200, body
