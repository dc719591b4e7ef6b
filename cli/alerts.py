"""`fzwatch subscribe / subscriptions / unsubscribe / notify / events`."""

from __future__ import annotations

import click

from cli.context import Ctx, pass_ctx, print_json, print_table, user_errors
from storage.subscriptions import add_subscription, deactivate_subscription, get_subscription, list_subscriptions

from scheduler.alerts import EVENT_KINDS


def _split(values: tuple[str, ...]) -> list[str] | None:
    items = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return items or None


def _check_events(events: list[str] | None) -> None:
    unknown = sorted(set(events or []) - set(EVENT_KINDS))  # EVENT_KINDS: kind -> Chinese label
    if unknown:
        raise click.BadParameter(f"unknown event(s) {', '.join(unknown)}; choose from {', '.join(EVENT_KINDS)}",
                                 param_hint="--event")


@click.command("subscribe")
@click.argument("urls", nargs=-1, required=True)
@click.option("--site", "sites", multiple=True, help="只关注这些站点（可重复或用逗号分隔；默认全部）")
@click.option("--event", "events", multiple=True, help="事件类型（默认全部）：" + ", ".join(EVENT_KINDS))
@click.option("--region", "region_prefix", help="地区前缀，如 浙江省温州市")
@click.option("--agency", "agency_contains", help="发布机构包含")
@click.option("--year", type=int, help="报告年度")
@click.option("--keyword", "keywords", multiple=True, help="报告正文必须包含的关键词")
@click.option("--name", default="", help="订阅名称")
@pass_ctx
@user_errors
def subscribe(ctx: Ctx, urls: tuple[str, ...], sites: tuple[str, ...], events: tuple[str, ...],
              region_prefix: str | None, agency_contains: str | None, year: int | None,
              keywords: tuple[str, ...], name: str) -> None:
    """订阅通知：URLS 是一个或多个 apprise 地址（json://、mailto://、dingtalk://、wecombot://…）。"""
    import apprise

    from scheduler.alerts.channels import mask_url

    for url in urls:
        if apprise.Apprise.instantiate(url) is None:
            raise click.BadParameter(f"not a valid apprise URL: {mask_url(url)}", param_hint="URLS")
    event_list = _split(events)
    _check_events(event_list)
    filters = {"events": event_list, "sites": _split(sites), "region_prefix": region_prefix,
               "agency_contains": agency_contains, "year": year, "keywords": list(keywords) or None}
    with ctx.tx() as s:
        for site_id in filters["sites"] or []:
            from storage.sites import get_site

            get_site(s, site_id)
        sub = add_subscription(s, list(urls), {k: v for k, v in filters.items() if v is not None}, name=name)
    click.echo(f"已创建订阅 {sub.id}")


@click.command("subscriptions")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def subscriptions(ctx: Ctx, as_json: bool) -> None:
    """列出订阅（通知地址只显示协议和主机）。"""
    from scheduler.alerts.channels import mask_url

    with ctx.tx() as s:
        rows = [{"id": x.id, "name": x.name, "targets": [mask_url(u) for u in x.urls], "filters": x.filters,
                 "mode": x.mode, "source": x.source} for x in list_subscriptions(s)]
    if as_json:
        print_json(rows)
        return
    print_table([[r["id"], r["name"], ", ".join(r["targets"]), ",".join(r["filters"].get("events") or ["全部"]),
                  ",".join(r["filters"].get("sites") or ["全部"]), r["mode"]] for r in rows],
                ["ID", "名称", "通知地址", "事件", "站点", "方式"])


@click.command("unsubscribe")
@click.argument("sub_id", type=int)
@pass_ctx
@user_errors
def unsubscribe(ctx: Ctx, sub_id: int) -> None:
    """取消订阅。"""
    with ctx.tx() as s:
        deactivate_subscription(s, sub_id)
    click.echo(f"已取消订阅 {sub_id}")


@click.group("notify")
def notify() -> None:
    """通知：测试发送、投递记录。"""


@notify.command("test")
@click.argument("sub_id", type=int)
@pass_ctx
@user_errors
def notify_test(ctx: Ctx, sub_id: int) -> None:
    """立即向订阅的每个地址发送一条测试消息。"""
    from scheduler.alerts.channels import mask_url, send_test

    with ctx.tx() as s:
        urls = list(get_subscription(s, sub_id).urls)
    failed = 0
    for url in urls:
        result = send_test(url)
        failed += not result.ok
        click.echo(f"{mask_url(url)}：{'发送成功' if result.ok else '发送失败：' + (result.error or '')}")
    if failed:
        raise SystemExit(1)


@notify.command("log")
@click.option("--failed", is_flag=True, help="只显示失败或重试中的投递")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def notify_log(ctx: Ctx, failed: bool, limit: int, as_json: bool) -> None:
    """通知发件箱：发送了什么、发给谁、何时、尝试次数、最后错误。"""
    from scheduler.alerts.channels import mask_url
    from storage.outbox import outbox_log

    with ctx.tx() as s:
        rows = outbox_log(s, failed_only=failed, limit=limit)
    for r in rows:
        r["url"] = mask_url(r["url"])
    if as_json:
        print_json(rows)
        return
    status_zh = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败"}
    print_table([[r["id"], r["kind"], r["subscription_id"], r["url"], status_zh.get(r["status"], r["status"]),
                  r["attempts"], (r["sent_at"] or "")[:19], r["last_error"]] for r in rows],
                ["ID", "事件", "订阅", "地址", "状态", "尝试", "发送时间", "最后错误"])


@click.command("events")
@click.option("--limit", default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def events(ctx: Ctx, limit: int, as_json: bool) -> None:
    """最近的事件（新报告、修订、站点故障…）。"""
    from storage.events import recent_events

    with ctx.tx() as s:
        rows = recent_events(s, limit)
    if as_json:
        print_json(rows)
        return
    print_table([[r["id"], r["created_at"][:19], r["kind"], r["site_id"], r["payload"].get("title", "")]
                 for r in rows], ["ID", "时间", "事件", "站点", "标题"])


def register(cli: click.Group) -> None:
    for command in (subscribe, subscriptions, unsubscribe, notify, events):
        cli.add_command(command)
