"""Generate the fixture portals under ``tests/portals/sites/<name>/`` (deterministic).

    python -m tests.portals.build            # every site
    python -m tests.portals.build trs hanweb  # some sites

Each site directory gets static pages, ``robots.txt``, ``site.json`` (server settings and dynamic
endpoints) and ``expected.json`` (the reports a crawler must find). Seeds 000–004 come from
``/work/shared/seeds`` when present, else from the copies kept in ``tests/portals/seeds/``.
Running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import random
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.portals.server import _canonical_query

HERE = Path(__file__).resolve().parent
SITES = HERE / "sites"
SEED_DIRS = (Path("/work/shared/seeds"), HERE / "seeds")

# --------------------------------------------------------------------------- model


@dataclass
class Article:
    """One detail page (or attachment-only document) of a fixture site."""

    path: str  # absolute path on the site
    title: str
    date: str  # YYYY-MM-DD
    clock: str = "09:30"
    source: str = ""
    paragraphs: list[str] = field(default_factory=list)
    report_year: int | None = None  # set → an expected report
    seed: str | None = None
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (name, path)
    note: str = ""  # why it is there (expected.json)

    def expected(self) -> dict[str, Any]:
        item = {"url": self.path, "title": self.title, "year": self.report_year, "published": self.date}
        if self.seed:
            item["seed"] = self.seed
        if self.attachments:
            item["attachments"] = [p for _, p in self.attachments]
        if self.note:
            item["note"] = self.note
        return item


@dataclass
class Site:
    name: str
    site_name: str
    domain: str  # the real-looking domain shown in meta tags
    site_code: str
    files: dict[str, bytes] = field(default_factory=dict)
    reports: list[Article] = field(default_factory=list)
    near_misses: list[Article] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    forbidden: list[str] = field(default_factory=list)  # report-like URLs behind robots.txt
    notes: list[str] = field(default_factory=list)

    def put(self, path: str, body: str | bytes, query: str = "") -> None:
        key = path.lstrip("/")
        if key == "" or key.endswith("/"):
            key += "index.html"
        if query:
            key = f"{key}@{query}"
        self.files[key] = body.encode("utf-8") if isinstance(body, str) else body


# --------------------------------------------------------------------------- seeds

_CHROME_LINE = re.compile(
    r"^(您当前所在的位置|当前位置|发布时间|来源|【字体|字体|分享到|鹤山市人民政府$|国徽$|走进鹤山|"
    r"扫一扫|上一篇|下一篇|回到顶部|【打印本页】|打印 关闭)"
)
_TAIL = re.compile(r"^(扫一扫|上一篇|回到顶部|【打印本页】|打印 关闭)")
_REPORT_TITLE = re.compile(r"法治政府建设.{0,8}(年度报告|情况报告|情况的报告|工作报告)")


def load_seed(number: str) -> tuple[str, list[str]]:
    """(title, body paragraphs) of seed ``number`` with its chrome removed."""
    text = _seed_text(number).replace("\r\n", "\n")
    if number == "000":  # one line, pipes as table cells, headings inline
        text = text.replace(" |\n", "\n").replace("|", "").replace("【打印本页】 【关闭窗口】", "")
        text = re.sub(r"\s+(?=[一二三四五六七八九十]、|\([一二三四五六七八九十]\))", "\n", text)
    lines = [line.strip() for line in text.split("\n")]
    title_at = next(i for i, line in enumerate(lines) if _REPORT_TITLE.search(line))
    body = []
    for line in lines[title_at + 1 :]:
        if _TAIL.match(line):
            break
        if line and not _CHROME_LINE.match(line):
            body.append(line)
    return lines[title_at], body


def _seed_text(number: str) -> str:
    for folder in SEED_DIRS:
        found = sorted(folder.glob(f"{number}_*.txt")) if folder.is_dir() else []
        if found:
            return found[0].read_text("utf-8")
    raise FileNotFoundError(f"seed {number} not found in {SEED_DIRS}")


def copy_seeds() -> None:
    """Keep a copy of the seeds next to the builder so the build works without /work/shared."""
    target = HERE / "seeds"
    source = SEED_DIRS[0]
    if source.is_dir():
        target.mkdir(exist_ok=True)
        for file in sorted(source.glob("*.txt")):
            shutil.copyfile(file, target / file.name)


# --------------------------------------------------------------------------- synthetic text


def synthetic_report(agency: str, year: int, rng: random.Random, place: str = "全县") -> list[str]:
    """A plausible report body with the four mandated sections and a few indicators."""
    n = [rng.randint(20, 400) for _ in range(12)]
    rate = rng.randint(60, 99) + rng.randint(0, 9) / 10
    return [
        (
            f"{year}年，{agency}在党委、政府的坚强领导下，坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻"
            f"习近平法治思想，全面落实法治政府建设实施纲要，各项工作取得新成效。现将{year}年法治政府建设工作情况报告如下。"
        ),
        f"一、{year}年推进法治政府建设的主要举措和成效",
        (
            f"（一）健全依法决策机制。将{n[0] % 12 + 3}项重大行政决策事项纳入目录管理，完成合法性审查{n[1]}件，"
            f"出具书面合法性审核意见书{n[2]}份，审查覆盖率100%。"
        ),
        (
            f"（二）深化行政复议体制改革。{place}新收行政复议案件{n[3]}件，办结{n[3] - 2}件，纠错{n[4] % 40}件，"
            f"复议纠错率{rate}%；新增行政诉讼案件{n[5] % 60}件，败诉{n[6] % 5}件，行政机关负责人出庭应诉率达到100%。"
        ),
        (
            f"（三）严格规范公正文明执法。组织行政执法人员培训{n[7] % 20 + 2}期，参训{n[8]}人，"
            f"持证率达100%；开展行政执法案卷评查{n[9]}卷。"
        ),
        (
            f"（四）加强普法宣传。开展专题法治讲座{n[10] % 150}场，发放宣传资料{n[11] / 100:.1f}万余份，"
            "培养“法律明白人”一批。"
        ),
        "二、存在的不足和原因",
        "一是法治政府建设统筹推进力度有待加强；二是基层行政执法人员专业素养仍需提升；三是普法宣传的针对性和实效性不够。",
        "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        (
            f"主要负责同志认真履行推进法治建设第一责任人职责，全年专题研究法治政府建设工作{n[0] % 9 + 3}次，"
            f"组织集体学法{n[1] % 12 + 4}次，带头参加年度述法。"
        ),
        f"四、{year + 1}年推进法治政府建设的主要安排",
        (
            f"{year + 1}年，{agency}将持续深化法治政府建设：一是完善重大行政决策程序；二是全面提升行政执法质量；"
            "三是发挥行政复议化解行政争议主渠道作用；四是深入实施“八五”普法规划。"
        ),
    ]


NEWS_TOPICS = (
    "召开全体干部职工大会", "开展安全生产大检查", "举办消防安全知识培训", "开展“学雷锋”志愿服务活动",
    "召开一季度经济运行分析会", "开展森林防火专项巡查", "组织开展民法典宣传进社区活动", "召开优化营商环境推进会",
    "开展防汛应急演练", "召开乡村振兴工作部署会", "开展农村人居环境整治", "举行重点项目集中开工仪式",
    "开展食品安全专项检查", "召开基层党建工作推进会", "开展反诈宣传进校园活动", "召开政务服务改革座谈会",
)  # fmt: skip
LAW_TOPICS = (
    "组织开展行政执法案卷评查工作", "召开全面依法治县委员会第五次会议", "开展“八五”普法中期评估",
    "举办领导干部法治专题讲座", "开展行政规范性文件清理工作", "推进乡镇合法性审查全覆盖",
    "召开行政复议工作推进会", "开展法治督查专项行动",
)  # fmt: skip
NOTICE_TOPICS = (
    "关于春节期间值班安排的通知", "关于开展2024年度统计执法检查的公告", "关于公开招聘编外工作人员的公告",
    "关于征求《城区停车管理办法（征求意见稿）》意见的公告", "关于调整部分公交线路的通告", "关于开展第四次全国经济普查的通知",
    "关于公布行政许可事项清单的公告", "关于暂停办理不动产登记业务的通知", "关于开展2024年度行政执法案卷评查的通知",
    "关于做好防汛抗旱工作的通知", "关于公示2023年度先进集体和个人的公告", "关于开展安全生产月活动的通知",
)  # fmt: skip


def near_miss_titles(agency: str, place: str, year: int) -> list[tuple[str, str]]:
    """(title, why) pairs that look like reports but are not."""
    return [
        (f"{agency}{year}年政府信息公开工作年度报告", "政府信息公开工作年度报告"),
        (f"{place}{year + 1}年法治政府建设工作要点", "工作要点"),
        (f"{place}法治政府建设实施方案（2021—2025年）", "实施方案"),
        (f"关于做好{year}年度法治政府建设年度报告工作的通知", "关于做好…年度报告工作的通知"),
        (f"《{agency}{year}年法治政府建设年度报告》解读", "解读"),
        (f"{place}召开{year + 1}年法治政府建设推进会", "推进会 news"),
        (f"{agency}{year + 1}年上半年法治政府建设工作情况报告", "上半年"),
        (f"{agency}{year}年度法治政府建设情况自查报告", "自查报告"),
        (f"{place}{year}年政府网站工作年度报表", "政府网站工作年度报表"),
        (f"{place}{year}年度行政执法数据公开", "行政执法数据"),
    ]


def near_miss_body(title: str) -> list[str]:
    return [
        f"{title}。为深入贯彻落实党中央、国务院关于法治政府建设的决策部署，现将有关事项公布如下。",
        "各单位要高度重视，认真组织实施，确保各项工作落到实处。",
    ]


def news_body(title: str, date: str) -> list[str]:
    return [
        f"{date[:4]}年{int(date[5:7])}月{int(date[8:10])}日，{title.removeprefix('关于')}。",
        "会议强调，要提高政治站位，压实工作责任，确保各项任务按时保质完成。",
    ]


# --------------------------------------------------------------------------- chrome


@dataclass
class Theme:
    """Per-CMS page chrome."""

    body_class: str  # wrapper of the article text
    crumb_sep: str = " » "
    font_line: str = '【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】'
    tail: str = (
        '<div class="print">【<a href="javascript:window.print()">打印本页</a>】 '
        '【<a href="javascript:window.close()">关闭窗口</a>】</div>'
    )


def nav_html(site: Site, nav: Iterable[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for text, href in nav)
    return (
        f'<div class="top"><a href="/index.html"><img src="/images/logo.png" alt="{site.site_name}"></a>'
        '<a href="/login.jsp">登录</a> <a href="/rss.xml">RSS订阅</a> <a href="javascript:void(0)" '
        'onclick="aria.start()">无障碍</a> <a href="mailto:zwgk@example.gov.cn">政务邮箱</a></div>'
        f'<ul class="nav">{items}</ul>'
    )


def footer_html(site: Site) -> str:
    return (
        '<div class="footer"><a href="/wzdt/index.html">网站地图</a> | <a href="/lxwm/index.html">联系我们</a>'
        f"<p>版权所有：{site.site_name}　主办单位：{site.site_name}办公室　技术支持：某某信息技术有限公司</p>"
        f"<p>备案号：浙ICP备05012345号-1　浙公网安备 33032902000123号　网站标识码：{site.site_code}</p></div>"
    )


def page_html(
    site: Site,
    title: str,
    content: str,
    nav: Iterable[tuple[str, str]],
    meta: dict[str, str] | None = None,
    charset: str | None = "utf-8",
    head_extra: str = "",
) -> str:
    metas = {
        "SiteName": site.site_name,
        "SiteDomain": site.domain,
        "SiteIDCode": site.site_code,
        **(meta or {}),
    }
    meta_tags = "".join(f'<meta name="{k}" content="{html.escape(v)}">' for k, v in metas.items())
    charset_tag = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    )
    return (
        f"<!DOCTYPE html>\n<html><head>{charset_tag}<title>{html.escape(title)}_{site.site_name}</title>"
        f"{meta_tags}{head_extra}</head>\n<body>\n{nav_html(site, nav)}\n{content}\n{footer_html(site)}\n</body></html>\n"
    )


def crumb_html(crumbs: list[tuple[str, str]], sep: str) -> str:
    links = sep.join(f'<a href="{href}">{html.escape(text)}</a>' for text, href in crumbs)
    return f'<div class="crumb">您当前所在的位置：<a href="/index.html">首页</a>{sep}{links}</div>'


def paragraphs_html(paragraphs: list[str], split_numbers: bool = False) -> str:
    out = []
    for text in paragraphs:
        escaped = html.escape(text)
        if split_numbers:  # "105件" → "<font>10</font><span>5</span>件": numbers split across tags
            escaped = re.sub(r"(\d)(\d+)(?=[件份人次名%])", r"<font>\1</font><span>\2</span>", escaped)
        out.append(f'<p style="text-indent:2em">{escaped}</p>')
    return "\n".join(out)


def detail_html(
    site: Site,
    article: Article,
    crumbs: list[tuple[str, str]],
    nav: Iterable[tuple[str, str]],
    theme: Theme,
    prev_next: tuple[Article | None, Article | None] = (None, None),
    charset: str | None = "utf-8",
    split_numbers: bool = False,
) -> str:
    views = 100 + sum(map(ord, article.path)) % 900
    body = paragraphs_html(article.paragraphs, split_numbers)
    attachments = "".join(
        f'<li><a href="{path}">{html.escape(name)}</a></li>' for name, path in article.attachments
    )
    if attachments:
        body += f'\n<div class="attachments">相关附件：<ul>{attachments}</ul></div>'
    prev, nxt = prev_next
    prev_link = f'<a href="{prev.path}">{html.escape(prev.title)}</a>' if prev else "没有了"
    next_link = f'<a href="{nxt.path}">{html.escape(nxt.title)}</a>' if nxt else "没有了"
    content = (
        f'{crumb_html(crumbs, theme.crumb_sep)}\n<div class="article">\n<h1>{html.escape(article.title)}</h1>\n'
        f'<div class="info">发布时间：{article.date} {article.clock}　来源：{html.escape(article.source)}　'
        f'浏览次数：<span class="views">{views}</span>　{theme.font_line}</div>\n'
        f'<div class="{theme.body_class}">\n{body}\n</div>\n{theme.tail}\n'
        '<div class="qrcode"><img src="/images/qrcode.png" alt="">扫一扫在手机打开当前页</div>\n'
        f'<div class="prevnext"><p>上一篇：{prev_link}</p><p>下一篇：{next_link}</p></div>\n</div>'
    )
    meta = {
        "ColumnName": crumbs[-1][0],
        "ArticleTitle": article.title,
        "PubDate": f"{article.date} {article.clock}",
        "ContentSource": article.source,
    }
    return page_html(site, article.title, content, nav, meta, charset)


def list_items_html(articles: list[Article], date_tag: str = "span") -> str:
    rows = []
    for article in articles:
        rows.append(
            f'<li><a href="{article.path}" title="{html.escape(article.title)}" target="_blank">'
            f"{html.escape(_clip(article.title))}</a><{date_tag}>{article.date}</{date_tag}></li>"
        )
    return "\n".join(rows)


def _clip(title: str, width: int = 26) -> str:
    return title if len(title) <= width else title[: width - 1] + "..."


def list_page_html(
    site: Site,
    column: str,
    crumbs: list[tuple[str, str]],
    nav: Iterable[tuple[str, str]],
    articles: list[Article],
    pager: str,
    theme: Theme,
    charset: str | None = "utf-8",
    side: str = "",
) -> str:
    content = (
        f'{crumb_html(crumbs, theme.crumb_sep)}\n<div class="side">{side}</div>\n'
        f'<div class="list"><h2>{html.escape(column)}</h2>\n<ul class="news-list"><!--LIST-->\n'
        f'{list_items_html(articles)}\n</ul>\n<div class="page">{pager}</div></div>'
    )
    return page_html(site, column, content, nav, {"ColumnName": column}, charset)


def chunk(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def robots_txt(disallow: Iterable[str]) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow), "", "Sitemap: /sitemap.xml", ""]
    return "\n".join(lines)


def spread_dates(rng: random.Random, count: int, start: str, end: str) -> list[str]:
    """``count`` dates between ``start`` and ``end``, newest first."""
    from datetime import date, timedelta

    first, last = date.fromisoformat(start), date.fromisoformat(end)
    span = (last - first).days
    days = sorted((rng.randint(0, span) for _ in range(count)), reverse=True)
    return [(first + timedelta(days=d)).isoformat() for d in days]


def trs_path(channel: str, day: str, ident: int, ext: str = "html") -> str:
    compact = day.replace("-", "")
    return f"{channel}{compact[:6]}/t{compact}_{ident}.{ext}"


def simple_page(site: Site, title: str, nav: Iterable[tuple[str, str]], body: str) -> str:
    return page_html(site, title, f'<div class="main"><h2>{html.escape(title)}</h2>{body}</div>', nav)


def add_common_pages(site: Site, nav: list[tuple[str, str]], private_links: str) -> None:
    """robots-disallowed /oa/ page (with a decoy draft report), 网站地图, 联系我们, 404."""
    site.put("/oa/index.html", simple_page(site, "内部办公", nav, private_links))
    site.put(
        "/wzdt/index.html",
        simple_page(site, "网站地图", nav, "".join(f'<a href="{h}">{t}</a> ' for t, h in nav)),
    )
    site.put(
        "/lxwm/index.html", simple_page(site, "联系我们", nav, "<p>地址：某某路1号　电话：0577-12345678</p>")
    )
    site.put(
        "/404.html",
        "<html><head><meta charset='utf-8'><title>404</title></head><body>页面不存在</body></html>",
    )
    site.put("/images/logo.png", _PNG)
    site.put("/images/qrcode.png", _PNG)


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def decoy_draft(site: Site, year: int, ext: str = "html") -> str:
    """A report-like draft behind robots.txt: a polite crawler never sees it."""
    path = f"/oa/{year + 1}02/t{year + 1}0220_9001.{ext}"
    site.forbidden.append(path)
    site.put(path, "<html><head><meta charset='utf-8'></head><body>征求意见稿</body></html>")
    return (
        f'<ul><li><a href="{path}">（内部）{site.site_name}{year}年法治政府建设年度报告（征求意见稿）</a>'
        '<a href="/events/?month=2024-03">活动日历</a></li></ul>'
    )


# --------------------------------------------------------------------------- site: trs


def build_trs() -> Site:
    """TRS WCM county portal with a dedicated 法治政府建设年度报告 channel (createPageHTML)."""
    rng = random.Random("trs")
    site = Site("trs", "泰顺县人民政府", "www.ts.gov.cn", "3303290001")
    theme = Theme(body_class="TRS_Editor")
    nav = [
        ("首页", "/index.html"),
        ("走进泰顺", "/zjts/index.html"),
        ("新闻中心", "/xwzx/index.html"),
        ("政务公开", "/zwgk/index.html"),
        ("政民互动", "/hdjl/index.html"),
    ]
    channel, channel_name = "/zwgk/fzzfjsndbg/", "法治政府建设年度报告"
    t0, b0 = load_seed("000")
    t3, b3 = load_seed("003")
    reports = [
        Article(
            trs_path(channel, "2024-03-12", 123456),
            t0,
            "2024-03-12",
            "10:21",
            "泰顺县司法局",
            b0,
            2023,
            "000",
        ),
        Article(
            trs_path(channel, "2023-03-15", 118823),
            t3,
            "2023-03-15",
            "16:05",
            "鹤山市司法局",
            b3,
            2022,
            "003",
        ),
        Article(
            trs_path(channel, "2023-02-27", 117702),
            "泰顺县人民政府关于2022年度法治政府建设情况的报告",
            "2023-02-27",
            "08:50",
            "泰顺县人民政府办公室",
            synthetic_report("泰顺县人民政府", 2022, rng),
            2022,
        ),
        Article(
            trs_path(channel, "2022-03-29", 109815),
            "泰顺县司法局2021年法治政府建设年度报告",
            "2022-03-29",
            "15:12",
            "泰顺县司法局",
            synthetic_report("泰顺县司法局", 2021, rng),
            2021,
        ),
    ]
    misses = []
    dates = spread_dates(rng, 60, "2022-01-01", "2025-06-30")
    titles = near_miss_titles("泰顺县司法局", "泰顺县", 2023) + near_miss_titles(
        "泰顺县人民政府", "泰顺县", 2022
    )
    titles += [(f"泰顺县{topic}", "法治 news") for topic in LAW_TOPICS]
    for i, (title, why) in enumerate(titles):
        day = dates[i * 2]
        misses.append(
            Article(
                trs_path(channel, day, 130000 + i),
                title,
                day,
                "09:00",
                "泰顺县司法局",
                near_miss_body(title),
                note=why,
            )
        )
    # channel order: newest first, but make sure no report lands on page 1 (index.html)
    page_size = 8
    head = sorted(misses, key=lambda a: a.date, reverse=True)[:page_size]
    rest = sorted([a for a in misses if a not in head] + reports, key=lambda a: a.date, reverse=True)
    listing = head + rest
    pages = chunk(listing, page_size)
    for number, items in enumerate(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        pager = _trs_pager(len(pages), number)
        crumbs = [("政务公开", "/zwgk/index.html"), (channel_name, channel + "index.html")]
        site.put(channel + name, list_page_html(site, channel_name, crumbs, nav, items, pager, theme))
    for i, article in enumerate(listing):
        prev_next = (listing[i - 1] if i else None, listing[i + 1] if i + 1 < len(listing) else None)
        crumbs = [("政务公开", "/zwgk/index.html"), (channel_name, channel + "index.html")]
        site.put(article.path, detail_html(site, article, crumbs, nav, theme, prev_next))
    notices = _news_channel(
        site, rng, "/xwzx/tzgg/", "通知公告", NOTICE_TOPICS * 2, nav, theme, trs=True, size=10
    )
    news = _news_channel(site, rng, "/xwzx/xwdt/", "政务动态", NEWS_TOPICS, nav, theme, trs=True, size=10)
    site.put(
        "/zwgk/index.html",
        simple_page(
            site,
            "政务公开",
            nav,
            '<ul class="channels"><li><a href="/zwgk/fzzfjsndbg/index.html">法治政府建设年度报告</a></li>'
            '<li><a href="/zwgk/xxgknb/index.html">政府信息公开年度报告</a></li>'
            '<li><a href="/xwzx/tzgg/index.html">通知公告</a></li></ul>',
        ),
    )
    site.put("/zwgk/xxgknb/index.html", simple_page(site, "政府信息公开年度报告", nav, "<p>暂无信息</p>"))
    site.put("/xwzx/index.html", simple_page(site, "新闻中心", nav, _channel_box(notices[:5], news[:5])))
    site.put("/zjts/index.html", simple_page(site, "走进泰顺", nav, "<p>泰顺县位于浙江省最南端。</p>"))
    site.put(
        "/hdjl/index.html",
        simple_page(site, "政民互动", nav, '<a href="/login.jsp?from=hdjl">登录后留言</a>'),
    )
    site.put("/index.html", _home(site, nav, notices[:6], news[:6], "/zwgk/fzzfjsndbg/index.html"))
    add_common_pages(site, nav, decoy_draft(site, 2023))
    site.put("/robots.txt", robots_txt(["/oa/", "/events/"]))
    site.reports = reports
    site.near_misses = misses
    site.notes.append("reports sit on channel pages index_1..index_3 only (page 1 holds near-misses)")
    return site


def _trs_pager(pages: int, current: int) -> str:
    return (
        f"<script>\nvar currentPage = {current};//所在页从0开始\nvar prevPage = currentPage-1\n"
        f"var nextPage = currentPage+1\nvar countPage = {pages}//共多少页\n"
        f'createPageHTML({pages}, {current}, "index", "html");\n</script>'
    )


def _news_channel(
    site: Site,
    rng: random.Random,
    channel: str,
    name: str,
    topics: Iterable[str],
    nav: list[tuple[str, str]],
    theme: Theme,
    trs: bool,
    size: int,
) -> list[Article]:
    topics = list(topics)
    dates = spread_dates(rng, len(topics), "2023-01-01", "2025-06-30")
    items = []
    for i, (topic, day) in enumerate(zip(topics, dates, strict=True)):
        title = topic if topic.startswith("关于") else f"{site.site_name[:3]}{topic}"
        path = trs_path(channel, day, 200000 + rng.randint(0, 99999))
        items.append(Article(path, title, day, "10:00", f"{site.site_name}办公室", news_body(title, day)))
    pages = chunk(items, size)
    for number, chunk_items in enumerate(pages):
        file = "index.html" if number == 0 else f"index_{number}.html"
        pager = _trs_pager(len(pages), number) if trs else ""
        crumbs = [("新闻中心", "/xwzx/index.html"), (name, channel + "index.html")]
        site.put(channel + file, list_page_html(site, name, crumbs, nav, chunk_items, pager, theme))
    for i, article in enumerate(items):
        crumbs = [("新闻中心", "/xwzx/index.html"), (name, channel + "index.html")]
        prev_next = (items[i - 1] if i else None, items[i + 1] if i + 1 < len(items) else None)
        site.put(article.path, detail_html(site, article, crumbs, nav, theme, prev_next))
    return items


def _channel_box(notices: list[Article], news: list[Article]) -> str:
    return (
        f'<div class="box"><h3><a href="/xwzx/tzgg/index.html">通知公告</a></h3><ul>{list_items_html(notices)}</ul></div>'
        f'<div class="box"><h3><a href="/xwzx/xwdt/index.html">政务动态</a></h3><ul>{list_items_html(news)}</ul></div>'
    )


def _home(
    site: Site, nav: list[tuple[str, str]], notices: list[Article], news: list[Article], special: str
) -> str:
    body = (
        _channel_box(notices, news)
        + f'<div class="zt"><a href="{special}"><img src="/images/logo.png" alt="法治政府建设">法治政府建设专栏</a></div>'
        + '<div class="links">友情链接：<a href="http://www.zj.gov.cn/">浙江省人民政府</a> '
        '<a href="https://www.gov.cn/">中国政府网</a></div>'
    )
    return page_html(site, "首页", f'<div class="home">{body}</div>', nav, {"ColumnName": "首页"})


# --------------------------------------------------------------------------- site: nextpage


def build_nextpage() -> Site:
    """Guizhou-style portal: 通知公告/新闻中心 lists paged with 下一页/尾页 and ``?page=N``."""
    rng = random.Random("nextpage")
    site = Site("nextpage", "遵义市新蒲新区管理委员会", "www.xinpu.gov.cn", "5203000010")
    theme = Theme(body_class="view-content", crumb_sep=" » ", font_line="【字体：大 中 小】")
    nav = [
        ("首页", "/index.html"),
        ("新闻中心", "/xwzx/index.html"),
        ("通知公告", "/xwzx/tzgg/"),
        ("政务公开", "/zwgk/index.html"),
        ("政民互动", "/hdjl/index.html"),
    ]
    t1, b1 = load_seed("001")
    t2, b2 = load_seed("002")
    r1 = Article(
        "/xwzx/tzgg/202103/content_6741234.html", t1, "2021-03-16", "18:37", "新蒲新区管委会", b1, 2020, "001"
    )
    r2 = Article(
        "/xwzx/tzgg/202403/content_7012877.html", t2, "2024-03-13", "16:19", "海安开发区", b2, 2023, "002"
    )
    page_size = 10
    notices = []
    topics = list(NOTICE_TOPICS) * 5
    dates = spread_dates(rng, len(topics), "2020-06-01", "2025-06-30")
    for i, (topic, day) in enumerate(zip(topics, dates, strict=True)):
        notices.append(
            Article(
                f"/xwzx/tzgg/{day[:4]}{day[5:7]}/content_{6500000 + i * 37}.html",
                f"{topic.replace('2024', day[:4])}（{i + 1}）" if i >= len(NOTICE_TOPICS) else topic,
                day,
                "11:00",
                "新蒲新区党政办",
                news_body(topic, day),
            )
        )
    misses = []
    for i, (title, why) in enumerate(near_miss_titles("新蒲新区", "新蒲新区", 2020)):
        day = dates[5 + i * 4]
        misses.append(
            Article(
                f"/xwzx/tzgg/{day[:4]}{day[5:7]}/content_{6600000 + i}.html",
                title,
                day,
                "09:00",
                "新蒲新区",
                near_miss_body(title),
                note=why,
            )
        )
    listing = notices[:12] + misses[:5] + notices[12:]
    listing.insert(page_size * 2 + 4, r1)  # page 3
    listing.insert(page_size * 4 + 6, r2)  # page 5
    listing = listing[: page_size * 6 - 3]  # 6 pages, the last one short
    assert listing.index(r1) // page_size == 2 and listing.index(r2) // page_size == 4
    _paged_list(site, "/xwzx/tzgg/", "通知公告", listing, nav, theme, page_size)
    news_items = []
    news_dates = spread_dates(rng, 40, "2023-01-01", "2025-06-30")
    for i, day in enumerate(news_dates):
        topic = NEWS_TOPICS[i % len(NEWS_TOPICS)]
        title = f"新蒲新区{topic}"
        news_items.append(
            Article(
                f"/xwzx/xwdt/{day[:4]}{day[5:7]}/content_{6800000 + i * 11}.html",
                title,
                day,
                "15:00",
                "新蒲新区融媒体中心",
                news_body(title, day),
            )
        )
    news_items[7:7] = misses[5:]
    _paged_list(site, "/xwzx/xwdt/", "新闻动态", news_items, nav, theme, page_size)
    site.put(
        "/xwzx/index.html",
        simple_page(
            site,
            "新闻中心",
            nav,
            '<ul><li><a href="/xwzx/tzgg/">通知公告</a></li><li><a href="/xwzx/xwdt/">新闻动态</a></li></ul>',
        ),
    )
    site.put("/zwgk/index.html", simple_page(site, "政务公开", nav, '<a href="/xwzx/tzgg/">通知公告</a>'))
    site.put("/hdjl/index.html", simple_page(site, "政民互动", nav, '<a href="/login.jsp">登录</a>'))
    site.put("/index.html", _home_np(site, nav, listing[:6], news_items[:6]))
    add_common_pages(site, nav, decoy_draft(site, 2020))
    site.put("/robots.txt", robots_txt(["/oa/", "/events/"]))
    site.reports = [r1, r2]
    site.near_misses = misses
    site.notes.append("seed 001 is on 通知公告 page 3 (?page=3), seed 002 on page 5 (?page=5)")
    return site


def _home_np(site: Site, nav: list[tuple[str, str]], notices: list[Article], news: list[Article]) -> str:
    body = (
        f'<div class="box"><h3>通知公告</h3><a class="more" href="/xwzx/tzgg/">更多&gt;&gt;</a><ul>{list_items_html(notices)}</ul></div>'
        f'<div class="box"><h3>新闻动态</h3><a class="more" href="/xwzx/xwdt/">更多&gt;&gt;</a><ul>{list_items_html(news)}</ul></div>'
    )
    return page_html(site, "首页", body, nav, {"ColumnName": "首页"})


def _paged_list(
    site: Site,
    channel: str,
    name: str,
    items: list[Article],
    nav: list[tuple[str, str]],
    theme: Theme,
    size: int,
) -> None:
    pages = chunk(items, size)
    for number, page_items in enumerate(pages, start=1):
        pager = _next_pager(channel, number, len(pages))
        crumbs = [("新闻中心", "/xwzx/index.html"), (name, channel)]
        body = list_page_html(site, name, crumbs, nav, page_items, pager, theme)
        site.put(channel, body, "" if number == 1 else f"page={number}")
    for i, article in enumerate(items):
        crumbs = [("新闻中心", "/xwzx/index.html"), (name, channel)]
        prev_next = (items[i - 1] if i else None, items[i + 1] if i + 1 < len(items) else None)
        site.put(article.path, detail_html(site, article, crumbs, nav, theme, prev_next))


def _next_pager(channel: str, number: int, pages: int) -> str:
    parts = [f"共{pages}页 当前第{number}页 ", f'<a href="{channel}">首页</a>']
    if number > 1:
        parts.append(f'<a href="{channel}?page={number - 1}">上一页</a>')
    if number < pages:
        parts.append(f'<a href="{channel}?page={number + 1}">下一页</a>')
    parts.append(f'<a href="{channel}?page={pages}">尾页</a>')
    return " ".join(parts)


# --------------------------------------------------------------------------- site: hanweb


def _art_path(column: int, day: str, ident: int) -> str:
    year, month, dom = (int(x) for x in day.split("-"))
    return f"/art/{year}/{month}/{dom}/art_{column}_{ident}.html"


def _jpage_record(article: Article) -> str:
    return (
        f'<li><a href="{article.path}" title="{html.escape(article.title)}" target="_blank">'
        f"{html.escape(_clip(article.title))}</a><span>{article.date}</span></li>"
    )


def _jpage_shell(site: Site, column: int, name: str, nav: list[tuple[str, str]], rows: list[Article]) -> str:
    inline = "".join(f"<record><![CDATA[{_jpage_record(a)}]]></record>\n" for a in rows[:15])
    query = f"page=1&webid=137&path=/&columnid={column}&unitid=12345&webname=%E5%A4%A7%E8%BF%9E%E5%B8%82%E5%8F%B8%E6%B3%95%E5%B1%80&permissiontype=0"
    content = (
        f"{crumb_html([(name, f'/col/col{column}/index.html')], ' > ')}\n"
        f'<div class="list"><h2>{name}</h2><div id="{column}">'
        f'<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?{query}"></a>]]></nextgroup>'
        f"<recordset>\n{inline}</recordset></datastore></script></div></div>\n"
        '<script type="text/javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>\n'
        f"<script>$(document).ready(function(){{$('#{column}').jpage({{dataStore: dataStore, perPage: 15, "
        f"groupSize: 3, totalRecord: {len(rows)}, proxyUrl: '/module/web/jpage/dataproxy.jsp', col: 1, appid: 1, "
        "showMode: 'full', barPosition: 'bottom'});});</script>"
    )
    return page_html(site, name, content, nav, {"ColumnName": name})


def build_hanweb() -> Site:
    """Hanweb JCMS: column shells with jpage config; rows from /module/web/jpage/dataproxy.jsp."""
    rng = random.Random("hanweb")
    site = Site("hanweb", "大连市司法局", "sfj.dl.gov.cn", "2102000025")
    theme = Theme(body_class="zoom", crumb_sep=" > ", font_line="【字号：大 中 小】")
    nav = [
        ("首页", "/index.html"),
        ("机构概况", "/col/col3941/index.html"),
        ("通知公告", "/col/col3940/index.html"),
        ("法治政府建设", "/col/col3945/index.html"),
        ("政务公开", "/col/col3950/index.html"),
    ]
    t4, b4 = load_seed("004")
    r4 = Article(
        _art_path(3945, "2025-03-03", 2412458), t4, "2025-03-03", "15:26", "大连市司法局", b4, 2024, "004"
    )
    r3 = Article(
        _art_path(3945, "2024-03-28", 2398120),
        "大连市司法局2023年法治政府建设年度报告",
        "2024-03-28",
        "09:12",
        "大连市司法局",
        synthetic_report("大连市司法局", 2023, rng, "全市"),
        2023,
    )
    rows: list[Article] = []
    dates = spread_dates(rng, 56, "2023-01-01", "2025-06-30")
    titles = near_miss_titles("大连市司法局", "大连市", 2024) + [
        (f"大连市{t}", "法治 news") for t in LAW_TOPICS
    ]
    titles += [(f"大连市司法局{t}", "news") for t in NEWS_TOPICS + NOTICE_TOPICS]
    misses = []
    for i, (title, why) in enumerate(titles):
        article = Article(
            _art_path(3945, dates[i], 2400000 + i * 7),
            title,
            dates[i],
            "10:00",
            "大连市司法局",
            near_miss_body(title),
            note=why,
        )
        rows.append(article)
        if why not in ("news", "法治 news"):
            misses.append(article)
    rows.insert(19, r4)  # record 20: beyond the 15 inline records
    rows.insert(47, r3)  # record 48: needs the second dataproxy group (46-90)
    notices = []
    for i, (topic, day) in enumerate(
        zip(NOTICE_TOPICS * 3, spread_dates(rng, 36, "2023-01-01", "2025-06-30"), strict=True)
    ):
        notices.append(
            Article(
                _art_path(3940, day, 2300000 + i * 13),
                topic,
                day,
                "11:00",
                "大连市司法局办公室",
                news_body(topic, day),
            )
        )
    for column, name, items in ((3945, "法治政府建设", rows), (3940, "通知公告", notices)):
        site.put(f"/col/col{column}/index.html", _jpage_shell(site, column, name, nav, items))
        site.put(
            f"/_data/jpage_{column}.json",
            json.dumps({"rows": [_jpage_record(a) for a in items]}, ensure_ascii=False, indent=1),
        )
        for i, article in enumerate(items):
            crumbs = [(name, f"/col/col{column}/index.html")]
            prev_next = (items[i - 1] if i else None, items[i + 1] if i + 1 < len(items) else None)
            site.put(article.path, detail_html(site, article, crumbs, nav, theme, prev_next))
    site.put(
        "/col/col3941/index.html", simple_page(site, "机构概况", nav, "<p>大连市司法局是市政府工作部门。</p>")
    )
    site.put(
        "/col/col3950/index.html",
        simple_page(
            site,
            "政务公开",
            nav,
            '<a href="/col/col3945/index.html">法治政府建设</a> <a href="/col/col3940/index.html">通知公告</a>',
        ),
    )
    home = (
        f'<div class="box"><h3>通知公告</h3><ul>{list_items_html(notices[:6])}</ul></div>'
        '<div class="search"><a href="/jrobotfront/search.action?webid=137&searchWord=">站内搜索</a></div>'
    )
    site.put("/index.html", page_html(site, "首页", home, nav, {"ColumnName": "首页"}))
    add_common_pages(site, nav, decoy_draft(site, 2024))
    site.put("/robots.txt", robots_txt(["/oa/", "/events/", "/jrobotfront/"]))
    site.config["dynamic"] = [
        {
            "kind": "jpage",
            "path": "/module/web/jpage/dataproxy.jsp",
            "columns": {"3945": "_data/jpage_3945.json", "3940": "_data/jpage_3940.json"},
        }
    ]
    site.reports = [r4, r3]
    site.near_misses = misses
    site.notes.append(
        "seed 004 is record 20 of column 3945 (dataproxy group 1-45), the 2023 report record 48 (46-90)"
    )
    return site


# --------------------------------------------------------------------------- site: gkmlpt


def build_gkmlpt() -> Site:
    """Guangdong gkmlpt: /gkmlpt/index + JSON API; one report only as PDF, one only as DOCX."""
    rng = random.Random("gkmlpt")
    site = Site("gkmlpt", "鹤山市人民政府", "www.heshan.gov.cn", "4407840001")
    theme = Theme(body_class="article-content", font_line="【字体：大 中 小】")
    nav = [
        ("首页", "/index.html"),
        ("走进鹤山", "/zjhs/index.html"),
        ("政务动态", "/zwdt/index.html"),
        ("政务公开", "/zwgk/index.html"),
        ("政府信息公开目录", "/gkmlpt/index"),
    ]
    column = "/zwgk/xxgk/hsssfj/bmwj/content/"
    t3, b3 = load_seed("003")
    r3 = Article(f"{column}post_2795410.html", t3, "2023-03-15", "16:05", "鹤山市司法局", b3, 2022, "003")
    pdf_text = synthetic_report("鹤山市司法局", 2023, rng, "全市")
    r_pdf = Article(
        f"{column}post_3012345.html",
        "鹤山市司法局2023年法治政府建设年度报告",
        "2024-03-20",
        "10:30",
        "鹤山市司法局",
        ["鹤山市司法局2023年法治政府建设年度报告详见附件。"],
        2023,
        attachments=[("鹤山市司法局2023年法治政府建设年度报告.pdf", "/attachment/0/530/530112/3012345.pdf")],
        note="body only in the PDF attachment",
    )
    docx_text = synthetic_report("鹤山市人民政府", 2021, rng, "全市")
    r_docx = Article(
        f"{column}post_2512345.html",
        "鹤山市人民政府关于2021年度法治政府建设情况的报告",
        "2022-03-30",
        "17:45",
        "鹤山市人民政府办公室",
        ["现将《鹤山市人民政府关于2021年度法治政府建设情况的报告》予以公开，详见附件。"],
        2021,
        attachments=[
            ("鹤山市人民政府关于2021年度法治政府建设情况的报告.docx", "/attachment/0/470/470881/2512345.docx")
        ],
        note="body only in the DOCX attachment",
    )
    site.put(r_pdf.attachments[0][1], make_pdf(r_pdf.title, pdf_text))
    site.put(r_docx.attachments[0][1], make_docx(r_docx.title, docx_text))
    articles: list[Article] = []
    dates = spread_dates(rng, 30, "2021-06-01", "2025-06-30")
    misses = []
    titles = near_miss_titles("鹤山市司法局", "鹤山市", 2023) + [
        (f"鹤山市司法局{t}", "news") for t in NEWS_TOPICS[:12]
    ]
    for i, (title, why) in enumerate(titles):
        article = Article(
            f"{column}post_{2600000 + i * 311}.html",
            title,
            dates[i],
            "09:00",
            "鹤山市司法局",
            near_miss_body(title),
            note=why,
        )
        articles.append(article)
        if why != "news":
            misses.append(article)
    articles.insert(4, r_pdf)
    articles.insert(13, r3)
    articles.insert(21, r_docx)
    for i, article in enumerate(articles):
        crumbs = [("政务公开", "/zwgk/index.html"), ("部门文件", "/zwgk/xxgk/hsssfj/bmwj/index.html")]
        site.put(article.path, detail_html(site, article, crumbs, nav, theme, (None, None)))
    rows = [_gkmlpt_row(a, 300 + i) for i, a in enumerate(articles)]
    site.put("/_data/gkmlpt_2.json", json.dumps({"rows": rows}, ensure_ascii=False, indent=1))
    site.put("/_data/gkmlpt_7.json", json.dumps({"rows": rows[:3]}, ensure_ascii=False, indent=1))
    config = (
        "<script>window._CONFIG = {SID: 'HS755533', SITE_ID: 755533, "
        "TREE: [{id: 2, name: '部门文件', parent: 0}, {id: 7, name: '工作报告', parent: 0}]};</script>"
    )
    content = (
        f'<div id="app">信息公开目录加载中……</div>{config}<script src="/gkmlpt/static/js/app.js"></script>'
    )
    site.put(
        "/gkmlpt/index", page_html(site, "政府信息公开目录", content, nav, {"ColumnName": "政府信息公开目录"})
    )
    recent = [a for a in articles if a.report_year is None][:5]
    bmwj = f'<ul>{list_items_html(recent)}</ul><a class="more" href="/gkmlpt/index">更多&gt;&gt;</a>'
    site.put("/zwgk/xxgk/hsssfj/bmwj/index.html", simple_page(site, "部门文件", nav, bmwj))
    site.put(
        "/zwgk/index.html",
        simple_page(site, "政务公开", nav, '<a href="/zwgk/xxgk/hsssfj/bmwj/index.html">部门文件</a>'),
    )
    site.put("/zjhs/index.html", simple_page(site, "走进鹤山", nav, "<p>鹤山市位于珠江三角洲西部。</p>"))
    site.put("/zwdt/index.html", simple_page(site, "政务动态", nav, "<p>暂无信息</p>"))
    site.put(
        "/index.html",
        page_html(site, "首页", f"<div class='home'><ul>{list_items_html(recent[:3])}</ul></div>", nav),
    )
    add_common_pages(site, nav, decoy_draft(site, 2023))
    site.put("/robots.txt", robots_txt(["/oa/", "/events/"]))
    site.config["dynamic"] = [
        {"kind": "gkmlpt", "path": "/gkmlpt/api/all/*", "sid": "HS755533", "page_size": 10,
         "categories": {"2": "_data/gkmlpt_2.json", "7": "_data/gkmlpt_7.json"}},
    ]  # fmt: skip
    site.reports = [r3, r_pdf, r_docx]
    site.near_misses = misses
    site.notes.append(
        "reports are reachable only through /gkmlpt/api/all/2 (10 rows a page; pages 0 and 1 equal)"
    )
    return site


def _gkmlpt_row(article: Article, number: int) -> dict[str, Any]:
    from datetime import datetime, timedelta, timezone

    stamp = datetime.fromisoformat(f"{article.date}T{article.clock}").replace(
        tzinfo=timezone(timedelta(hours=8))
    )
    return {
        "id": int(re.sub(r"\D", "", article.path.rsplit("_", 1)[-1])),
        "title": article.title,
        "document_number": f"鹤司〔{article.date[:4]}〕{number % 50}号",
        "identifier": f"007061234/{article.date[:4]}-{number:05d}",
        "publisher": article.source,
        "date": int(stamp.timestamp()),
        "url": article.path,
        "attachment": [
            {
                "name": name,
                "mime": "application/pdf" if path.endswith(".pdf") else "application/msword",
                "url": path,
            }
            for name, path in article.attachments
        ],
        "is_expired": False,
        "is_abolished": False,
    }


def make_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small valid text PDF (CID font, Identity-H, ToUnicode) written by hand: no dependencies."""
    lines = [title, ""]
    for paragraph in paragraphs:
        lines.extend(paragraph[i : i + 38] for i in range(0, len(paragraph), 38))
    pages = chunk(lines, 50)
    objects: dict[int, bytes] = {}
    font_id, descendant_id, tounicode_id, descriptor_id = 3, 4, 5, 6
    kids = []
    next_id = 7
    used = {ord(ch) >> 8 for line in lines for ch in line}
    for page_lines in pages:
        stream = ["BT", "/F1 12 Tf", "14 TL", "50 800 Td"]
        for line in page_lines:
            stream.append("<" + "".join(f"{ord(ch):04X}" for ch in line) + "> Tj T*")
        stream.append("ET")
        content = "\n".join(stream).encode("ascii")
        content_id, page_id = next_id, next_id + 1
        next_id += 2
        objects[content_id] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content_id
        )
        kids.append(page_id)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        " ".join(f"{k} 0 R" for k in kids).encode(),
        len(kids),
    )
    objects[font_id] = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (descendant_id, tounicode_id)
    )
    objects[descendant_id] = (
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>" % descriptor_id
    )
    objects[descriptor_id] = (
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >>"
    )
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in sorted(used)]
    blocks = "\n".join(
        f"{len(part)} beginbfrange\n" + "\n".join(part) + "\nendbfrange" for part in chunk(ranges, 100)
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocks}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("ascii")
    objects[tounicode_id] = b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def make_docx(title: str, paragraphs: list[str]) -> bytes:
    """A DOCX made with python-docx, re-zipped with fixed timestamps so builds are identical."""
    from datetime import datetime

    import docx

    document = docx.Document()
    document.core_properties.created = datetime(2022, 3, 30, 9, 0, 0)
    document.core_properties.modified = datetime(2022, 3, 30, 9, 0, 0)
    document.core_properties.last_modified_by = "fzwatch"
    document.core_properties.author = "fzwatch"
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    raw = io.BytesIO()
    document.save(raw)
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            stable = zipfile.ZipInfo(info.filename, date_time=(2022, 3, 30, 9, 0, 0))
            stable.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stable, source.read(info.filename))
    return fixed.getvalue()


# --------------------------------------------------------------------------- site: dedecms


def _gbk(text: str) -> bytes:
    return text.encode("gbk", errors="xmlcharrefreplace")


def build_dedecms() -> Site:
    """DedeCMS county site: plus/list.php?tid=N&PageNo=…, GBK bytes, numbers split across tags."""
    rng = random.Random("dedecms")
    site = Site("dedecms", "平阳县司法局", "sfj.pingyang.gov.cn", "3303260012")
    theme = Theme(body_class="content", crumb_sep=" > ", font_line="字号：[ 大 中 小 ]")
    nav = [
        ("首页", "/index.html"),
        ("通知公告", "/plus/list.php?tid=2"),
        ("法治建设", "/plus/list.php?tid=5"),
        ("依法行政", "/plus/list.php?tid=5"),
    ]
    r1 = Article(
        "/a/fzjs/20240318/1203.html",
        "平阳县2023年法治政府建设情况报告",
        "2024-03-18",
        "11:02",
        "平阳县司法局",
        synthetic_report("平阳县人民政府", 2023, rng),
        2023,
        note="GBK, charset declared in <meta>",
    )
    r2 = Article(
        "/a/fzjs/20230310/987.html",
        "平阳县司法局关于2022年度法治政府建设情况的报告",
        "2023-03-10",
        "08:40",
        "平阳县司法局",
        synthetic_report("平阳县司法局", 2022, rng),
        2022,
        note="GBK without any charset declaration; numbers split across inline tags",
    )
    items = []
    dates = spread_dates(rng, 40, "2022-01-01", "2025-06-30")
    titles = near_miss_titles("平阳县司法局", "平阳县", 2023) + [
        (f"平阳县{t}", "法治 news") for t in LAW_TOPICS * 3
    ]
    misses = []
    for i, (title, why) in enumerate(titles[:34]):
        day = dates[i]
        article = Article(
            f"/a/fzjs/{day.replace('-', '')}/{1300 + i}.html",
            title,
            day,
            "09:00",
            "平阳县司法局",
            near_miss_body(title),
            note=why,
        )
        items.append(article)
        if why != "法治 news":
            misses.append(article)
    items.insert(13, r2)  # page 2
    items.insert(24, r1)  # page 3
    size = 10
    pages = chunk(items, size)
    total = len(items)
    for number, page_items in enumerate(pages, start=1):
        pager = _dede_pager(5, number, len(pages), total)
        crumbs = [("法治建设", "/plus/list.php?tid=5")]
        body = list_page_html(site, "法治建设", crumbs, nav, page_items, pager, theme, charset="gb2312")
        site.put(
            "/plus/list.php", _gbk(body), _canonical_query(f"tid=5&TotalResult={total}&PageNo={number}", [])
        )
        if number == 1:
            site.put("/plus/list.php", _gbk(body), "tid=5")
    for i, article in enumerate(items):
        declared = article is not r2 and i % 2 == 0
        crumbs = [("法治建设", "/plus/list.php?tid=5")]
        prev_next = (items[i - 1] if i else None, items[i + 1] if i + 1 < len(items) else None)
        page = detail_html(
            site,
            article,
            crumbs,
            nav,
            theme,
            prev_next,
            charset="gb2312" if declared else None,
            split_numbers=True,
        )
        site.put(article.path, _gbk(page))
    notices = [
        Article(
            f"/a/tzgg/2024{i + 1:02d}05/{800 + i}.html",
            t,
            f"2024-{i + 1:02d}-05",
            "10:00",
            "平阳县司法局",
            news_body(t, f"2024-{i + 1:02d}-05"),
        )
        for i, t in enumerate(NOTICE_TOPICS)
    ]
    site.put(
        "/plus/list.php",
        _gbk(
            list_page_html(
                site,
                "通知公告",
                [("通知公告", "/plus/list.php?tid=2")],
                nav,
                notices,
                "",
                theme,
                charset="gb2312",
            )
        ),
        "tid=2",
    )
    for article in notices:
        site.put(
            article.path,
            _gbk(
                detail_html(site, article, [("通知公告", "/plus/list.php?tid=2")], nav, theme, charset=None)
            ),
        )
    home = f"<div class='box'><h3>通知公告</h3><ul>{list_items_html(notices[:6])}</ul></div>"
    site.put("/index.html", _gbk(page_html(site, "首页", home, nav, charset="gb2312")))
    add_common_pages(site, nav, decoy_draft(site, 2023))
    site.put("/robots.txt", robots_txt(["/oa/", "/events/", "/member/"]))
    site.config["charset"] = None  # no charset in Content-Type: pages must be sniffed
    site.reports = [r1, r2]
    site.near_misses = misses
    return site


def _dede_pager(tid: int, number: int, pages: int, total: int) -> str:
    def href(n: int) -> str:
        return f"list.php?tid={tid}&TotalResult={total}&PageNo={n}"

    parts = [f'<li><a href="{href(1)}">首页</a></li>']
    if number > 1:
        parts.append(f'<li><a href="{href(number - 1)}">上一页</a></li>')
    for n in range(1, pages + 1):
        parts.append(
            f'<li class="thisclass">{n}</li>' if n == number else f'<li><a href="{href(n)}">{n}</a></li>'
        )
    if number < pages:
        parts.append(f'<li><a href="{href(number + 1)}">下一页</a></li>')
    parts.append(f'<li><a href="{href(pages)}">末页</a></li>')
    parts.append(
        f'<li><span class="pageinfo">共 <strong>{pages}</strong>页<strong>{total}</strong>条</span></li>'
    )
    return f'<ul class="pagelist">{"".join(parts)}</ul>'


# --------------------------------------------------------------------------- site: jsonapi


def build_jsonapi() -> Site:
    """An empty-shell list page whose rows come from a JSON API (declared in site.json "registry")."""
    rng = random.Random("jsonapi")
    site = Site("jsonapi", "瑞安市人民政府", "www.ruian.gov.cn", "3303810001")
    theme = Theme(body_class="article-body")
    nav = [("首页", "/index.html"), ("信息公开", "/xxgk/index.html"), ("法治政府", "/xxgk/fzzf/index.html")]
    reports = [
        Article("/xxgk/fzzf/content_1017.html", "瑞安市人民政府关于2023年度法治政府建设情况的报告", "2024-03-27", "16:30",
                "瑞安市人民政府办公室", synthetic_report("瑞安市人民政府", 2023, rng, "全市"), 2023),
        Article("/xxgk/fzzf/content_1004.html", "瑞安市司法局2022年法治政府建设年度报告", "2023-02-21", "10:10",
                "瑞安市司法局", synthetic_report("瑞安市司法局", 2022, rng, "全市"), 2022),
    ]  # fmt: skip
    items = []
    misses = []
    dates = spread_dates(rng, 40, "2022-01-01", "2025-06-30")
    titles = near_miss_titles("瑞安市", "瑞安市", 2023) + [
        (f"瑞安市{t}", "法治 news") for t in LAW_TOPICS + NEWS_TOPICS
    ]
    for i, (title, why) in enumerate(titles):
        article = Article(
            f"/xxgk/fzzf/content_{1100 + i}.html",
            title,
            dates[i],
            "09:00",
            "瑞安市司法局",
            near_miss_body(title),
            note=why,
        )
        items.append(article)
        if why != "法治 news":
            misses.append(article)
    items.insert(6, reports[0])
    items.insert(14, reports[1])
    for article in items:
        site.put(
            article.path, detail_html(site, article, [("法治政府", "/xxgk/fzzf/index.html")], nav, theme)
        )
    rows = [
        {"id": i + 1, "title": a.title, "url": a.path, "publishTime": f"{a.date} {a.clock}:00"}
        for i, a in enumerate(items)
    ]
    site.put("/_data/list.json", json.dumps({"rows": rows}, ensure_ascii=False, indent=1))
    shell = (
        f'{crumb_html([("法治政府", "/xxgk/fzzf/index.html")], " > ")}<div class="list"><h2>法治政府</h2>'
        '<ul id="list"></ul><div id="pager"></div></div>\n'
        "<script>function render(res){var html='';$.each(res.data.list,function(i,r){html+='<li><a href=\"'+r.url+'\">'"
        "+r.title+'</a><span>'+r.publishTime.substr(0,10)+'</span></li>'});$('#list').html(html);}\n"
        "$.ajax({url: '/api/content/list?channelId=12&pageNo=1&pageSize=10', type: 'GET', dataType: 'json', success: render});</script>"
    )
    site.put("/xxgk/fzzf/index.html", page_html(site, "法治政府", shell, nav, {"ColumnName": "法治政府"}))
    site.put(
        "/xxgk/index.html", simple_page(site, "信息公开", nav, '<a href="/xxgk/fzzf/index.html">法治政府</a>')
    )
    site.put(
        "/index.html", page_html(site, "首页", '<a href="/xxgk/fzzf/index.html">法治政府建设专栏</a>', nav)
    )
    add_common_pages(site, nav, decoy_draft(site, 2023))
    site.put("/robots.txt", robots_txt(["/oa/", "/events/"]))
    site.config["dynamic"] = [
        {"kind": "json_list", "path": "/api/content/list", "data": "_data/list.json", "page_size": 10}
    ]
    site.config["registry"] = {
        "list_api": {
            "url": "/api/content/list?channelId=12&pageNo={page}&pageSize=10",
            "items": "data.list",
            "fields": {"title": "title", "url": "url", "date": "publishTime"},
            "total": "total",
        }
    }
    site.reports = reports
    site.near_misses = misses
    site.notes.append(
        "the list page is an empty shell; rows only come from /api/content/list (4 pages of 10)"
    )
    return site


# --------------------------------------------------------------------------- site: traps


def build_traps() -> Site:
    """Crawler traps around one real report: calendar, session ids, repeating list, loops, 5 MB, binary."""
    rng = random.Random("traps")
    site = Site("traps", "文成县人民政府", "www.wencheng.gov.cn", "3303280001")
    theme = Theme(body_class="TRS_Editor")
    nav = [("首页", "/index.html"), ("法治政府建设", "/fzzf/index.html"), ("新闻", "/news/index.html")]
    report = Article(
        "/fzzf/202403/t20240320_5001.html",
        "文成县2023年法治政府建设年度报告",
        "2024-03-20",
        "14:00",
        "文成县人民政府办公室",
        synthetic_report("文成县人民政府", 2023, rng),
        2023,
    )
    miss_title, why = near_miss_titles("文成县", "文成县", 2023)[4]
    miss = Article(
        "/fzzf/202404/t20240402_5002.html",
        miss_title,
        "2024-04-02",
        "09:00",
        "文成县司法局",
        near_miss_body(miss_title),
        note=why,
    )
    for article in (report, miss):
        site.put(article.path, detail_html(site, article, [("法治政府建设", "/fzzf/index.html")], nav, theme))
    fzzf = list_page_html(
        site, "法治政府建设", [("法治政府建设", "/fzzf/index.html")], nav, [miss, report], "", theme
    )
    fzzf = fzzf.replace(
        "<!--LIST-->",
        f'<!--LIST-->\n<li><a href="{report.path};jsessionid=8F3A2B1C9D">{report.title}</a></li>',
    )
    site.put("/fzzf/index.html", fzzf)
    news = [
        Article(
            f"/news/2024{i + 1:02d}/t2024{i + 1:02d}10_{6000 + i}.html",
            f"文成县{t}",
            f"2024-{i + 1:02d}-10",
            "10:00",
            "文成县融媒体中心",
            news_body(t, f"2024-{i + 1:02d}-10"),
        )
        for i, t in enumerate(NEWS_TOPICS[:8])
    ]
    for article in news:
        site.put(article.path, detail_html(site, article, [("新闻", "/news/index.html")], nav, theme))
    site.put(
        "/news/index.html", list_page_html(site, "新闻", [("新闻", "/news/index.html")], nav, news, "", theme)
    )
    site.put(
        "/_data/repeat.json",
        json.dumps(
            {"rows": [{"url": a.path, "title": a.title, "date": a.date} for a in news[:5]]},
            ensure_ascii=False,
            indent=1,
        ),
    )
    noise = random.Random("binary")
    site.put(
        "/download/data.html",
        b"PK\x03\x04\x14\x00\x00\x00" + bytes(noise.randrange(256) for _ in range(4088)),
    )
    traps = [
        ("活动日历", "/events/?month=2024-03"),
        ("新闻（会话）", "/news/index.html;jsessionid=0A1B2C3D4E"),
        ("新闻（会话2）", "/news/index.html?JSESSIONID=ZZZ999&utm_source=wx"),
        ("新闻（会话3）", "/news/index.html?PHPSESSID=abc123"),
        ("动态列表", "/repeat/list.html?page=1"),
        ("跳转", "/loop/a"),
        ("专题大页面", "/big.html"),
        ("数据下载", "/download/data.html"),
        ("已删除页面", "/missing/1.html"),
        ("旧版栏目", "/missing/old/index.html"),
        (
            "文成县2023年法治政府建设年度报告（镜像）",
            "http://mirror.example.invalid/fzzf/202403/t20240320_5001.html",
        ),
        ("内部", "/private/index.html"),
    ]
    links = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for text, href in traps)
    site.put(
        "/index.html", page_html(site, "首页", f"<ul class='links'>{links}</ul>", nav, {"ColumnName": "首页"})
    )
    site.put(
        "/private/index.html",
        simple_page(site, "内部", nav, '<a href="/private/calendar/?month=2024-03">日历</a>'),
    )
    add_common_pages(site, nav, decoy_draft(site, 2023))
    site.put("/robots.txt", robots_txt(["/oa/", "/private/"]))
    site.config["ignore_params"] = ["jsessionid", "phpsessid", "utm_source"]
    site.config["dynamic"] = [
        {"kind": "calendar", "path": "/events/"},
        {"kind": "calendar", "path": "/private/calendar/"},
        {"kind": "repeat_list", "path": "/repeat/list.html", "data": "_data/repeat.json"},
        {"kind": "redirect_loop", "path": "/loop/*"},
        {"kind": "big", "path": "/big.html", "size": 5 * 1024 * 1024},
    ]
    site.config["content_types"] = {"/download/": "text/html; charset=utf-8"}
    site.reports = [report]
    site.near_misses = [miss]
    site.notes.append(
        "traps: /events/ calendar (endless), ;jsessionid/?JSESSIONID variants, /repeat/ list, /loop/ redirects, 5 MB /big.html, binary /download/data.html, 404s, off-site mirror"
    )
    return site


# --------------------------------------------------------------------------- writing


BUILDERS: dict[str, Callable[[], Site]] = {
    "trs": build_trs,
    "nextpage": build_nextpage,
    "hanweb": build_hanweb,
    "gkmlpt": build_gkmlpt,
    "dedecms": build_dedecms,
    "jsonapi": build_jsonapi,
    "traps": build_traps,
}


def write_site(site: Site) -> Path:
    target = SITES / site.name
    if target.exists():
        shutil.rmtree(target)
    for relative, data in sorted(site.files.items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    config = {"name": site.name, "site_name": site.site_name, "charset": "utf-8", **site.config}
    _write_json(target / "site.json", config)
    expected = {
        "site": site.name,
        "site_name": site.site_name,
        "home": "/index.html",
        "reports": [a.expected() for a in site.reports],
        "near_misses": [{"url": a.path, "title": a.title, "why": a.note} for a in site.near_misses],
        "robots_forbidden": site.forbidden,
        "notes": site.notes,
    }
    _write_json(target / "expected.json", expected)
    return target


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="*", help=f"some of {', '.join(BUILDERS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.sites) - set(BUILDERS)
    if unknown:
        parser.error(f"unknown sites: {', '.join(sorted(unknown))}")
    copy_seeds()
    for name in args.sites or list(BUILDERS):
        path = write_site(BUILDERS[name]())
        print(f"wrote {path} ({sum(1 for _ in path.rglob('*') if _.is_file())} files)")


if __name__ == "__main__":
    main()
