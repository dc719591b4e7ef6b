"""The web app in a real browser (Debian's Chromium through Playwright) over a database filled by real
crawls of the fixture portal: search → report → diff, coverage → missing cell → explanation,
indicator → chart → export, 立即抓取 → recrawl request, subscription → test message received,
script payloads that never run. Screenshots of every page go to tests/artifacts/screenshots/."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.database import Database
from storage.models import RecrawlRequest
from tests.conftest import REPO
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import PortalServer
from tests.receivers import HttpReceiver
from tests.web_data import EXPECTED, XSS, ingest, report_page, serving
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "tests" / "artifacts" / "screenshots"
TOKEN = "browser-token"
REVISED = "/zwgk/fzzfjsndbg/202403/t20240312_123456.html"
NEW_REPORT = "/zwgk/fzzfjsndbg/202503/t20250310_140001.html"
EXPECTED_2021 = next(r for r in EXPECTED["reports"] if r["year"] == 2021)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


@dataclass
class World:
    base: str
    db: Database
    url: str
    portal: PortalServer


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """trs crawled twice (the second time one report has a changed number), plus a hostile report."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'fzwatch.sqlite3'}"
    db = Database(url)
    db.migrate()
    with PortalServer("trs") as portal:
        register_site(url, "trs", "泰顺县人民政府", portal.url("/index.html"))
        assert run_crawl(url, "trs")["reports_seen"] >= 4
        portal.replace_text(REVISED, "纠错29件", "纠错31件")
        run_crawl(url, "trs")
        register_site(url, "evil", "恶意站点" + XSS, "http://evil.test/")
        body = report_page(REVISED).replace(
            "泰顺县司法局2023".encode(), ("恶意" + XSS.replace("<", "&lt;")).encode(), 1
        )
        ingest(
            db,
            "evil",
            "http://evil.test/r.html",
            body,
            "恶意站点",
            agency="司法局" + XSS,
            text="正文" + XSS + "\n行政复议 纠错率",
            attachments=["javascript:alert(4)"],
        )
        with serving(create_app(db, token=TOKEN)) as base:
            yield World(base, db, url, portal)
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: object, world: World) -> Iterator[object]:
    context = browser.new_context(base_url=world.base, locale="zh-CN", accept_downloads=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    yield pg
    assert dialogs == [], f"a script ran: {dialogs}"
    context.close()


def shot(page: object, name: str) -> None:
    """Full-page screenshot, then check it is not blank: decoded in the browser, it has many colours."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    colours = page.evaluate(
        """async (b64) => {
        const img = new Image(); img.src = 'data:image/png;base64,' + b64; await img.decode();
        const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
        const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, c.width, Math.min(c.height, 900)).data; const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size; }""",
        base64.b64encode(png).decode(),
    )  # type: ignore[attr-defined]
    assert colours > 20, f"screenshot {name} looks blank ({colours} colours)"


def used_fonts(page: object, selector: str) -> set[str]:
    """The fonts Chromium really drew the element's text with (DevTools CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)  # type: ignore[attr-defined]
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"] for f in fonts if f["glyphCount"]}


def login(page: object) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    page.fill("input[name=token]", TOKEN)  # type: ignore[attr-defined]
    page.click("form button")  # type: ignore[attr-defined]


def test_search_report_diff(page: object) -> None:
    page.goto("/")
    shot(page, "overview")
    assert "Noto Sans CJK SC" in used_fonts(page, "h2"), "Chinese must render in a CJK font, not boxes"
    page.goto("/reports")
    page.fill("#q", "行政复议 纠错率")
    page.fill("input[name=publisher]", "泰顺县司法局")
    page.click("#search")
    assert "共" in page.inner_text("h2")
    shot(page, "reports-search")
    page.click("a.report-link:text('泰顺县司法局2023年法治政府建设年度报告')")
    assert page.inner_text("#title") == "泰顺县司法局2023年法治政府建设年度报告"
    assert page.locator("#diff ins").count() >= 1 and page.locator("#diff del").count() >= 1
    changed = page.inner_text("#diff p.changed")
    assert "纠错" in changed and "31" in page.inner_text("#diff p.changed ins")
    assert "法定章节" in page.content() and "主要举措和成效" in page.inner_text(".checklist")
    shot(page, "report-diff")
    page.select_option("#va", "1")
    page.select_option("#vb", "1")
    page.click("#versions button")
    assert "两个版本的正文相同" in page.inner_text("#diff")


def test_coverage_missing_cell_explains(page: object) -> None:
    page.goto("/coverage?region=浙江省")
    missing = page.locator("summary[data-status=missing]").first
    missing.click()
    why = page.locator("details[open] .why").first.inner_text()
    assert "应于" in why and "未在" in why and "找到" in why
    shot(page, "coverage")


def test_indicator_chart_and_export(page: object) -> None:
    page.goto("/indicators?key=reconsideration_received")
    page.wait_for_selector("#chart[data-rendered] canvas")
    assert page.locator("#pivot td").filter(has_text="泰顺县司法局").count() >= 1
    shot(page, "indicators")
    with page.expect_download() as info:
        page.click("#export-csv")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("地区,站点,发布机构") and "泰顺县司法局" in text
    page.click("#pivot a:text('泰顺县司法局')")
    page.wait_for_selector(".chart[data-rendered] canvas")
    assert "按时发布" in page.inner_text("main")
    shot(page, "publisher")


def test_recrawl_button_records_a_request_and_a_crawl_finds_the_new_report(
    page: object, world: World
) -> None:
    page.goto("/sites")
    shot(page, "sites")
    page.click("#site-trs button.recrawl")
    assert "/login" in page.url  # writes need a login
    login(page)
    page.goto("/sites")
    page.click("#site-trs button.recrawl")
    assert "已请求立即抓取 trs" in page.inner_text(".flash")
    with world.db.transaction() as s:
        assert [r.site_id for r in s.query(RecrawlRequest).filter(RecrawlRequest.picked_at.is_(None))] == [
            "trs"
        ]
    # A new 2024 report appears on the portal; a crawl without the daemon (as `fzwatch crawl`) finds it.
    old = EXPECTED_2021
    body = report_page(old["url"]).decode("utf-8").replace("2021年", "2024年").replace("2021", "2024")
    world.portal.set_page(NEW_REPORT, body.encode("utf-8"))
    title = old["title"].replace("2021", "2024")
    world.portal.add_list_item(
        "/zwgk/fzzfjsndbg/index.html",
        f'<li><a href="{NEW_REPORT}" title="{title}">{title}</a><span>2025-03-10</span></li>',
    )
    run_crawl(world.url, "trs")
    page.goto("/reports?year=2024&site=trs")
    assert title in page.inner_text("#reports")


def test_subscription_test_message_reaches_receiver(page: object) -> None:
    login(page)
    with HttpReceiver() as receiver:
        page.goto("/subscriptions")
        page.fill("textarea[name=urls]", receiver.url_json)
        page.check("input[value=new_report]")
        page.click("#save")
        assert "已创建订阅" in page.inner_text(".flash")
        assert f"127.0.0.1:{receiver.port}/hook" not in page.content()  # only scheme and host are shown
        shot(page, "subscriptions")
        page.click("button.test")
        assert "测试消息发送成功" in page.inner_text(".flash")
        assert receiver.requests and "【测试】" in receiver.requests[-1].json["title"]
        page.click("button.delete")
        assert "已删除订阅" in page.inner_text(".flash")


def test_script_payloads_never_run(page: object) -> None:
    for path in (
        "/",
        "/reports?site=evil",
        "/publishers",
        "/sites",
        "/events",
        "/coverage",
        "/indicators?key=reconsideration_received",
    ):
        page.goto(path)
        assert page.locator("script:not([src])").count() == 0
    page.goto("/reports?site=evil")
    page.click("a.report-link")
    assert "<script>alert(2)</script>" in page.inner_text("#text")  # shown as text
    assert page.locator("a[href^='javascript:']").count() == 0
    shot(page, "xss-report")
    page.goto("/nope")
    assert "页面不存在" in page.inner_text("h2")
    shot(page, "404")
    page.goto("/events")
    shot(page, "events")
