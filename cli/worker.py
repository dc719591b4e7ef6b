"""`fzwatch worker`: a distributed crawl worker (crawler/distributed.py); needs FZWATCH_DB and FZWATCH_BROKER."""

from __future__ import annotations

import logging
import os

import click

from cli.context import Ctx, pass_ctx, user_errors


@click.command("worker")
@click.option(
    "--concurrency", default=2, show_default=True, type=click.IntRange(1, 256), help="同时进行的站点抓取数"
)
@click.option(
    "--crawl-processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="长期运行的抓取进程数（并发的站点抓取分配到这些进程中）",
)
@click.option("--hostname", default=None, help="工作进程名称（默认 fzwatch@主机名）")
@pass_ctx
@user_errors
def worker(ctx: Ctx, concurrency: int, crawl_processes: int, hostname: str | None) -> None:
    """分布式抓取工作进程：从消息队列（FZWATCH_BROKER）领取站点抓取任务，结果直接写入数据库（FZWATCH_DB）。"""
    broker = os.environ.get("FZWATCH_BROKER")
    if not broker:
        raise click.ClickException(
            "未设置 FZWATCH_BROKER（消息队列地址，例如 amqp://guest:guest@rabbitmq:5672//）。"
        )
    # The crawl children get the database URL from the environment, as `fzwatch daemon`'s do.
    os.environ["FZWATCH_DB"] = ctx.db.url_with_password
    # Imported here, not at the top: Celery costs every other command ~0.3 s at start.
    from crawler.distributed import QUEUE, make_app, use_crawl_pool

    # The worker's log says which site it crawls (operators follow a site across hosts with it).
    logging.getLogger().setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)
    app = make_app(broker)
    crawl_processes = min(crawl_processes, concurrency)
    use_crawl_pool(crawl_processes, concurrency)
    click.echo(
        f"抓取工作进程启动：并发 {concurrency}（{crawl_processes} 个抓取进程），队列 {QUEUE}，数据库 {ctx.db.url}",
        err=True,
    )
    # Task threads only wait: the crawls run in the long-lived crawl processes of crawler/worker_pool.py.
    argv = [
        "worker",
        "--pool",
        "threads",
        "--concurrency",
        str(concurrency),
        "--queues",
        QUEUE,
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if hostname:
        argv += ["--hostname", hostname]
    app.worker_main(argv)


def register(cli: click.Group) -> None:
    cli.add_command(worker)
