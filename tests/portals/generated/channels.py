"""The channel tree of a generated portal and the shared helpers list idioms use."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.portals.generated.model import Item
from tests.portals.generated.pages import esc


@dataclass
class Channel:
    name: str
    token: str
    dir: str  # "/zwgk/fzzfjsndbg/"
    depth: int  # links from the home page
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    children: list[Channel] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    idiom: str = ""
    variant: str = ""
    row_style: str = "li"  # li | div | table
    page_size: int = 15
    entry: str = ""  # URL of the first list page, set by the idiom
    title: str = ""  # <title> of list pages
    placement: str = ""  # how reports sit here (dedicated_channel, report_channel, …); "" without reports
    truncate: bool = False  # link text cut with "…", full title only in title=""
    container: bool = False  # holds channels (section page), never items

    def chunks(self) -> list[list[Item]]:
        size = self.page_size
        return [self.items[i : i + size] for i in range(0, len(self.items), size)] or [[]]

    def has_reports(self) -> bool:
        return any(i.kind == "report" for i in self.items)


def query_key(path: str, params: dict[str, object]) -> str:
    """The key a page with a query is stored under: path + sorted query (see serve.page_key)."""
    pairs = sorted((k, str(v)) for k, v in params.items())
    return f"{path}?{urlencode(pairs)}" if pairs else path


def relative(href: str, base_dir: str) -> str:
    return "./" + href[len(base_dir) :] if href.startswith(base_dir) and "?" not in href else href


def link_text(item: Item, chan: Channel) -> str:
    if chan.truncate and len(item.title) > 20:
        return esc(item.title[:18]) + "…"
    return esc(item.title)


def rows_html(
    chan: Channel, items: list[Item], agency: str, base_dir: str | None = None, date_style: int = 0
) -> str:
    """The rows of one list page in the channel's row style."""
    base = base_dir or chan.dir

    def date(item: Item) -> str:
        y, m, d = item.date.split("-")
        return [item.date, f"[{item.date}]", f"{y}年{m}月{d}日", f"{y}/{m}/{d}"][date_style]

    if chan.row_style == "table":
        head = "<tr><th>索引号</th><th>名称</th><th>发布机构</th><th>生成日期</th><th>文号</th></tr>"
        rows = "".join(
            f'<tr><td>{_index_no(item)}</td><td><a href="{esc(relative(item.href, base))}" title="{esc(item.title)}" '
            f'target="_blank">{link_text(item, chan)}</a></td><td>{esc(agency)}</td><td>{date(item)}</td>'
            f"<td>{_doc_no(item)}</td></tr>"
            for item in items
        )
        return f'<table class="gkml-list">{head}{rows}</table>'
    if chan.row_style == "div":
        rows = "".join(
            f'<div class="news-item"><span class="date">{date(item)}</span><a href="{esc(relative(item.href, base))}" '
            f'title="{esc(item.title)}">{link_text(item, chan)}</a></div>'
            for item in items
        )
        return f'<div class="news-list">{rows}</div>'
    rows = "".join(
        f'<li><a href="{esc(relative(item.href, base))}" title="{esc(item.title)}" target="_blank">'
        f"{link_text(item, chan)}</a><span>{date(item)}</span></li>"
        for item in items
    )
    return f'<ul class="list"><!--LIST-->{rows}</ul>'


def _index_no(item: Item) -> str:
    digest = int(hashlib.md5(item.href.encode()).hexdigest()[:6], 16)
    return f"330329-{item.date[:4]}-{digest % 100000:05d}"


def _doc_no(item: Item) -> str:
    if item.kind == "report":
        return ""
    return f"泰政办发〔{item.date[:4]}〕{int(item.date[5:7]) + 3}号" if "通知" in item.title else ""


def pick_row_style(rng: random.Random) -> str:
    return rng.choice(["li", "li", "div", "table"])
