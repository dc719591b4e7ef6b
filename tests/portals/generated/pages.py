"""HTML chrome of generated portals: page shell (nav, breadcrumb, footer) and article pages, in the
styles the seed pages show (Hanweb-like pipes, Guizhou 扫一扫/上一篇, Jiangsu 来源/累计次数, Guangdong 国徽 nav)."""

from __future__ import annotations

import html
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.portals.generated.texts import FOOTERS, NAV_EXTRA, Agency


@dataclass
class Chrome:
    """A portal's look, fixed per portal."""

    agency: Agency
    site_name: str
    style: int  # 0..3, see article_html
    footer: str
    nav: list[tuple[str, str]] = field(default_factory=list)  # (name, href)
    meta_charset: str | None = "utf-8"  # None: no <meta charset> (GBK pages served bare)
    meta_tags: bool = True

    @classmethod
    def pick(cls, rng: random.Random, agency: Agency) -> Chrome:
        site_name = rng.choice([f"{agency.name}", f"中国{agency.place}", f"{agency.place}人民政府门户网站"])
        footer = rng.choice(FOOTERS).format(a=agency.name, p=agency.place)
        return cls(agency, site_name, rng.randrange(4), footer, meta_tags=rng.random() < 0.6)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def head(chrome: Chrome, title: str, extra: str = "", meta: dict[str, str] | None = None) -> str:
    charset = f'<meta charset="{chrome.meta_charset}">' if chrome.meta_charset else ""
    metas = (
        "".join(f'<meta name="{k}" content="{esc(v)}">' for k, v in (meta or {}).items())
        if chrome.meta_tags
        else ""
    )
    return f"<!DOCTYPE html><html><head>{charset}<title>{esc(title)}</title>{metas}{extra}</head>"


NAV_MARK = "<!--NAV-->"  # replaced by the section links once every channel has its entry URL


def nav_html(chrome: Chrome) -> str:
    extra = " ".join(f'<a href="/">{esc(x.format(p=chrome.agency.place))}</a>' for x in NAV_EXTRA[1:4])
    emblem = "<span>国徽</span>" if chrome.style == 3 else ""
    return (
        f'<div class="header">{emblem}<h1 class="logo">{esc(chrome.site_name)}</h1>'
        f'<div class="search"><form action="/was5/web/search"><input name="searchword"></form></div></div>'
        f'<div class="nav"><a href="/index.html">首页</a> {NAV_MARK} {extra}</div>'
    )


def nav_links(chrome: Chrome) -> str:
    return " ".join(f'<a href="{esc(h)}">{esc(n)}</a>' for n, h in chrome.nav)


def crumb_html(crumbs: list[tuple[str, str]], style: int) -> str:
    sep = [" » ", " > ", " &gt; ", " / "][style]
    label = ["您当前所在的位置: ", "当前位置：", "您的位置：", "当前位置: "][style]
    parts = ['<a href="/index.html">首页</a>'] + [f'<a href="{esc(h)}">{esc(n)}</a>' for n, h in crumbs]
    return f'<div class="crumb">{label}{sep.join(parts)}</div>'


def footer_html(chrome: Chrome) -> str:
    return (
        f'<div class="footer"><a href="/wzdt/index.html">网站地图</a> <a href="/lxwm/index.html">联系我们</a>'
        f"<p>{esc(chrome.footer)}</p></div>"
    )


def page(
    chrome: Chrome,
    title: str,
    crumbs: list[tuple[str, str]],
    body: str,
    extra_head: str = "",
    meta: dict[str, str] | None = None,
) -> str:
    return (
        head(chrome, title, extra_head, meta)
        + "<body>"
        + nav_html(chrome)
        + crumb_html(crumbs, chrome.style)
        + f'<div class="main">{body}</div>'
        + footer_html(chrome)
        + "</body></html>"
    )


def article_html(
    chrome: Chrome,
    title: str,
    date: str,
    paragraphs: list[str],
    crumbs: list[tuple[str, str]],
    rng: random.Random,
    attachments: Sequence[tuple[str, str]] = (),
    views: int = 0,
) -> str:
    """A detail page: title, date/source line, body (TRS_Editor / #zoom), chrome around it."""
    source = rng.choice([chrome.agency.name, chrome.site_name, chrome.agency.place + "司法局"])
    time = f"{date} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}"
    info = [
        f'发布日期：{time} 来源：{esc(source)} 浏览次数：<span class="views">{views}</span>',
        f"发布时间:{time}:{rng.randrange(60):02d}<br>【字体: 大 中 小】 打印",
        f'来源: {esc(source)} 发布时间:{time} 累计次数:<span class="views">{views}</span> 字体:[ 大 中 小 ]',
        "【字体: 大 中 小】【 打印】 【 关闭 】 分享到:" + f"<span>时间：{time}</span>",
    ][chrome.style]
    body_class = rng.choice(
        ['class="TRS_Editor"', 'id="zoom"', 'class="article-content"', 'class="trs_editor_view"']
    )
    paras = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    files = "".join(f'<p>附件：<a href="{esc(h)}">{esc(n)}</a></p>' for n, h in attachments)
    tail = [
        "<p>【打印本页】 【关闭窗口】</p>",
        '<p>扫一扫在手机打开当前页</p><p>上一篇：<a href="/">无</a></p><p>下一篇：<a href="/">无</a></p><p>回到顶部</p>',
        '<p><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></p>',
        "<p>扫一扫在手机打开当前页面</p><p>相关附件</p><p>相关链接</p>",
    ][chrome.style]
    meta = {
        "ArticleTitle": title,
        "PubDate": time,
        "ContentSource": source,
        "SiteName": chrome.site_name,
        "ColumnName": crumbs[-1][0] if crumbs else "",
    }
    body = (
        f'<div class="article"><h1 class="title">{esc(title)}</h1><div class="info">{info}</div>'
        f"<div {body_class}>{paras}{files}</div>{tail}</div>"
    )
    page_title = rng.choice([title, f"{title}_{chrome.site_name}", f"{chrome.site_name}-{title}"])
    return page(chrome, page_title, crumbs, body, meta=meta)
