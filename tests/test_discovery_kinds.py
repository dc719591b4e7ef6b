"""Page kinds in the crawl and `fzwatch explain` (issue 9).

A fixture portal written here (served by PortalServer on 127.0.0.1) reproduces what the ten unseen portals
did to the spider: a channel named exactly like the report (法治政府建设年度报告) linked from the home page,
whose items have ambiguous or truncated titles and continue on a second page; a Hanweb column, also named
like a report, whose rows sit in a `<script type="text/xml"><datastore>` island; a report one click from an
ordinary article of the channel; a draft behind robots.txt; an off-site mirror link."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cli import explain as explain_cli
from crawler.decisions import FETCH_REASONS, SKIP_REASONS, Decisions
from crawler.spiders import portal as portal_spider
from storage.crawl_decisions import find_decision, replace_decisions, url_memory
from storage.database import Database
from storage.models import CrawlRun, Document
from storage.reports import list_reports
from storage.sites import upsert_site
from tests.crawl_helpers import REPO, crawl_env, register_site, run_crawl
from tests.portals.server import PortalServer, Request, Response

SEEDS = Path(__file__).resolve().parent / "portals" / "seeds"
AGENCY = "泰顺县司法局"
OFFSITE = "http://www.example.org/fzzf/copy.html"  # never fetched: neither by the crawl nor by explain

REPORTS = {  # path -> (title shown on its own page, year, seed body)
    "/zwgk/ndbg/202403/t20240320_101.html": ("泰顺县司法局2023年法治政府建设年度报告", 2023, "000"),
    "/zwgk/ndbg/202303/t20230316_102.html": ("泰顺县司法局2022年法治政府建设年度报告", 2022, "001"),
    "/zwgk/ndbg/202203/t20220310_104.html": ("泰顺县司法局2021年法治政府建设年度报告", 2021, "002"),
    "/zwgk/qt/202103/t20210301_106.html": ("泰顺县司法局2020年法治政府建设年度报告", 2020, "003"),
    "/art/2020/3/1/art_88_107.html": ("泰顺县司法局2019年法治政府建设年度报告", 2019, "004"),
}
DOC_REPORT = "/u/2022/fzzfbg_2021.docx"  # a row linking the report file itself, under an ambiguous title
DOC_BYTES = (
    Path(__file__).resolve().parent
    / "portals"
    / "sites"
    / "gkmlpt"
    / "attachment"
    / "0"
    / "470"
    / "470881"
    / "2512345.docx"
)  # 鹤山市人民政府关于2021年度法治政府建设情况的报告
NEAR_MISS = "/zwgk/ndbg/202402/t20240210_103.html"
ROBOTS_DRAFT = "/oa/202402/t20240220_9.html"
CHANNEL, COLUMN, NOTICES = "/zwgk/ndbg/index.html", "/col/col88/index.html", "/tzgg/index.html"
LONG_CHANNEL = (
    "/fzzf/list.html"  # served by a route in test_a_report_channel_is_paged_while_its_pages_add_rows
)


def shell(title: str, main: str) -> str:
    nav = (
        '<div class="nav"><a href="/index.html">首页</a><a href="/tzgg/index.html">通知公告</a>'
        '<a href="/lxwm/index.html">联系我们</a></div>'
    )
    footer = (
        '<div class="footer"><p>版权所有：泰顺县司法局　浙ICP备05012345号-1　网站标识码：3303290001</p></div>'
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{AGENCY}</title></head>'
        f"<body>{nav}<div class='crumb'>您当前所在的位置：<a href='/index.html'>首页</a></div>{main}{footer}</body></html>"
    )


def article(title: str, paragraphs: list[str], date: str, extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return shell(
        title,
        f"<h1>{title}</h1><div class='info'>发布时间：{date}　来源：{AGENCY}</div>"
        f"<div class='TRS_Editor'>{body}</div>{extra}<div>【打印本页】 【关闭窗口】</div>",
    )


def seed_paragraphs(number: str) -> list[str]:
    path = next(SEEDS.glob(f"{number}_*.txt"))
    lines = path.read_text(encoding="utf-8").replace("|", "\n").split("\n")
    return [line.strip() for line in lines[1:] if line.strip()]


def rows(items: list[tuple[str, str, str]], with_title: bool = True) -> str:
    out = []
    for href, text, date in items:
        title = f' title="{text}"' if with_title else ""
        out.append(f'<li><a href="{href}"{title}>{text}</a><span>{date}</span></li>')
    return "<ul class='list'>" + "".join(out) + "</ul>"


def build_portal(root: Path) -> Path:
    site = root / "channels"
    pages = {
        "robots.txt": "User-agent: *\nDisallow: /oa/\n",
        "site.json": json.dumps({"name": "channels", "site_name": AGENCY, "charset": "utf-8"}),
        "index.html": shell(
            "首页",
            (
                f'<div class="box"><a href="{CHANNEL}">法治政府建设年度报告</a>'
                f'<a href="{COLUMN}">法治政府建设情况报告</a><a href="{NOTICES}">通知公告</a>'
                f'<a href="{LONG_CHANNEL}">法治政府建设</a></div>'
                f'<div class="links"><a href="{OFFSITE}">镜像转载：泰顺县2023年法治政府建设年度报告</a></div>'
            ),
        ),
        CHANNEL: shell(
            "法治政府建设年度报告",
            "<h2>法治政府建设年度报告</h2>"
            + rows(
                [
                    (
                        "/zwgk/ndbg/202403/t20240320_101.html",
                        "泰顺县司法局2023年法治政府建设年度报告",
                        "2024-03-20",
                    ),
                    (NEAR_MISS, "《泰顺县司法局2023年法治政府建设年度报告》解读", "2024-02-10"),
                    (
                        "/zwgk/ndbg/202402/t20240201_110.html",
                        "泰顺县2024年法治政府建设工作要点",
                        "2024-02-01",
                    ),
                    ("/zwgk/ndbg/202303/t20230316_102.html", "2022年度报告", "2023-03-16"),
                    (ROBOTS_DRAFT, "2024年法治政府建设年度报告（征求意见稿）", "2024-02-20"),
                ]
            )
            + '<div class="page">共2页 <a href="index_1.html">下一页</a> <a href="index_1.html">尾页</a></div>',
        ),
        "/zwgk/ndbg/index_1.html": shell(
            "法治政府建设年度报告",
            "<h2>法治政府建设年度报告</h2>"
            + rows(
                [
                    (
                        "/zwgk/ndbg/202203/t20220310_104.html",
                        "泰顺县司法局2021年法治政府建设年度…",
                        "2022-03-10",
                    ),
                    ("/zwgk/ndbg/202201/t20220105_105.html", "县司法局开展“八五”普法宣传活动", "2022-01-05"),
                    (DOC_REPORT, "年度报告（文件版）", "2022-01-02"),
                ],
                with_title=False,
            )
            + '<div class="page">共2页 <a href="index.html">上一页</a> <a href="index.html">首页</a></div>',
        ),
        "/zwgk/ndbg/202201/t20220105_105.html": article(
            "县司法局开展“八五”普法宣传活动",
            [
                "1月5日，县司法局在城区广场开展“八五”普法宣传活动，发放宣传资料三千余份，现场解答群众法律咨询。",
                "活动期间，工作人员还介绍了本局上一年度法治政府建设情况，欢迎群众阅读全文并提出意见建议。",
            ],
            "2022-01-05",
            '<p>相关阅读：<a href="/zwgk/qt/202103/t20210301_106.html">泰顺县司法局2020年法治政府建设'
            "年度报告</a></p>",
        ),
        NEAR_MISS: article(
            "《泰顺县司法局2023年法治政府建设年度报告》解读",
            [
                "近日，县司法局公布了2023年法治政府建设年度报告。报告总结了一年来的主要举措和成效，现将要点解读如下。"
            ],
            "2024-02-10",
        ),
        "/zwgk/ndbg/202402/t20240201_110.html": article(
            "泰顺县2024年法治政府建设工作要点",
            [
                "为深入推进法治政府建设，现将2024年工作要点印发如下，请各单位结合实际认真贯彻落实，确保各项任务落到实处。"
            ],
            "2024-02-01",
        ),
        ROBOTS_DRAFT: article(
            "2024年法治政府建设年度报告（征求意见稿）", ["草稿，不公开。" * 10], "2024-02-20"
        ),
        NOTICES: shell(
            "通知公告",
            "<h2>通知公告</h2>"
            + rows(
                [
                    (
                        f"/tzgg/202401/t202401{n:02d}_{200 + n}.html",
                        f"关于开展第{n}批行政执法人员培训的通知",
                        f"2024-01-{n:02d}",
                    )
                    for n in range(1, 11)
                ]
            ),
        ),
        COLUMN: shell(
            "法治政府建设情况报告",
            (
                '<h2>法治政府建设情况报告</h2><div id="88"><script type="text/xml"><datastore><recordset>'
                + "".join(
                    f'<record><![CDATA[<li><a href="{href}" title="{text}">{text}</a><span>{date}</span></li>]]>'
                    "</record>"
                    for href, text, date in [
                        (
                            "/art/2020/3/1/art_88_107.html",
                            "泰顺县司法局2019年法治政府建设年度报告",
                            "2020-03-01",
                        ),
                        ("/art/2019/5/1/art_88_108.html", "县司法局召开全面依法治县工作会议", "2019-05-01"),
                        ("/art/2019/4/1/art_88_109.html", "县司法局开展行政执法案卷评查", "2019-04-01"),
                    ]
                )
                + "</recordset></datastore></script></div>"
                "<script>$('#88').jpage({dataStore: dataStore, perPage: 15, totalRecord: 3});</script>"
            ),
        ),
    }
    for path, (title, year, seed) in REPORTS.items():
        date = f"{year + 1}-03-{10 + year % 10:02d}"
        pages[path] = article(title, seed_paragraphs(seed), date)
    for path, text in pages.items():
        file = site / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    (site / DOC_REPORT.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (site / DOC_REPORT.lstrip("/")).write_bytes(DOC_BYTES.read_bytes())
    return site


@pytest.fixture
def portal(tmp_path: Path) -> PortalServer:
    return PortalServer(build_portal(tmp_path))


def explain(db_url: str, site: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "explain", site, url],
        cwd=REPO,
        env=crawl_env(db_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_channels_named_like_the_report_are_read_as_lists_and_explained(
    portal: PortalServer, sqlite_url: str
) -> None:
    with portal as server:
        register_site(sqlite_url, "channels", AGENCY, server.url("/index.html"))
        register_site(sqlite_url, "channels-tight", AGENCY, server.url("/index.html"), page_budget=2)
        assert run_crawl(sqlite_url, "channels")["status"] == "ok"
        assert run_crawl(sqlite_url, "channels-tight")["status"] == "ok"
        assert server.disallowed_requests("fzwatch") == [], "robots.txt obeyed"

        db = Database(sqlite_url)
        with db.transaction() as s:
            found = {
                r["url"].removeprefix(server.base_url): r for r in list_reports(s) if r["site"] == "channels"
            }
            documents = {d.removeprefix(server.base_url) for d in s.scalars(select(Document.url))}
        db.dispose()
        # Every report: through the channel named like the report (an ambiguous "2022年度报告", a truncated
        # title on page 2), through the datastore island, and one click from an ordinary article.
        assert set(found) == set(REPORTS) | {DOC_REPORT}
        assert {path: r["year"] for path, r in found.items()} == {
            **{p: v[1] for p, v in REPORTS.items()},
            DOC_REPORT: 2021,
        }
        assert not documents & {CHANNEL, COLUMN, "/zwgk/ndbg/index_1.html"}, "a list page is never stored"
        assert NEAR_MISS not in found

        outputs = {
            name: explain(sqlite_url, site, server.url(path))
            for name, site, path in [
                ("report", "channels", "/zwgk/ndbg/202303/t20230316_102.html"),
                ("near_miss", "channels", NEAR_MISS),
                ("robots", "channels", ROBOTS_DRAFT),
                ("channel", "channels", CHANNEL),
                ("budget", "channels-tight", NOTICES),
            ]
        }
        requests_before_offsite = len(server.requests)
        outputs["offsite"] = explain(sqlite_url, "channels", OFFSITE)
        assert len(server.requests) == requests_before_offsite
        # explain fetched robots.txt and the pages live, politely: as fzwatch, never a disallowed page.
        assert server.disallowed_requests("fzwatch") == [] and all(
            "fzwatch" in r.user_agent for r in server.requests
        )
        assert server.count(ROBOTS_DRAFT) == 0

        # The next crawl: the channel named like the report is checked (conditionally) like any report
        # channel, judged pages are not fetched again, nothing new is stored.
        server.clear_log()
        second = run_crawl(sqlite_url, "channels")
        assert second["status"] == "ok" and second["new_reports"] == 0
        assert second["not_modified"] == len(REPORTS) + 1
        assert server.count(CHANNEL) == 1 and server.count(NEAR_MISS) == 0
    for name, proc in outputs.items():
        assert proc.returncode == 0, (name, proc.stderr)
    out = {name: proc.stdout for name, proc in outputs.items()}

    assert "站内：是" in out["report"] and "robots.txt：允许" in out["report"]
    assert "已抓取 —— 原因：报告栏目中的条目" in out["report"] and "链接文字：2022年度报告" in out["report"]
    assert "结果：是年度报告" in out["report"] and "页面类型：正文页" in out["report"]
    assert "分类：是年度报告" in out["report"] and "年度：2022" in out["report"]

    assert "已抓取" in out["near_miss"] and "结果：不是年度报告" in out["near_miss"]
    assert "分类：不是年度报告" in out["near_miss"] and "近似非报告：解读" in out["near_miss"]

    assert "robots.txt：禁止" in out["robots"] and "未抓取 —— 原因：robots.txt 禁止" in out["robots"]
    assert "现在抓取：不抓取" in out["robots"]

    assert "候选链接" in out["channel"] and "结果：列表页" in out["channel"]
    assert "页面类型：列表页（list）" in out["channel"] and "分类：不是年度报告" in out["channel"]

    assert "未抓取 —— 原因：超出本次抓取的页面预算" in out["budget"]

    assert "站内：否" in out["offsite"] and "未抓取 —— 原因：站外链接" in out["offsite"]
    assert "现在抓取：不抓取" in out["offsite"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["nosuchsite", "http://127.0.0.1/x.html"], "未知站点：nosuchsite"),
        (["channels", "not-a-url"], "无效的 URL：not-a-url"),
    ],
)
def test_explain_user_mistakes_are_one_line(args: list[str], message: str, sqlite_url: str) -> None:
    register_site(sqlite_url, "channels", AGENCY, "http://127.0.0.1:9/index.html")
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "explain", *args],
        cwd=REPO,
        env=crawl_env(sqlite_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_decisions_keep_the_best_and_stay_bounded() -> None:
    decisions = Decisions(cap=3)
    decisions.note("http://a/1", "skipped", "not_due", depth=2)
    decisions.note("http://a/1", "skipped", "budget")  # the first skip stands
    assert decisions.by_url["http://a/1"]["reason"] == "not_due"
    decisions.note("http://a/1", "fetched", "candidate", priority=100, source="http://a/")
    decisions.note("http://a/1", "skipped", "budget")  # met again later: it was fetched
    decisions.outcome("http://a/1", "report", "report_title")
    row = decisions.by_url["http://a/1"]
    assert (row["decision"], row["reason"], row["outcome"], row["source"]) == (
        "fetched",
        "candidate",
        "report",
        "http://a/",
    )
    for n in range(2, 6):
        decisions.note(f"http://a/{n}", "skipped", "offsite")
    assert len(decisions.rows()) == 3 and decisions.dropped == 2
    decisions.skip_fetched("http://a/2", "robots")
    assert decisions.by_url["http://a/2"]["reason"] == "robots"


def test_decisions_are_replaced_per_crawl(db_url: str) -> None:
    db = Database(db_url)
    with db.transaction() as s:
        upsert_site(
            s, {"id": "d", "name": AGENCY, "region": "", "start_urls": ["http://127.0.0.1/"], "options": {}}
        )
        first = [
            {
                "url": f"http://127.0.0.1/{n}.html",
                "decision": "skipped",
                "reason": "budget",
                "depth": 1,
                "priority": 40,
                "source": "http://127.0.0.1/",
                "anchor": "通知公告",
            }
            for n in range(10)
        ]
        assert replace_decisions(s, "d", first, run_id=1, cap=5) == 5
    with db.transaction() as s:
        assert (
            replace_decisions(
                s,
                "d",
                [
                    {
                        "url": "http://127.0.0.1/9.html",
                        "decision": "fetched",
                        "reason": "candidate",
                        "outcome": "report",
                    }
                ],
                run_id=2,
            )
            == 1
        )
    with db.transaction() as s:
        assert find_decision(s, "d", "http://127.0.0.1/0.html") is None, "the last crawl's decisions only"
        memory = url_memory(s, "d", "http://127.0.0.1/9.html")
    db.dispose()
    assert memory["decision"]["reason"] == "candidate" and memory["decision"]["run_id"] == 2
    assert memory["document"] is None and memory["last_run"] is None


def test_every_decision_reason_has_chinese_wording() -> None:
    """Each reason the spider records is worded for `fzwatch explain` (none is shown as a raw code)."""
    source = Path(portal_spider.__file__).read_text(encoding="utf-8")
    # Whitespace-tolerant: the formatter may put each argument on its own line.
    used = set(re.findall(r'"(?:fetched|skipped)",\s*"(\w+)"', source))
    used |= set(re.findall(r'_skip\(\s*[^,]+,\s*"(\w+)"', source)) | set(re.findall(r'why="(\w+)"', source))
    used |= set(re.findall(r'_admit_detail\(\s*[^,]+,\s*[^,]+,\s*"(\w+)"', source))
    assert {"start", "candidate", "report_channel_item", "extra_hop", "offsite", "depth"} <= used
    assert used <= set(FETCH_REASONS) | set(SKIP_REASONS), used - set(FETCH_REASONS) - set(SKIP_REASONS)
    assert set(FETCH_REASONS) == set(explain_cli.FETCH_REASONS)
    assert set(SKIP_REASONS) == set(explain_cli.SKIP_REASONS)


def test_a_report_channel_is_paged_while_its_pages_add_rows(portal: PortalServer, sqlite_url: str) -> None:
    """A 法治政府建设 channel of 7 pages whose "下一页" never ends (past the last page it shows a few of the
    last rows again): it is paged to its end — the report on page 7 under an ambiguous title is found — and
    no further (the URL-shape guard alone would allow 60 pages)."""
    last, report = 7, "/fzzf/2020/t20200301_9001.html"

    def rows_of(page: int) -> list[tuple[str, str, str]]:
        if page > last:
            return rows_of(last)[-5:]
        items = [
            (
                f"/fzzf/news/{(page - 1) * 10 + i}.html",
                f"县政府召开第{(page - 1) * 10 + i}次常务会议",
                f"2023-{13 - page:02d}-{20 - i:02d}",
            )
            for i in range(10)
        ]
        if page == 1:
            items[0] = ("/fzzf/news/0.html", "县召开法治政府建设推进会", "2023-12-20")
        if page == last:
            items[3] = (report, "2019年度报告", "2020-03-01")
        return items

    def channel(request: Request) -> Response:
        page = int(request.query.get("page") or 1)
        html = shell(
            "法治政府建设",
            "<h2>法治政府建设</h2>"
            + rows(rows_of(page))
            + f'<div class="page">第{page}页 <a href="list.html?page={page + 1}">下一页</a></div>',
        )
        return Response(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"})

    with portal as server:
        server.add_route(LONG_CHANNEL, channel)
        body = [
            *seed_paragraphs("002"),
            "（本报告为2019年度版本，其正文与其他年度不同。）",
        ]  # not a republication
        server.set_page(report, article("泰顺县司法局2019年法治政府建设年度报告", body, "2020-03-01"))
        register_site(sqlite_url, "channels", AGENCY, server.url("/index.html"), extra_hops=0)
        assert run_crawl(sqlite_url, "channels")["status"] == "ok"
        pages_asked = server.count(LONG_CHANNEL)
        db = Database(sqlite_url)
        with db.transaction() as s:
            found = {r["url"].removeprefix(server.base_url): r["year"] for r in list_reports(s)}
            stats = s.scalars(select(CrawlRun.stats)).first()["stats"]
        db.dispose()
    assert found.get(report) == 2019
    # list.html (its twin ?page=1 is known to be the same page and not asked), pages 2-7, and page 8 that
    # shows no new row and ends the series.
    assert pages_asked == last + 1
    assert stats.get("fzwatch/cut_no_new_rows", 0) + stats.get("fzwatch/series_ended", 0) >= 1
    assert not stats.get("fzwatch/extra_hops")
