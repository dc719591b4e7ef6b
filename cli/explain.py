"""`fzwatch explain SITE URL`: why a URL was or was not fetched, and what it is judged to be.

In-site or not; robots.txt (fetched live from the URL's host with the fzwatch User-Agent, read by Protego);
what the site's last finished crawl decided for it (crawl_decisions: fetched / skipped and why, priority,
depth, referring page, outcome); and — fetching it now, once — its page kind and classification.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click
from protego import Protego

from cli.context import Ctx, pass_ctx, user_errors
from crawler.netpolicy import in_origins, site_origins
from crawler.settings import USER_AGENT
from parsers import parse_page
from parsers.listing import canonical_url
from parsers.pagekind import KIND_LABELS
from storage.crawl_decisions import url_memory
from storage.errors import UnknownSite
from storage.sites import get_site

BEIJING = ZoneInfo("Asia/Shanghai")
TIMEOUT = 20  # seconds for robots.txt and for the page
MAX_BYTES = 30 * 1024 * 1024  # FZWATCH_ATTACHMENT_MAXSIZE: the largest body the crawler would read

FETCH_REASONS = {
    "start": "起始页",
    "known_report": "已知报告（每次抓取都复查）",
    "revisit": "记住的列表页到期复查",
    "candidate": "候选链接：链接文字像年度报告",
    "report_channel_item": "报告栏目中的条目（标题含“报告/法治/依法行政”）",
    "channel": "栏目链接",
    "pagination": "列表翻页",
    "api": "列表数据接口",
    "extra_hop": "额外一跳：报告栏目旁的页面",
    "search": "站内搜索",
    "attachment": "正文附件",
}
SKIP_REASONS = {
    "offsite": "站外链接，不抓取",
    "budget": "超出本次抓取的页面预算（page_budget）",
    "pattern": "同一 URL 形态的页面过多（防陷阱）",
    "calendar": "日历/日期归档页过多（防陷阱）",
    "depth": "超过最大链接深度（max_depth）",
    "not_due": "以前已判定过，复查时间未到",
    "not_candidate": "普通文章：标题不像报告，也不在报告栏目中",
    "not_promising": "不值得跟进的链接（登录、打印、图片等）",
    "unnamed": "无名称页面，只从起始页或报告栏目跟进",
    "robots": "robots.txt 禁止",
    "extra_hop_budget": "额外一跳的配额已用完",
    "no_new_rows": "翻页不再出现新条目",
}
OUTCOMES = {
    "report": "是年度报告",
    "not_report": "不是年度报告",
    "list": "列表页",
    "shell": "脚本外壳页",
    "challenge": "反爬验证页",
    "not_modified": "未修改（304）",
    "error": "抓取失败",
    "binary": "二进制内容",
}


@click.command("explain")
@click.argument("site_id")
@click.argument("url")
@click.option("--no-fetch", is_flag=True, help="不实时抓取，只说明上次抓取的决定")
@pass_ctx
@user_errors
def explain(ctx: Ctx, site_id: str, url: str, no_fetch: bool) -> None:
    """说明 URL 为什么被抓取或未被抓取，以及它被判定为什么页面。"""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.ClickException(f"无效的 URL：{url}（需要 http:// 或 https:// 开头的完整地址）")
    key = canonical_url(url.strip())
    try:
        with ctx.tx() as session:
            site = get_site(session, site_id)
            spec = {
                "name": site.name,
                "region": site.region,
                "start_urls": list(site.start_urls),
                "options": dict(site.options or {}),
            }
            memory = url_memory(session, site_id, key)
    except UnknownSite:
        raise click.ClickException(f"未知站点：{site_id}（见 `fzwatch sites list`）") from None
    hosts = {urlsplit(u).hostname for u in spec["start_urls"]} | set(
        spec["options"].get("allowed_hosts") or []
    )
    # The crawl's own rule (crawler/netpolicy.py): host and port; another port is another site.
    in_site = in_origins(key, site_origins(spec["start_urls"], spec["options"].get("allowed_hosts") or []))
    click.echo(f"站点：{spec['name']}（{site_id}）\nURL：{key}")
    click.echo(f"站内：{'是' if in_site else '否'}（本站主机：{'、'.join(sorted(h for h in hosts if h))}）")
    allowed = _robots_line(key) if in_site else None
    if not in_site:
        click.echo("robots.txt：未检查（站外链接从不抓取）")
    _last_crawl(memory)
    if no_fetch:
        return
    if not in_site:
        click.echo("现在抓取：不抓取（站外链接，爬虫也从不跟进）")
    elif allowed is False:
        click.echo("现在抓取：不抓取（robots.txt 禁止，爬虫同样遵守）")
    else:
        _fetch_and_judge(key, spec)


def _robots_line(url: str) -> bool | None:
    """Print whether robots.txt allows ``url`` for the fzwatch User-Agent; None when it cannot be read."""
    parts = urlsplit(url)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        status, body, _ = _get(robots_url)
    except OSError as exc:
        click.echo(f"robots.txt：无法获取（{_why(exc)}），爬虫会按 Scrapy 规则处理")
        return None
    if status >= 400:  # no robots.txt: everything is allowed
        click.echo(f"robots.txt：不存在（HTTP {status}），允许抓取")
        return True
    rules = Protego.parse(body.decode("utf-8", errors="replace"))
    allowed = bool(rules.can_fetch(url, USER_AGENT))
    delay = rules.crawl_delay(USER_AGENT)
    extra = f"，Crawl-delay {delay:g} 秒" if delay else ""
    click.echo(f"robots.txt：{'允许' if allowed else '禁止'}（{robots_url}，User-Agent fzwatch{extra}）")
    return allowed


def _last_crawl(memory: dict[str, Any]) -> None:
    run = memory["last_run"]
    decision = memory["decision"]
    if decision is None:
        if run is None:
            click.echo("上次抓取：本站还没有完成过抓取")
        else:
            click.echo(
                f"上次抓取（{_beijing(run['finished_at'])}）：没有遇到这个 URL —— 没有任何已抓取的页面链接到它，"
                "或它超出了记录上限"
            )
    else:
        reasons = FETCH_REASONS if decision["decision"] == "fetched" else SKIP_REASONS
        verb = "已抓取" if decision["decision"] == "fetched" else "未抓取"
        why = reasons.get(decision["reason"], decision["reason"])
        click.echo(f"上次抓取（{_beijing(decision['decided_at'])}）：{verb} —— 原因：{why}")
        details = []
        if decision["priority"] is not None:
            details.append(f"优先级 {decision['priority']}")
        if decision["depth"] is not None:
            details.append(f"深度 {decision['depth']}")
        if decision["source"]:
            details.append(f"来源页面 {decision['source']}")
        if details:
            click.echo("  " + "，".join(details))
        if decision["anchor"]:
            click.echo(f"  链接文字：{decision['anchor']}")
        if decision["outcome"]:
            outcome = OUTCOMES.get(decision["outcome"], decision["outcome"].replace("http_", "HTTP "))
            click.echo(f"  结果：{outcome}" + (f"（{decision['note']}）" if decision["note"] else ""))
    if memory["report"]:
        report = memory["report"]
        click.echo(f"已保存为报告 #{report['id']}：{report['title']}（{report['year'] or '年度不详'}）")
    elif memory["page"]:
        page = memory["page"]
        due = _beijing(page["next_visit_at"]) if page["next_visit_at"] else "每次抓取"
        kind = {
            "detail": "判定为非报告的文章",
            "dead": "失效页面",
            "list": "列表页",
            "api": "列表接口",
            "search": "搜索结果页",
        }.get(page["kind"], page["kind"])
        click.echo(f"爬虫记录：{kind}，下次复查：{due}")


def _fetch_and_judge(url: str, spec: dict[str, Any]) -> None:
    try:
        status, body, headers = _get(url)
    except OSError as exc:
        click.echo(f"现在抓取：失败（{_why(exc)}）")
        return
    click.echo(f"现在抓取：HTTP {status}，{len(body) / 1024:.1f} KB")
    parsed = parse_page(url, body, headers, site_name=spec["name"], region=spec["region"], status=status)
    label = KIND_LABELS.get(parsed.page_kind, parsed.page_kind)
    click.echo(f"页面类型：{label}（{parsed.page_kind}）—— {'；'.join(parsed.page_kind_reasons)}")
    verdict = f"是年度报告（置信度 {parsed.confidence:.2f}）" if parsed.is_report else "不是年度报告"
    click.echo(f"分类：{verdict}")
    click.echo(f"  标题：{parsed.title or '（无）'}")
    click.echo(
        f"  年度：{parsed.year or '不详'}　发布机构：{parsed.agency or '不详'}　发布时间：{parsed.published_at or '不详'}"
    )
    click.echo(f"  理由：{'；'.join(parsed.reasons) or '（无）'}")


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    """One polite GET with the crawler's User-Agent; an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return (
                response.status,
                response.read(MAX_BYTES),
                {k.lower(): v for k, v in response.headers.items()},
            )
    except urllib.error.HTTPError as exc:
        return (
            exc.code,
            exc.read(MAX_BYTES) if exc.fp else b"",
            {k.lower(): v for k, v in exc.headers.items()},
        )


def _why(exc: OSError) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason)[:120]


def _beijing(moment: datetime | None) -> str:
    if moment is None:
        return "时间不详"
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M 北京时间")


def register(cli: click.Group) -> None:
    cli.add_command(explain)
