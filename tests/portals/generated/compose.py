"""``generate(seed)``: compose one random portal (deterministic from ``random.Random(seed)``)."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from tests.portals.generated import texts
from tests.portals.generated.channels import Channel, pick_row_style, rows_html
from tests.portals.generated.documents import make_docx, make_pdf
from tests.portals.generated.idioms import ABSOLUTE_LINKS, LIST_IDIOMS, ONCE_PER_PORTAL, OWN_ROWS
from tests.portals.generated.model import ExpectedReport, GeneratedPortal, Item
from tests.portals.generated.pages import NAV_MARK, Chrome, article_html, esc, nav_links, page

PLACEMENTS = {
    "dedicated_channel": 3.0,
    "report_channel": 2.0,
    "notices_only": 2.0,
    "gkml_table": 1.5,
    "attachment_only": 1.2,
}
MAX_ITEMS = 270  # articles per portal: with list pages a crawler fetching everything stays under 400 pages
_FIRST_DAY, _LAST_DAY = date(2018, 1, 1), date(2025, 11, 20)


def generate(seed: int) -> GeneratedPortal:
    """The portal for ``seed``: same seed, same bytes."""
    builder = Builder(seed)
    builder.plan()
    builder.render()
    return builder.portal


class Builder:
    """Holds the random state and the portal while it is composed."""

    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        self.agency = texts.pick_agency(rng)
        self.chrome = Chrome.pick(rng, self.agency)
        self.portal = GeneratedPortal(seed, f"gen{seed:04d}", self.chrome.site_name, "/index.html")
        self._id = rng.randrange(10_000, 90_000)
        self.gbk = rng.random() < 0.12
        if self.gbk:
            self.chrome.meta_charset = rng.choice(["gb2312", None])
        self.redirecting = rng.random() < 0.35
        self.date_style = rng.randrange(4)
        self.sections: list[Channel] = []
        self.report_channels: list[Channel] = []
        self._used_near: set[str] = set()
        self._placed: list[tuple[ExpectedReport, Channel, Item]] = []
        self._articles: set[str] = set()
        self._numbers: set[int] = set()  # article and attachment keys (not list pages)

    # ------------------------------------------------------------------ helpers used by idioms

    def unique(self, low: int, high: int) -> int:
        """A number in [low, high) not handed out before in this portal (column ids, tids)."""
        while True:
            number = low + self.new_id() % (high - low)
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def new_id(self) -> int:
        self._id += self.rng.randrange(1, 40)
        return self._id

    def write(self, key: str, text: str | bytes, content_type: str = "text/html", raw: bool = False) -> None:
        """Store a page; HTML of a GBK portal is GBK bytes served without a header charset."""
        if content_type == "text/html" and self.gbk and not raw and isinstance(text, str):
            self.portal.add_page(key, text.encode("gbk", "xmlcharrefreplace"), charset=None)
        else:
            self.portal.add_page(key, text, content_type)

    def list_page(
        self, chan: Channel, items: list[Item], pager: str, extra_head: str = "", raw_rows: bool = False
    ) -> str:
        rows = "" if raw_rows else rows_html(chan, items, self.agency.name, date_style=self.date_style)
        body = f'<div class="column"><h2 class="column-title">{esc(chan.name)}</h2>{rows}{pager}</div>'
        return page(self.chrome, chan.title, chan.crumbs, body, extra_head, meta={"ColumnName": chan.name})

    def jpage_column(self, col: int, records: list[str], post_only: bool) -> None:
        self.portal.dynamic.append(
            {
                "kind": "jpage",
                "path": "/module/web/jpage/dataproxy.jsp",
                "columnid": str(col),
                "post_only": post_only,
                "records": records,
            }
        )

    def place_articles(
        self, chan: Channel, style: str, vsb: tuple[str, int] | None = None, col: int | None = None
    ) -> None:
        """Give every item of the channel an article page in ``style`` and set its href."""
        for item in chan.items:
            ident = self.new_id()
            path = self._article_path(style, chan, item, ident, vsb, col)
            self._articles.add(path)
            self._write_article(chan, item, path, ident)
            item.href = self._maybe_redirect(chan, item, path, ident)

    def _article_path(
        self, style: str, chan: Channel, item: Item, ident: int, vsb: tuple[str, int] | None, col: int | None
    ) -> str:
        y, m, d = item.date.split("-")
        paths = {
            "trs": lambda: f"{chan.dir}{y}{m}/t{y}{m}{d}_{ident}.html",
            "post": lambda: f"{chan.dir}content/post_{ident}.html",
            "uuid": lambda: f"{chan.dir}{y}{m}{d}/{hashlib.md5(str(ident).encode()).hexdigest()}.html",
            "shtml": lambda: f"{chan.dir}{y}{m}/{ident}.shtml",
            "hanweb": lambda: f"/art/{y}/{int(m)}/{int(d)}/art_{col}_{ident}.html",
            "gkmlpt": lambda: f"/gkmlpt/content/{ident // 100000}/{ident // 1000}/post_{ident}.html",
            "vsb": lambda: f"{vsb[0]}info/{vsb[1]}/{ident}.htm" if vsb else "",
            "dede": lambda: f"/a/{chan.token}/{y}{m}{d}/{ident}.html",
            "jsp": lambda: f"{chan.dir}content.jsp?id={ident}",
            "idpage": lambda: f"{chan.dir}detail/{ident}.html",
        }
        return paths[style]()

    def _maybe_redirect(self, chan: Channel, item: Item, path: str, ident: int) -> str:
        if not self.redirecting or chan.idiom not in ABSOLUTE_LINKS:
            return path
        if self.rng.random() > (0.6 if item.kind == "report" else 0.1):
            return path
        first = f"/link/{ident}.html"
        if self.rng.random() < 0.5:
            self.portal.redirects[first] = (302, path)
        else:
            self.portal.redirects[first] = (302, f"/go/{ident}")
            self.portal.redirects[f"/go/{ident}"] = (301, path)
        if item.kind == "report":
            item.tags.append("redirect")
        return first

    def _write_article(self, chan: Channel, item: Item, path: str, ident: int) -> None:
        crumbs = chan.crumbs
        if item.kind == "report" and item.attachment:
            self._write_attachment_report(chan, item, path, ident)
            return
        if item.kind == "report":
            paragraphs = texts.report_paragraphs(self.rng, self.agency, item.year, self.portal.seed)
            self._expect(ExpectedReport(path, item.title, item.year, []), chan, item)
        elif item.kind == "near_miss":
            paragraphs = self._near_miss_text(item)
            self.portal.near_misses.append(path)
        else:
            paragraphs = self._news_text()
        views = self.rng.randrange(20, 3000)
        self.write(
            path, article_html(self.chrome, item.title, item.date, paragraphs, crumbs, self.rng, views=views)
        )

    def _write_attachment_report(self, chan: Channel, item: Item, path: str, ident: int) -> None:
        y, m, d = item.date.split("-")
        ext = item.attachment
        file = (
            f"{chan.dir}{y}{m}/P0{y}{m}{d}{ident % 100000:05d}.{ext}"
            if self.rng.random() < 0.6
            else f"/attachment/{y}{m}/{ident}.{ext}"
        )
        self._articles.add(file)
        item.file = file
        lines = [
            item.title,
            *_wrap(texts.report_paragraphs(self.rng, self.agency, item.year, self.portal.seed)),
        ]
        self.write(
            file,
            make_pdf(lines) if ext == "pdf" else make_docx(lines),
            "application/pdf"
            if ext == "pdf"
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        note = self.rng.choice(
            ["详见附件。", f"现将《{item.title}》予以公开，详见附件。", "具体内容详见附件。"]
        )
        html = article_html(
            self.chrome,
            item.title,
            item.date,
            [note],
            chan.crumbs,
            self.rng,
            attachments=[(f"{item.title}.{ext}", file)],
        )
        self.write(path, html)
        item.tags.append(f"attachment_{ext}")
        self._expect(ExpectedReport(file, item.title, item.year, [], alt_urls=[path]), chan, item)

    def _expect(self, report: ExpectedReport, chan: Channel, item: Item) -> None:
        self.portal.reports.append(report)
        self._placed.append((report, chan, item))

    def _near_miss_text(self, item: Item) -> list[str]:
        lines = [
            f"为深入推进法治政府建设，{self.agency.name}结合工作实际，现将有关事项说明如下。",
            "一、总体要求。坚持以习近平法治思想为指导，全面推进依法行政。",
            "二、主要内容。加强组织领导，压实工作责任，确保各项工作任务落实到位。",
        ]
        if "解读" in item.title or "读懂" in item.title:
            lines.insert(0, f"近日，{self.agency.name}公开了年度法治政府建设情况报告，现解读如下。")
        return lines

    def _news_text(self) -> list[str]:
        picked = self.rng.sample(texts.NEWS_SENTENCES, self.rng.randint(2, 4))
        return [s.format(a=self.agency.name, p=self.agency.place) for s in picked]

    # ------------------------------------------------------------------ planning

    def plan(self) -> None:
        rng = self.rng
        self._plan_sections()
        years = sorted(rng.sample(range(2019, 2026), rng.randint(1, 5)), reverse=True)
        names = list(PLACEMENTS)
        first = rng.choices(names, weights=list(PLACEMENTS.values()))[0]
        groups = [(first, years)]
        if len(years) >= 2 and rng.random() < 0.25:
            second = rng.choice([n for n in names if n != first])
            cut = rng.randint(1, len(years) - 1)
            groups = [(first, years[:cut]), (second, years[cut:])]
        for placement, group_years in groups:
            chan = self._report_channel(placement)
            chan.items.extend(self._report_item(y, placement) for y in group_years)
        self._fill()

    def _plan_sections(self) -> None:
        rng = self.rng
        keys = list(texts.SECTIONS)
        chosen = keys[:2] + rng.sample(keys[2:], rng.randint(1, 3))
        for name, token in chosen:
            children = texts.SECTIONS[(name, token)]
            section = self._channel(None, name, token, container=bool(children))
            for child_name, child_token in rng.sample(
                children, rng.randint(min(1, len(children)), len(children))
            ):
                self._channel(section, child_name, child_token)

    def _channel(self, parent: Channel | None, name: str, token: str, container: bool = False) -> Channel:
        """The child ``token`` of ``parent`` (created when missing). A list channel and a container of
        channels never share a directory: a clash gets ``token_N`` (reports must sit in a list)."""
        siblings = parent.children if parent else self.sections
        taken = {c.token: c for c in siblings}
        if token in taken and taken[token].container == container:
            return taken[token]
        base, n = token, 1
        while token in taken:
            token, n = f"{base}_{n}", n + 1
        directory = (parent.dir if parent else "/") + token + "/"
        chan = Channel(name, token, directory, (parent.depth if parent else 0) + 1, container=container)
        chan.crumbs = [*(parent.crumbs if parent else []), (name, directory)]
        chan.title = self.rng.choice(
            [name, f"{name}_{self.chrome.site_name}", f"{self.chrome.site_name}-{name}"]
        )
        siblings.append(chan)
        return chan

    def _section(self, token: str) -> Channel:
        return next(s for s in self.sections if s.token == token)

    def _report_channel(self, placement: str) -> Channel:
        rng = self.rng
        depth = rng.choice([1, 2, 2, 3])
        if placement == "notices_only":
            news = self._section("xwzx")
            chan = (
                self._channel(news, "通知公告", "tzgg")
                if rng.random() < 0.7
                else self._channel(None, "通知公告", "tzgg")
            )
        elif placement == "gkml_table":
            parent = self._section("zwgk")
            if rng.random() < 0.5:
                parent = self._channel(parent, "法定主动公开内容", "fdzdgknr", container=True)
            chan = self._channel(parent, rng.choice(["信息公开目录", "政府信息公开目录", "公开目录"]), "gkml")
            chan.row_style = "table"
        else:
            if placement == "report_channel":
                name, token = (
                    rng.choice(texts.REPORT_NAMED_CHANNELS),
                    rng.choice(["fzzfjsndbg", "ndbg", "fzzfjsqk"]),
                )
            else:
                name, token = rng.choice(texts.DEDICATED_CHANNELS)
            chan = self._at_depth(name, token, depth)
            if placement == "report_channel":
                chan.title = name  # the column's <title> equals the report name
        if chan.placement and chan.placement != placement:
            chan = self._at_depth(f"{chan.name}", chan.token + "2", 2)
        chan.placement = placement
        if chan.container or chan.depth > 3:
            raise AssertionError(f"seed {self.portal.seed}: reports in {chan.dir} would be out of reach")
        if chan not in self.report_channels:
            self.report_channels.append(chan)
        return chan

    def _at_depth(self, name: str, token: str, depth: int) -> Channel:
        if depth == 1:
            return self._channel(None, name, token)
        parent = self._section(self.rng.choice(["zwgk", "zwgk", "xwzx"]))
        if depth == 3:
            mids = [("法治政府建设", "fzzfjs"), ("法定主动公开内容", "fdzdgknr"), ("信息公开目录", "xxgkml")]
            mid_name, mid_token = self.rng.choice([m for m in mids if m[1] != token])
            parent = self._channel(parent, mid_name, mid_token, container=True)
        return self._channel(parent, name, token)

    def _report_item(self, year: int, placement: str) -> Item:
        tag, template = self.rng.choice(texts.REPORT_TITLES)
        title = texts.fill(template, self.agency, year)
        if tag == "title_traditional":
            title = texts.to_traditional(title)
        published = date(year + 1, self.rng.randint(1, 5), self.rng.randint(1, 28))
        attachment = ""
        if placement == "attachment_only" or self.rng.random() < 0.08:
            attachment = self.rng.choice(["pdf", "docx"])
        return Item(title, "", published.isoformat(), "report", year, [tag] if tag else [], attachment)

    def _near_item(self) -> Item:
        for _ in range(20):
            template = self.rng.choice(texts.NEAR_MISS_TITLES)
            title = texts.fill(template, self.agency, self.rng.randint(2019, 2025))
            if title not in self._used_near:
                break
        self._used_near.add(title)
        return Item(title, "", self._random_day(), "near_miss")

    def _news_item(self) -> Item:
        title = texts.fill(self.rng.choice(texts.NEWS_TITLES), self.agency, self.rng.randint(2018, 2025))
        return Item(title, "", self._random_day(), "news")

    def _random_day(self) -> str:
        return (_FIRST_DAY + timedelta(days=self.rng.randrange((_LAST_DAY - _FIRST_DAY).days))).isoformat()

    def _fill(self) -> None:
        """Near-misses and news around the reports; list sizes from 1 to 12 pages."""
        rng = self.rng
        for chan in self.report_channels:
            chan.page_size = rng.choice([10, 12, 15, 20])
            if chan.placement == "report_channel":
                continue
            pages = (
                rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12])
                if chan.placement != "notices_only"
                else rng.randint(3, 12)
            )
            wanted = min((pages - 1) * chan.page_size + rng.randint(1, chan.page_size), 160)
            chan.items.extend(self._near_item() for _ in range(rng.randint(1, 4)))
            chan.items.extend(self._news_item() for _ in range(max(wanted - len(chan.items), 0)))
        budget = MAX_ITEMS - sum(len(c.items) for c in self.report_channels)
        leaves = [c for c in self._all_channels() if not c.container and c not in self.report_channels]
        for chan in leaves:
            chan.page_size = rng.choice([10, 15, 20])
            count = min(rng.randint(4, 25), max(budget // max(len(leaves), 1), 3))
            chan.items = [
                self._near_item() if rng.random() < 0.08 else self._news_item() for _ in range(count)
            ]
        for chan in self._all_channels():
            chan.items.sort(key=lambda i: i.date, reverse=True)

    def _all_channels(self) -> list[Channel]:
        out: list[Channel] = []
        stack = list(reversed(self.sections))
        while stack:
            chan = stack.pop()
            out.append(chan)
            stack.extend(reversed(chan.children))
        return out

    # ------------------------------------------------------------------ rendering

    def render(self) -> None:
        used: set[str] = set()
        for chan in self._all_channels():
            if chan.container:
                continue
            self._pick_idiom(chan, used)
            before = set(self.portal.pages)
            LIST_IDIOMS[chan.idiom](self, chan)
            self.portal.channel_pages.extend(
                k
                for k in self.portal.pages.keys() - before
                if k not in self._articles and self.portal.pages[k].content_type == "text/html"
            )
        for chan in self._all_channels():
            if chan.container:
                self._section_page(chan)
        self._robots_and_drafts()
        self.chrome.nav = [(s.name, s.entry) for s in self.sections]
        self._home()
        self._extras()
        self._fill_nav()
        self._tag_reports()

    def _fill_nav(self) -> None:
        """Put the section links into every page's nav (entries are known only after rendering)."""
        links = nav_links(self.chrome)
        # breadcrumbs link channel directories; where the list does not live at dir/index.html, link the entry
        moved = [
            (f'href="{c.dir}"'.encode(), f'href="{esc(c.entry)}"'.encode())
            for c in self._all_channels()
            if c.entry and c.dir + "index.html" not in self.portal.pages
        ]
        for page_ in self.portal.pages.values():
            if page_.content_type == "text/html":
                encoding = page_.charset or "gbk"
                page_.body = page_.body.replace(
                    NAV_MARK.encode(), links.encode(encoding, "xmlcharrefreplace")
                )
                for old, new in moved:
                    page_.body = page_.body.replace(old, new)

    def _pick_idiom(self, chan: Channel, used: set[str]) -> None:
        rng = self.rng
        names = [n for n in LIST_IDIOMS if n not in used]
        if chan.row_style == "table":
            names = [n for n in names if n not in OWN_ROWS or n == "gkmlpt"]
        if not chan.has_reports():  # plain leaves: keep the dynamic idioms for report channels
            names = [n for n in names if n not in ONCE_PER_PORTAL] if rng.random() < 0.8 else names
        chan.idiom = rng.choice(names)
        if chan.idiom in ONCE_PER_PORTAL:
            used.add(chan.idiom)
        if chan.idiom not in OWN_ROWS and chan.row_style != "table":
            chan.row_style = pick_row_style(rng)
        chan.truncate = chan.idiom not in OWN_ROWS and rng.random() < 0.3

    def _section_page(self, chan: Channel) -> None:
        blocks = []
        for child in chan.children:
            target = child.entry or child.dir
            preview = ""
            if child.items and self.rng.random() < 0.5:
                preview = rows_html(
                    Channel(child.name, child.token, child.dir, child.depth),
                    child.items[:3],
                    self.agency.name,
                    base_dir="/",
                )
            blocks.append(
                f'<div class="block"><h3><a href="{esc(target)}">{esc(child.name)}</a>'
                f'<a class="more" href="{esc(target)}">更多&gt;&gt;</a></h3>{preview}</div>'
            )
        chan.entry = chan.dir + "index.html"
        self.write(chan.entry, page(self.chrome, chan.title, chan.crumbs, "".join(blocks)))

    def _home(self) -> None:
        leaves = [c for c in self._all_channels() if not c.container and c.items]
        blocks = []
        for chan in self.rng.sample(leaves, min(len(leaves), 3)):
            latest = [i for i in chan.items[:6] if i.kind == "news"]
            rows = (
                "".join(
                    f'<li><a href="{esc(i.href)}">{esc(i.title)}</a><span>{i.date[5:]}</span></li>'
                    for i in latest
                )
                if chan.idiom not in {"vsb", "js_shell", "gkmlpt"}
                else ""
            )
            blocks.append(
                f'<div class="block"><h3><a href="{esc(chan.entry)}">{esc(chan.name)}</a></h3>'
                f"<ul>{rows}</ul></div>"
            )
        links = (
            '<a href="/rss.xml">RSS订阅</a> <a href="mailto:zwgk@example.gov.cn">联系邮箱</a> '
            '<a href="javascript:void(0)">无障碍浏览</a> <a href="/login.jsp">用户登录</a>'
        )
        body = "".join(blocks) + f'<div class="links">{links}{self._draft_link}</div>'
        self.write("/index.html", page(self.chrome, self.chrome.site_name, [], body))

    _draft_link = ""

    def _robots_and_drafts(self) -> None:
        rng = self.rng
        if rng.random() < 0.3:
            return
        hidden = rng.choice(["/oa/", "/private/", "/admin/", "/cms/preview/"])
        lines = ["User-agent: *", f"Disallow: {hidden}"]
        if rng.random() < 0.3:
            lines.append(f"Crawl-delay: {rng.choice(['0.2', '0.3', '0.4', '0.5'])}")
            self.portal.idioms.append("crawl_delay")
        self.portal.robots = "\n".join(lines) + "\n"
        self.portal.idioms.append("robots")
        year = rng.randint(2020, 2025)
        draft = f"{hidden}draft/{self.new_id()}.html"
        title = f"【征求意见稿】{self.agency.name}{year}年法治政府建设年度报告"
        paragraphs = texts.report_paragraphs(rng, self.agency, year, self.portal.seed)
        self.write(draft, article_html(self.chrome, title, f"{year + 1}-01-05", paragraphs, [], rng))
        self.portal.forbidden.append(draft)
        self._draft_link = f' <a href="{draft}">内部办公：{esc(title)}</a>'

    def _extras(self) -> None:
        contact = f"<p>地址：{esc(self.agency.place)}行政中心 电话：0577-12345678</p>"
        self.write(
            "/lxwm/index.html", page(self.chrome, "联系我们", [("联系我们", "/lxwm/index.html")], contact)
        )
        links = "".join(f'<li><a href="{esc(c.entry)}">{esc(c.name)}</a></li>' for c in self._all_channels())
        if self.rng.random() < 0.4:  # a site map links every channel from depth 2
            self.portal.idioms.append("site_map")
        else:
            links = "".join(f'<li><a href="{esc(c.entry)}">{esc(c.name)}</a></li>' for c in self.sections)
        self.write(
            "/wzdt/index.html",
            page(self.chrome, "网站地图", [("网站地图", "/wzdt/index.html")], f"<ul>{links}</ul>"),
        )

    def _tag_reports(self) -> None:
        portal_tags = [t for t in self.portal.idioms if t in {"robots", "crawl_delay"}]
        if self.gbk:
            portal_tags.append("gbk")
        for report, chan, item in self._placed:
            pages = len(chan.chunks())
            report.idioms = sorted(
                {
                    chan.idiom,
                    f"{chan.idiom}/{chan.variant}",
                    chan.placement,
                    f"depth{chan.depth}",
                    "pages_1" if pages == 1 else "pages_2-5" if pages <= 5 else "pages_6-12",
                    *item.tags,
                    *portal_tags,
                    *(["truncated_titles"] if chan.truncate else []),
                }
            )
        self.portal.idioms = sorted(
            {*self.portal.idioms, *portal_tags, *(t for r in self.portal.reports for t in r.idioms)}
        )


def _wrap(paragraphs: list[str], width: int = 38) -> list[str]:
    return [p[i : i + width] for p in paragraphs for i in range(0, len(p), width)][:60]
