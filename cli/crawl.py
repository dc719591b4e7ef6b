"""`fzwatch crawl`, `fzwatch recrawl`, `fzwatch daemon`."""

from __future__ import annotations

import os
from typing import Any

import click

from cli.context import Ctx, pass_ctx, print_json, print_table, progress_line, user_errors
from crawler.outcomes import describe
from storage import leases
from storage.health import SUSPECT_VERDICTS, TIER_LABELS, VERDICT_LABELS
from storage.sites import get_site, list_sites, request_recrawl


@click.command("crawl")
@click.argument("site_ids", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="抓取全部启用的站点")
@click.option("--no-deliver", is_flag=True, help="只抓取，不发送通知")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def crawl(ctx: Ctx, site_ids: tuple[str, ...], all_sites: bool, no_deliver: bool, as_json: bool) -> None:
    """在前台抓取站点一次，并发送由此产生的通知（无需守护进程即可配合 cron 使用）。"""
    from dataclasses import asdict

    from crawler.run import crawl_sites
    from scheduler.delivery import drain

    if not site_ids and not all_sites:
        raise click.UsageError("name one or more sites, or --all")
    with ctx.tx() as s:
        ids = (
            [x.id for x in list_sites(s, enabled_only=True)]
            if all_sites
            else [get_site(s, i).id for i in site_ids]
        )
    if not ids:
        raise click.ClickException("no enabled sites (see `fzwatch sites import`)")

    def progress(site_id: str, pages: int, reports: int) -> None:
        progress_line(f"抓取中 {site_id}：已获取 {pages} 页，发现报告 {reports} 份")

    summaries = crawl_sites(
        ids,
        ctx.db.url_with_password,
        "manual",
        progress=progress,
        settings_overrides={"LOG_INSTALL_ROOT_HANDLER": False},
    )
    progress_line("")
    sent = None if no_deliver else drain(ctx.db)
    if as_json:
        print_json(
            {
                "crawls": [asdict(x) | {"stats": {}} for x in summaries],
                "delivered": asdict(sent) if sent else None,
            }
        )
    else:
        status_zh = {
            "ok": "成功",
            "failed": "失败",
            "blocked": "被拦截",
            "interrupted": "被中断",
            "skipped": "跳过（另一进程正在抓取）",
        }
        print_table(
            [
                [
                    x.site_id,
                    _status_text(x, status_zh),
                    VERDICT_LABELS.get(x.verdict or "", "-"),
                    x.pages,
                    x.not_modified,
                    x.reports_seen,
                    x.new_reports,
                    x.revisions,
                    x.errors,
                    _escalation_text(x.escalation),
                ]
                for x in summaries
            ],
            ["站点", "结果", "判断", "请求", "未变(304)", "报告", "新报告", "修订", "错误", "升级抓取"],
        )
        for x in summaries:
            if x.verdict in SUSPECT_VERDICTS:
                click.echo(f"{x.site_id}：{VERDICT_LABELS[x.verdict]}——{x.verdict_reason}")
        if sent:
            click.echo(f"通知：已发送 {sent.sent}，待重试 {sent.retried}，失败 {sent.failed}")
    if any(x.status not in ("ok", "skipped") for x in summaries):
        raise SystemExit(1)


def _status_text(summary: Any, status_zh: dict[str, str]) -> str:
    """'成功' only when nothing went wrong; page errors and the error of a failed crawl are said."""
    text = status_zh.get(summary.status, summary.status)
    if summary.status == "ok" and summary.errors:
        return f"{text}（{summary.errors} 个页面出错，见日志）"
    if summary.status != "failed":
        return text
    refused = summary.stats.get("fzwatch/start_refused")
    return f"{text}（{refused or describe(summary.stats.get('fzwatch/start_error'), zh=True)}）"


def _escalation_text(escalation: dict[str, Any]) -> str:
    """Which escalation tiers ran, with pages and reports: "浏览器渲染 3页/0份, 全站遍历 40页/1份"."""
    tiers = [t for t in escalation.get("tiers") or [] if not t.get("skipped")]
    if not tiers:
        return "未触发" if not escalation.get("bounded_since") else "近期已运行"
    return ", ".join(
        f"{TIER_LABELS.get(t['tier'], t['tier'])} {t['pages']}页/{t['reports']}份" for t in tiers
    )


@click.command("recrawl")
@click.argument("site_id")
@pass_ctx
@user_errors
def recrawl(ctx: Ctx, site_id: str) -> None:
    """请求正在运行的守护进程立即重新抓取一个站点（数秒内开始）。"""
    with ctx.tx() as s:
        request_recrawl(s, site_id)
        daemon = leases.holder(s, leases.SCHEDULER)
    if daemon is not None:
        click.echo(f"已请求重新抓取 {site_id}；守护进程将在数秒内开始。")
    else:
        click.echo(
            f"已记录重新抓取 {site_id} 的请求，但现在没有正在运行的守护进程：它启动后才会执行。"
            f"要立即抓取，请运行 `fzwatch crawl {site_id}`。",
            err=True,
        )


@click.command("daemon")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="同时运行的抓取数（默认 2；设置 FZWATCH_BROKER 时为同时派发给工作进程的抓取数，默认 64）",
)
@click.option(
    "--runner",
    type=click.Choice(["pool", "local"]),
    default="pool",
    show_default=True,
    envvar="FZWATCH_RUNNER",
    help="pool：常驻抓取进程，每个同时抓取多个站点；local：每次抓取一个新进程",
)
@click.option(
    "--worker-processes",
    default=2,
    show_default=True,
    envvar="FZWATCH_WORKER_PROCESSES",
    help="常驻抓取进程数（--runner pool）",
)
@click.option(
    "--sites-per-worker",
    default=8,
    show_default=True,
    envvar="FZWATCH_SITES_PER_WORKER",
    help="每个常驻抓取进程同时抓取的站点数",
)
@click.option("--crawl-timeout", default=3600.0, show_default=True, help="单次抓取超时（秒）")
@click.option("--sync-seconds", default=30.0, show_default=True, help="多久检查一次新增/删除的站点（秒）")
@click.option(
    "--subscriptions",
    "subscriptions_file",
    type=click.Path(exists=True, dir_okay=False),
    envvar="FZWATCH_SUBSCRIPTIONS",
    help="YAML 订阅文件：启动时载入，文件改动后随站点同步重新载入",
)
@pass_ctx
@user_errors
def daemon(
    ctx: Ctx,
    workers: int | None,
    runner: str,
    worker_processes: int,
    sites_per_worker: int,
    crawl_timeout: float,
    sync_seconds: float,
    subscriptions_file: str | None,
) -> None:
    """长期运行：按各站点的计划抓取，处理手动重抓请求，投递通知。SIGTERM/SIGINT 平稳退出。"""
    import logging

    from scheduler.daemon import Daemon, DaemonConfig

    logging.getLogger().setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)
    # APScheduler's routine lines ("Running job … every 2 s") drown what an operator needs; -v keeps them.
    if not ctx.verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    ctx.first_start = True  # a new, empty database is set up on the daemon's first start
    with ctx.tx() as s:
        n = len(list_sites(s, enabled_only=True))
    click.echo(f"守护进程启动：{n} 个站点，数据库 {ctx.db.url}", err=True)
    if workers is None:  # with a broker a daemon thread only waits for a worker's result: many are cheap
        workers = 64 if os.environ.get("FZWATCH_BROKER") else 2
    if worker_processes < 1 or sites_per_worker < 1:
        raise click.UsageError("--worker-processes 和 --sites-per-worker 必须至少为 1")
    Daemon(
        ctx.db,
        DaemonConfig(
            crawl_workers=workers,
            crawl_timeout_seconds=crawl_timeout,
            sync_seconds=sync_seconds,
            subscriptions_file=subscriptions_file,
            runner=runner,
            worker_processes=worker_processes,
            sites_per_worker=sites_per_worker,
        ),
    ).run_forever()


def register(cli: click.Group) -> None:
    for command in (crawl, recrawl, daemon):
        cli.add_command(command)
