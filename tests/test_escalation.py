"""A safety net with escalation, and honest site health (issue 9).

Small portals built here, served on 127.0.0.1: each hides its report where only one escalation tier
reaches it (rendering, a breadth-first pass through "uninteresting" pages, the site search), or has no
report at all, or shows only JavaScript shells. The tests check what a user sees: the report stored, the
tiers recorded on the crawl run, the verdict in `fzwatch sites list`, and one `site_suspect` message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from crawler.render import js_render_available
from parsers.shell import looks_like_shell
from scheduler.delivery import drain
from storage.database import Database
from storage.health import judge
from storage.models import CrawlRun, Event, Report
from storage.sites import finish_run, get_site, start_run, upsert_site
from tests.crawl_helpers import REPO, crawl_env, register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer, Request, Response
from tests.receivers import HttpReceiver
from web.app import create_app

REPORT_TITLE = "泰顺县司法局2023年法治政府建设年度报告"
REPORT_PAGE = (SITES_DIR / "trs" / "zwgk" / "fzzfjsndbg" / "202403" / "t20240312_123456.html").read_bytes()
ROBOTS = "User-agent: *\nDisallow: /oa/\n"


def page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}<div class='footer'>版权所有：泰顺县人民政府 浙ICP备12345678号</div>"
        "</body></html>"
    )


def links(*pairs: tuple[str, str]) -> str:
    return (
        "<ul>"
        + "".join(f"<li><a href='{href}'>{text}</a><span>2024-03-01</span></li>" for href, text in pairs)
        + "</ul>"
    )


NEWS = [(f"/xwzx/gzdt/202403/t2024030{i}_{i}.html", f"县政府召开第{i}次常务会议") for i in range(1, 4)]


def build_site(tmp_path: Path, pages: dict[str, str | bytes]) -> Path:
    """A portal directory for PortalServer: robots.txt, site.json and the given pages."""
    root = tmp_path / "portal"
    for path, body in {"robots.txt": ROBOTS, "site.json": json.dumps({"name": "portal"}), **pages}.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return root


def news_pages() -> dict[str, str]:
    return {href: page(text, "<p>" + "会议研究部署了近期重点工作。" * 20 + "</p>") for href, text in NEWS}


def last_run(db_url: str) -> dict[str, Any]:
    db = Database(db_url)
    with db.transaction() as s:
        stats = s.scalar(select(CrawlRun.stats).order_by(CrawlRun.id.desc()).limit(1))
    db.dispose()
    return dict(stats)


def count(db_url: str, model: Any, *where: Any) -> int:
    db = Database(db_url)
    with db.transaction() as s:
        value = s.scalar(select(func.count(model.id)).where(*where))
    db.dispose()
    return int(value or 0)


def sites_list(db_url: str, as_json: bool = True) -> Any:
    args = [sys.executable, "-m", "cli.main", "sites", "list"] + (["--json"] if as_json else [])
    proc = subprocess.run(
        args, cwd=REPO, env=crawl_env(db_url), capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(proc.stdout) if as_json else proc.stdout


def tiers(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["tier"]: t for t in summary["escalation"]["tiers"]}


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crawls run without Chromium: escalation tier 1 is skipped with a recorded reason."""
    monkeypatch.setenv("FZWATCH_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))


# -- tier 1: rendering --------------------------------------------------------------------------------


@pytest.mark.skipif(
    not js_render_available(), reason="needs scrapy-playwright and chromium (apt-get install chromium)"
)
def test_tier_render_finds_a_report_only_a_browser_sees(sqlite_url: str, tmp_path: Path) -> None:
    shell = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>泰顺县人民政府</title></head><body>"
        "<div id='app'></div><script>document.getElementById('app').innerHTML = "
        f"'<ul><li><a href=\"/art/2024/3/12/art_1_1.html\">{REPORT_TITLE}</a></li></ul>';</script>"
        "</body></html>"
    )
    root = build_site(tmp_path, {"index.html": shell, "art/2024/3/12/art_1_1.html": REPORT_PAGE})
    with PortalServer(root) as server:
        register_site(sqlite_url, "shell", "泰顺县人民政府", server.url("/index.html"))
        summary = run_crawl(sqlite_url, "shell")
        assert server.count("/art/2024/3/12/art_1_1.html") == 1
    assert summary["status"] == "ok" and summary["new_reports"] == 1
    stats = last_run(sqlite_url)["stats"]
    # A shell is rendered by the walk itself now (crawler/shells.py); escalation's render tier is the net
    # for shells the walk did not render. Either way a browser found the report, and the run says which.
    ran = tiers(summary) if summary["escalation"].get("ran") else {}
    assert stats.get("fzwatch/rendered", 0) >= 1 or ran.get("render", {}).get("reports") == 1


# -- tier 2: breadth-first ------------------------------------------------------------------------------


def bfs_portal(tmp_path: Path) -> Path:
    """The report is linked only from a news article ("点击查看全文"), itself only in a leaders' column."""
    article = "/xwzx/ldhd/202403/t20240305_5.html"
    report = "/xwzx/ldhd/202403/t20240312_6.html"
    return build_site(
        tmp_path,
        {
            "index.html": page("泰顺县人民政府", links(("/xwzx/ldhd/index.html", "领导活动"), *NEWS)),
            "xwzx/ldhd/index.html": page("领导活动", links((article, "县长到县司法局调研"))),
            article.lstrip("/"): page(
                "县长到县司法局调研",
                "<p>" + "调研中强调要抓好各项工作。" * 20 + f"</p><p><a href='{report}'>点击查看全文</a></p>",
            ),
            report.lstrip("/"): REPORT_PAGE,
            **news_pages(),
        },
    )


def test_tier_bfs_finds_a_report_behind_uninteresting_pages(
    sqlite_url: str, tmp_path: Path, no_browser: None
) -> None:
    with PortalServer(bfs_portal(tmp_path)) as server:
        register_site(sqlite_url, "bfs", "泰顺县人民政府", server.url("/index.html"))
        first = run_crawl(sqlite_url, "bfs")
        first_stats = last_run(sqlite_url)["stats"]
        server.clear_log()
        second = run_crawl(sqlite_url, "bfs")
        second_requests = len(server.requests)
    assert first["new_reports"] == 1
    assert count(sqlite_url, Report, Report.title.contains("2023年法治政府建设年度报告")) == 1
    ran = tiers(first)
    assert ran["render"]["skipped"] == "no_browser"
    assert ran["bfs"]["reports"] == 1 and ran["bfs"]["pages"] >= 3
    assert "search" not in ran, "the search is not asked once a tier found the report"
    assert first_stats["fzwatch/escalation/bfs/pages"] == ran["bfs"]["pages"]
    assert first_stats["fzwatch/escalation/bfs/reports"] == 1
    assert first["verdict"] == "suspect" and "全站遍历" in first["verdict_reason"]
    # The next crawl knows the report and where it was found: nothing to escalate, and it is cheap.
    assert not second["escalation"]["ran"] and second["verdict"] == "ok"
    assert second_requests <= 6


def test_bfs_keeps_to_its_own_budget(
    sqlite_url: str, tmp_path: Path, no_browser: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forty article pages, each linking to two more: the pass stops at its budget and says so."""
    monkeypatch.setenv("FZWATCH_ESCALATION_BFS_BUDGET", "12")
    articles = [f"/xwzx/gzdt/202403/t20240301_{i}.html" for i in range(40)]
    pages: dict[str, str | bytes] = {
        "index.html": page(
            "泰顺县人民政府", links(*[(a, f"工作动态{i}") for i, a in enumerate(articles[:4])])
        )
    }
    for i, href in enumerate(articles):
        more = [(articles[j], f"工作动态{j}") for j in (2 * i + 4, 2 * i + 5) if j < len(articles)]
        pages[href.lstrip("/")] = page(f"工作动态{i}", "<p>" + "工作动态内容。" * 30 + "</p>" + links(*more))
    with PortalServer(build_site(tmp_path, pages)) as server:
        register_site(sqlite_url, "wide", "泰顺县人民政府", server.url("/index.html"))
        summary = run_crawl(sqlite_url, "wide")
        fetched = server.count("/xwzx/")
    ran = tiers(summary)
    assert ran["bfs"]["pages"] <= 12 and fetched <= 12
    assert last_run(sqlite_url)["stats"]["fzwatch/cut_bfs_budget"] >= 1
    assert summary["verdict"] == "no_reports"


# -- tier 3: site search ------------------------------------------------------------------------------


def test_tier_search_finds_a_report_no_link_leads_to(
    sqlite_url: str, tmp_path: Path, no_browser: None
) -> None:
    hidden = "/fzzf/2024/hidden_report.html"
    words: list[str] = []

    def search(request: Request) -> Response:
        words.append(request.query.get("searchword", ""))
        html = page("检索结果", links((hidden, REPORT_TITLE)))
        return Response(
            200, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"}, conditional=False
        )

    home = page(
        "泰顺县人民政府",
        links(("/fzzf/index.html", "法治政府建设"), *NEWS)
        + "<form action='/was5/web/search?channelid=1' method='get'><input name='searchword'></form>",
    )
    root = build_site(
        tmp_path,
        {
            "index.html": home,
            "fzzf/index.html": page("法治政府建设", links(*NEWS)),
            hidden.lstrip("/"): REPORT_PAGE,
            **news_pages(),
        },
    )
    with PortalServer(root) as server:
        server.add_route("/was5/web/search", search)
        register_site(sqlite_url, "search", "泰顺县人民政府", server.url("/index.html"))
        summary = run_crawl(sqlite_url, "search")
    assert words == ["法治政府建设 报告"]
    assert summary["new_reports"] == 1
    ran = tiers(summary)
    # Every in-site page was walked before the search was asked (by the 法治 channel's extra hops or the BFS).
    assert ran["bfs"]["reports"] == 0 and not ran["bfs"]["skipped"], "the walk went everywhere first"
    assert ran["search"]["reports"] == 1
    assert summary["verdict"] == "suspect"
    assert "站内搜索" in summary["verdict_reason"], (
        "the reason names the tier that found what the walk missed"
    )


# -- health verdicts ----------------------------------------------------------------------------------


def test_ok_site_with_reports_is_ok(sqlite_url: str) -> None:
    with PortalServer("nextpage") as server:
        register_site(sqlite_url, "nextpage", "某县司法局", server.url("/xwzx/tzgg/"))
        summary = run_crawl(sqlite_url, "nextpage")
    assert summary["new_reports"] == 2 and summary["verdict"] == "ok" and not summary["escalation"]["ran"]
    [row] = sites_list(sqlite_url)
    assert row["state"] == "ok" and row["verdict_reason"] is None
    assert "正常" in sites_list(sqlite_url, as_json=False)


def test_no_report_ever_found_is_said_and_alerted_once(
    sqlite_url: str, tmp_path: Path, no_browser: None
) -> None:
    root = build_site(tmp_path, {"index.html": page("泰顺县人民政府", links(*NEWS)), **news_pages()})
    db = Database(sqlite_url)
    with HttpReceiver() as receiver:
        subprocess.run(
            [sys.executable, "-m", "cli.main", "subscribe", receiver.url_json, "--event", "site_suspect"],
            cwd=REPO,
            env=crawl_env(sqlite_url),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        with PortalServer(root) as server:
            register_site(sqlite_url, "empty", "泰顺县人民政府", server.url("/index.html"))
            first = run_crawl(sqlite_url, "empty")
            drain(db)
            server.clear_log()
            # The recrawl through `fzwatch crawl`, whose summary says what the site's state is.
            proc = subprocess.run(
                [sys.executable, "-m", "cli.main", "crawl", "empty"],
                cwd=REPO,
                env=crawl_env(sqlite_url),
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            second_requests = len(server.requests)
        messages = list(receiver.requests)
    db.dispose()
    assert first["status"] == "ok" and first["verdict"] == "no_reports"
    assert first["escalation"]["ran"] and tiers(first)["bfs"]["pages"] >= 1
    assert "尚未发现" in first["verdict_reason"] and "升级抓取未发现报告" in first["verdict_reason"]
    [row] = sites_list(sqlite_url)
    assert row["state"] == "no_reports"
    table = sites_list(sqlite_url, as_json=False)
    assert "未发现报告" in table and "正常" not in table
    # The unchanged recrawl does not escalate again (bounded), and the verdict stays.
    second = last_run(sqlite_url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "未发现报告" in proc.stdout and "一周内不重复" in proc.stdout and "近期已运行" in proc.stdout
    assert not second["escalation"]["ran"] and second["escalation"]["bounded_since"]
    assert second["verdict"] == "no_reports" and second_requests <= 4
    assert count(sqlite_url, Event, Event.kind == "site_suspect") == 1
    assert len(messages) == 1, "one message per episode"
    assert "站点可能遗漏" in messages[0].json["title"] and "未发现报告" in messages[0].json["message"]


def test_suspect_when_a_report_channel_yields_nothing(
    sqlite_url: str, tmp_path: Path, no_browser: None
) -> None:
    report = "/xwzx/tzgg/202403/t20240312_9.html"
    root = build_site(
        tmp_path,
        {
            "index.html": page(
                "泰顺县人民政府",
                links(("/fzzfjsndbg/index.html", "法治政府建设"), ("/xwzx/tzgg/index.html", "通知公告")),
            ),
            "fzzfjsndbg/index.html": page("法治政府建设专栏", links(*NEWS)),
            "xwzx/tzgg/index.html": page("通知公告", links((report, REPORT_TITLE), *NEWS)),
            report.lstrip("/"): REPORT_PAGE,
            **news_pages(),
        },
    )
    with PortalServer(root) as server:
        register_site(sqlite_url, "channel", "泰顺县人民政府", server.url("/index.html"))
        summary = run_crawl(sqlite_url, "channel")
    assert summary["new_reports"] == 1
    assert summary["verdict"] == "suspect"
    assert (
        "报告类栏目未发现报告" in summary["verdict_reason"]
        and "/fzzfjsndbg/index.html" in summary["verdict_reason"]
    )
    assert summary["escalation"]["ran"], "a silent report channel escalates"
    [row] = sites_list(sqlite_url)
    assert row["state"] == "suspect" and "/fzzfjsndbg/" in row["verdict_reason"]


def test_suspect_when_pages_are_shells(sqlite_url: str, tmp_path: Path, no_browser: None) -> None:
    shell = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>泰顺县人民政府</title>"
        "<script src='/static/js/app.3f2a.js'></script></head><body><div id='app'></div></body></html>"
    )
    root = build_site(tmp_path, {"index.html": shell, "static/js/app.3f2a.js": "var a = 1;"})
    with PortalServer(root) as server:
        register_site(sqlite_url, "jsonly", "泰顺县人民政府", server.url("/index.html"))
        summary = run_crawl(sqlite_url, "jsonly")
    assert summary["status"] == "ok" and summary["verdict"] == "suspect"
    assert "脚本空壳" in summary["verdict_reason"]
    assert "浏览器渲染：未运行，无可用浏览器" in summary["verdict_reason"]
    assert sites_list(sqlite_url)[0]["state"] == "suspect"


@pytest.mark.parametrize(("status", "verdict"), [(500, "suspect"), (404, "ok")])
def test_fewer_reports_than_known(sqlite_url: str, status: int, verdict: str) -> None:
    """A known report that fails to answer may be a miss; one that is gone (404) is not."""
    exp = json.loads((SITES_DIR / "nextpage" / "expected.json").read_text(encoding="utf-8"))
    gone = exp["reports"][0]["url"]
    with PortalServer("nextpage") as server:
        register_site(sqlite_url, "nextpage", exp["site_name"], server.url(exp["home"]))
        assert run_crawl(sqlite_url, "nextpage")["verdict"] == "ok"
        server.add_route(
            gone,
            lambda request: Response(status, b"error", {"Content-Type": "text/plain"}, conditional=False),
        )
        summary = run_crawl(sqlite_url, "nextpage")
    assert summary["status"] == "ok" and summary["verdict"] == verdict
    if verdict == "suspect":
        assert "已知报告 2 份，本次只确认 1 份" in summary["verdict_reason"]


# -- the verdict through storage (both backends) and on the dashboard ------------------------------------


def finish(db: Database, escalation: dict[str, Any]) -> None:
    with db.transaction() as s:
        run = start_run(s, "ts", "manual")
        finish_run(s, run.id, "ok", {"pages": 3, "escalation": escalation})


def test_verdict_episode_and_dashboard(db: Database) -> None:
    with db.transaction() as s:
        upsert_site(
            s,
            {
                "id": "ts",
                "name": "泰顺县人民政府",
                "region": "浙江省温州市泰顺县",
                "start_urls": ["http://www.ts.gov.cn/"],
            },
        )
    shells = {
        "triggers": [{"kind": "shells", "pages": 2, "of": 2}],
        "ran": True,
        "found": 0,
        "key": "shells",
        "tiers": [
            {"tier": "render", "pages": 0, "reports": 0, "skipped": "no_browser"},
            {"tier": "bfs", "pages": 1, "reports": 0, "skipped": None},
        ],
    }
    finish(db, shells)
    finish(db, shells)
    with db.transaction() as s:
        site = get_site(s, "ts")
        assert (site.state, site.verdict) == ("ok", "suspect") and site.escalation_key == "shells"
        assert "脚本空壳" in site.verdict_reason and "本站尚未发现任何报告" in site.verdict_reason
        assert site.escalated_at is not None
    server = make_server("127.0.0.1", 0, create_app(db))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as resp:
            html = resp.read().decode("utf-8")
    finally:
        server.shutdown()
    assert "可能遗漏" in html and "脚本空壳" in html and "正常" not in html
    finish(db, {"triggers": [], "ran": False, "tiers": [], "known_reports": 0})  # still no report ever
    finish(db, {"triggers": [], "ran": False, "tiers": []})
    with db.transaction() as s:
        assert get_site(s, "ts").verdict == "no_reports"
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
    assert kinds == ["site_suspect"], "未发现报告 right after 可能遗漏 is the same episode"


@pytest.mark.parametrize(
    ("escalation", "reports_ever", "verdict", "words"),
    [
        ({}, 3, "ok", []),
        ({}, 0, "no_reports", ["尚未发现"]),
        (
            {"known_reports": 3, "known_confirmed": 1, "known_gone": 1},
            3,
            "suspect",
            ["已知报告 3 份，本次只确认 1 份"],
        ),
        ({"known_reports": 3, "known_confirmed": 2, "known_gone": 1}, 3, "ok", []),
        (
            {"triggers": [{"kind": "silent_channel", "url": "http://x.gov.cn/fzzf/"}]},
            2,
            "suspect",
            ["http://x.gov.cn/fzzf/"],
        ),
        ({"triggers": [{"kind": "shells", "pages": 1, "of": 1}]}, 0, "suspect", ["脚本空壳", "尚未发现"]),
        (
            {"ran": True, "found": 1, "tiers": [{"tier": "bfs", "pages": 9, "reports": 1}]},
            1,
            "suspect",
            ["全站遍历"],
        ),
        (
            {"ran": True, "found": 1, "tiers": [{"tier": "render", "pages": 2, "reports": 1}]},
            1,
            "suspect",
            ["render: js"],
        ),
        (
            {
                "ran": True,
                "found": 0,
                "tiers": [{"tier": "search", "pages": 0, "reports": 0, "skipped": "no_search_engine"}],
            },
            0,
            "no_reports",
            ["未找到站内搜索"],
        ),
    ],
)
def test_judge(escalation: dict[str, Any], reports_ever: int, verdict: str, words: list[str]) -> None:
    result = judge(escalation, reports_ever)
    assert result.verdict == verdict
    assert (result.reason is None) == (verdict == "ok")
    for word in words:
        assert word in (result.reason or "")


@pytest.mark.parametrize(
    ("body", "links", "shell"),
    [
        (
            b"<html><head><script src='/app.js'></script></head><body><div id='app'></div></body></html>",
            0,
            True,
        ),
        (
            b"<html><body><div id='app'></div></body></html>",
            0,
            False,
        ),  # no script: an empty page, not a shell
        (
            "<html><script></script><body><p>" + "依法行政" * 80 + "</p></body></html>",
            0,
            False,
        ),  # text to read
        (b"<html><script></script><body><div></div></body></html>", 5, False),  # links to follow
        (b"\x00\x01\x02", 0, False),
        (b"", 0, False),
    ],
)
def test_looks_like_shell(body: bytes | str, links: int, shell: bool) -> None:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    assert looks_like_shell(raw, {"content-type": "text/html"}, links) is shell
