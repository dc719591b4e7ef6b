"""Coverage end to end (issue 10): a county portal on 127.0.0.1 carries the government's own report and
its departments' reports, published in different months; a real crawl, then `fzwatch coverage`.

The government's row must show the government's own report and date — not the earlier report of one
of its departments — and every department its own report, date and verdict (one late, one missing).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from storage.database import Database
from storage.models import Report
from tests.crawl_helpers import register_site, run_crawl
from tests.fixtures.parsers.build_pub import news_body, page, report_body
from tests.portals.server import PortalServer

SITE_NAME = "泰顺县人民政府"

# (url path, title, 发布时间, body). Titles as portals write them: the government's has no 报告,
# departments abbreviated or with the level word only.
ARTICLES = [
    (
        "/art/2024/1/20/art_1229_101.html",
        "泰顺县司法局2023年法治政府建设年度报告",
        "2024-01-20 09:00",
        report_body("县司法局", 2023, "县委、县政府"),
    ),
    (
        "/art/2024/2/26/art_1229_102.html",
        "县教育局关于2023年度法治政府建设情况的报告",
        "2024-02-26",
        report_body("县教育局", 2023, "县委、县政府"),
    ),
    (
        "/art/2024/3/29/art_1229_103.html",
        "泰顺县2023年度法治政府建设情况",
        "2024-03-29 16:00",
        report_body("我县", 2023, "市委、市政府"),
    ),
    (
        "/art/2024/5/10/art_1229_104.html",
        "县市场监管局2023年度法治政府建设年度报告",
        "2024-05-10",
        report_body("县市场监管局", 2023, "县委、县政府"),
    ),
    (
        "/art/2024/3/15/art_1229_105.html",
        "泰顺县交通运输局2023年法治政府建设年度报告",
        "2024-03-15",
        report_body("县交通运输局", 2023, "县委、县政府"),
    ),
    # near-misses on the same list: never counted for anyone
    (
        "/art/2024/2/20/art_1229_106.html",
        "泰顺县2024年法治政府建设工作要点",
        "2024-02-20",
        ["为深入推进法治政府建设，制定本工作要点。", "一、加强党的领导", "二、完善依法行政制度体系"],
    ),
    ("/art/2024/4/2/art_1229_107.html", "泰顺县2023年法治政府建设情况", "2024-04-02", news_body("泰顺县")),
]
EXPECTED = [
    "泰顺县司法局",
    "县教育局",
    "泰顺县市场监督管理局",
    {"name": "县卫健局", "publisher_kind": "department"},
]


def build_portal(root: Path) -> Path:
    site = root / "county"
    (site / "fzzfjs").mkdir(parents=True)
    (site / "site.json").write_text(
        json.dumps({"name": "county", "site_name": SITE_NAME, "charset": "utf-8"}), encoding="utf-8"
    )
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (site / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>中国泰顺</title></head><body>'
        '<ul><li><a href="/fzzfjs/index.html">法治政府建设</a></li></ul></body></html>',
        encoding="utf-8",
    )
    rows = "".join(
        f'<li><a href="{path}">{title}</a><span>{day[:10]}</span></li>' for path, title, day, _ in ARTICLES
    )
    (site / "fzzfjs" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"><title>法治政府建设_中国泰顺</title></head><body><ul class="list">{rows}'
        "</ul></body></html>",
        encoding="utf-8",
    )
    for path, title, day, paras in ARTICLES:
        target = site / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(title, "中国泰顺", paras, f"发布时间：{day}"), encoding="utf-8")
    return site


def test_coverage_rows_are_each_publishers_own_report(sqlite_url: str, tmp_path: Path) -> None:
    with PortalServer(build_portal(tmp_path)) as server:
        register_site(
            sqlite_url, "county", "中国泰顺", server.url("/index.html"), expected_publishers=EXPECTED
        )
        summary = run_crawl(sqlite_url, "county")
        assert summary["status"] == "ok", summary
    db = Database(sqlite_url)
    with db.transaction() as s:
        stored = {r.agency: r.published_at for r in s.query(Report)}
    db.dispose()
    # One canonical name per body, whatever the page wrote (县教育局, 县市场监管局, a bare 泰顺县).
    assert stored == {
        "泰顺县司法局": "2024-01-20T09:00:00",
        "泰顺县教育局": "2024-02-26",
        "泰顺县人民政府": "2024-03-29T16:00:00",
        "泰顺县市场监督管理局": "2024-05-10",
        "泰顺县交通运输局": "2024-03-15",
    }

    result = CliRunner().invoke(cli, ["--db", sqlite_url, "coverage", "--year", "2023", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    rows = {r["publisher"]: r for r in out["rows"]}
    gov = rows["泰顺县人民政府"]
    assert gov["expected"] and gov["title"] == "泰顺县2023年度法治政府建设情况"
    assert (gov["published_at"], gov["status"]) == ("2024-03-29T16:00:00", "on_time")
    assert (rows["泰顺县教育局"]["published_at"], rows["泰顺县教育局"]["status"]) == ("2024-02-26", "on_time")
    assert (rows["泰顺县司法局"]["published_at"], rows["泰顺县司法局"]["status"]) == (
        "2024-01-20T09:00:00",
        "on_time",
    )
    assert (rows["泰顺县市场监督管理局"]["published_at"], rows["泰顺县市场监督管理局"]["status"]) == (
        "2024-05-10",
        "late",
    )
    assert rows["泰顺县卫生健康局"]["status"] == "missing" and rows["泰顺县卫生健康局"]["report_id"] is None
    other = rows["泰顺县交通运输局"]
    assert (
        other["expected"] is False and other["report_id"] is not None
    )  # listed as its own, credited to no one
    assert out["summary"] == {
        **out["summary"],
        "expected": 5,
        "published": 4,
        "on_time": 3,
        "late": 1,
        "missing": 1,
        "extra_reports": 1,
    }
    titles = {r["title"] for r in out["rows"]}
    assert "泰顺县2024年法治政府建设工作要点" not in titles and "泰顺县2023年法治政府建设情况" not in titles

    table = CliRunner().invoke(cli, ["--db", sqlite_url, "coverage", "--year", "2023"])
    gov_line = next(line for line in table.output.splitlines() if "泰顺县人民政府" in line)
    assert (
        "2024-03-29" in gov_line
        and "2024-02-26" not in gov_line
        and "泰顺县2023年度法治政府建设情况" in gov_line
    )
