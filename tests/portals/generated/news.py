"""A news day on a generated portal: what changes between two daily crawls when nothing is a report.

``publish_news(portal, day, fraction)`` changes the served portal in place (the server reads
``portal.pages`` on every request): the home page and a share of the list pages get a new row at the
top linking to a new news article, which is served too. Every changed page gets new bytes, so a
conditional GET answers 200 and the crawler reads that list again, follows what is new on it and
re-checks its pagination; the rest still answers 304. Used by ``bench/bench_scale.py`` to measure a
daily crawl that is not free.
"""

from __future__ import annotations

import html
import random

from tests.portals.generated.model import GeneratedPortal, Page

_TITLES = ("县政府召开常务会议研究部署近期重点工作", "我县开展安全生产专项检查", "关于做好冬季防火工作的通知")


def publish_news(portal: GeneratedPortal, day: int, fraction: float) -> list[str]:
    """Publish one news article on ``portal`` for news day ``day``; return the pages that changed."""
    rng = random.Random(f"{portal.seed}/{day}")
    article = f"/news-day/{day}/{rng.randrange(10**6, 10**7)}.html"
    title = f"{rng.choice(_TITLES)}（第{day}期）"
    date = f"2026-03-{day % 28 + 1:02d}"
    portal.pages[article] = Page(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>发布时间：{date}</p><p>{title}。会议强调，要认真抓好各项工作落实。</p>"
        "</body></html>".encode()
    )
    lists = sorted(k for k in portal.channel_pages if k in portal.pages)
    chosen = [portal.home] + rng.sample(lists, round(len(lists) * fraction))
    row = (
        f'<ul class="news-day"><li><a href="{article}">{html.escape(title)}</a> <span>{date}</span></li></ul>'
    )
    changed = []
    for key in chosen:
        page = portal.pages.get(key)
        if page is None or b"<body" not in page.body:
            continue
        charset = page.charset or ("utf-8" if _is_utf8(page.body) else "gbk")
        head, mark, rest = page.body.partition(b"<body")
        tag_end = rest.find(b">") + 1
        insert = row.encode(charset, "xmlcharrefreplace")
        portal.pages[key] = Page(
            head + mark + rest[:tag_end] + insert + rest[tag_end:], page.content_type, page.charset
        )
        changed.append(key)
    return changed


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
