"""`fzwatch subscribe / subscriptions / unsubscribe / notify / events`.

apprise URLs are secrets: every listing, message and error shows them through ``mask_url`` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from alerting.messages import EVENT_KINDS
from cli.context import Ctx, pass_ctx, print_json, print_table, user_errors
from parsers.clock import format_beijing
from storage.sites import list_sites
from storage.subscriptions import (
    add_subscription,
    deactivate_subscription,
    get_subscription,
    list_subscriptions,
    update_subscription,
)

FILTER_FIELDS = ("sites", "events", "region", "agency", "year", "indicators", "keywords")


def _split(values: tuple[str, ...]) -> list[str] | None:
    items = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return items or None


def _check_events(events: list[str] | None) -> None:
    unknown = sorted(set(events or []) - set(EVENT_KINDS))  # EVENT_KINDS: kind -> Chinese label
    if unknown:
        raise click.BadParameter(
            f"unknown event(s) {', '.join(unknown)}; choose from {', '.join(EVENT_KINDS)}",
            param_hint="--event",
        )


def _check_urls(urls: tuple[str, ...]) -> None:
    from alerting.urls import is_valid_url, mask_url

    for url in urls:
        if not is_valid_url(url):
            raise click.BadParameter(f"not a valid apprise URL: {mask_url(url)}", param_hint="URLS")


def _indicators(values: tuple[str, ...]) -> dict[str, float | None] | None:
    """``KEY`` (any change) or ``KEY:THRESHOLD`` (absolute change, in the indicator's unit)."""
    out: dict[str, float | None] = {}
    for value in values:
        for item in (v.strip() for v in value.split(",") if v.strip()):
            key, _, threshold = item.partition(":")
            try:
                out[key.strip()] = float(threshold) if threshold.strip() else None
            except ValueError:
                raise click.BadParameter(
                    f"threshold of {key!r} must be a number: {item!r}", param_hint="--indicator"
                ) from None
    from alerting.filters import unknown_indicator_keys

    unknown = unknown_indicator_keys(out)
    if unknown:
        raise click.BadParameter(
            f"unknown indicator key(s) {', '.join(unknown)}; see `fzwatch indicators --list-keys`",
            param_hint="--indicator",
        )
    return out or None


def _digest(spec: str | None, tz: str) -> tuple[str, dict[str, str]] | None:
    from alerting.schedule import parse_digest_option

    if spec is None:
        return None
    try:
        return "digest", parse_digest_option(spec, tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--digest") from None


def _check_sites(ctx: Ctx, sites: list[str] | None) -> None:
    from storage.sites import get_site

    with ctx.tx() as s:
        for site_id in sites or []:
            get_site(s, site_id)


def filter_options(fn: Any) -> Any:
    """The filter and delivery options shared by `subscribe` and `subscriptions edit`."""
    options = [
        click.option("--site", "sites", multiple=True, help="只关注这些站点（可重复或用逗号分隔；默认全部）"),
        click.option(
            "--event", "events", multiple=True, help="事件类型（默认全部）：" + ", ".join(EVENT_KINDS)
        ),
        click.option("--region", "region_prefix", help="地区前缀，如 浙江省温州市"),
        click.option("--agency", "agency_contains", help="发布机关包含，如 司法局"),
        click.option("--year", type=click.IntRange(2000, 2100), help="报告年度"),
        click.option(
            "--indicator",
            "indicators",
            multiple=True,
            metavar="KEY[:THRESHOLD]",
            help="指标变化只要这些指标；THRESHOLD 为该指标的最小变化量（百分比为百分点）",
        ),
        click.option("--keyword", "keywords", multiple=True, help="报告正文须含任一关键词（可重复）"),
        click.option(
            "--digest",
            "digest_spec",
            metavar="SPEC",
            help="汇总发送而非即时：daily@08:30 或 'weekly@mon 08:30'",
        ),
        click.option("--tz", default="Asia/Shanghai", show_default=True, help="汇总时间所在时区"),
        click.option("--name", default=None, help="订阅名称"),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _filters_from(opts: dict[str, Any]) -> dict[str, Any]:
    """Only the filters given on the command line (key → value in SubscriptionFilter spelling)."""
    event_list = _split(opts["events"])
    _check_events(event_list)
    given = {
        "events": event_list,
        "sites": _split(opts["sites"]),
        "region_prefix": opts["region_prefix"],
        "agency_contains": opts["agency_contains"],
        "year": opts["year"],
        "indicator_keys": _indicators(opts["indicators"]),
        "keywords": _split(opts["keywords"]),
    }
    return {k: v for k, v in given.items() if v is not None}


@click.command("subscribe")
@click.argument("urls", nargs=-1, required=True)
@filter_options
@pass_ctx
@user_errors
def subscribe(ctx: Ctx, urls: tuple[str, ...], **opts: Any) -> None:
    """订阅通知：URLS 是一个或多个 apprise 地址（json://、mailto://、dingtalk://、wecombot://…）。"""
    from alerting.filters import SubscriptionFilter

    _check_urls(urls)
    filters = SubscriptionFilter.from_dict(_filters_from(opts)).to_dict()
    mode, digest = _digest(opts["digest_spec"], opts["tz"]) or ("immediate", {})
    _check_sites(ctx, filters.get("sites"))
    with ctx.tx() as s:
        sub = add_subscription(s, list(urls), filters, name=opts["name"] or "", mode=mode, digest=digest)
    click.echo(f"已创建订阅 {sub.id}（{_describe(sub.mode, sub.digest)}）")


def _describe(mode: str, digest: dict[str, Any] | None) -> str:
    from alerting.schedule import describe_delivery

    return describe_delivery(mode, digest)


def _filter_text(filters: dict[str, Any]) -> str:
    """The non-site/event filters in one short Chinese line."""
    parts = []
    if filters.get("region_prefix"):
        parts.append(f"地区:{filters['region_prefix']}*")
    if filters.get("agency_contains"):
        parts.append(f"机关含:{filters['agency_contains']}")
    if filters.get("year"):
        parts.append(f"年度:{filters['year']}")
    indicators = filters.get("indicator_keys") or filters.get("indicators")
    if indicators:
        items = indicators.items() if isinstance(indicators, dict) else ((k, None) for k in indicators)
        parts.append("指标:" + ",".join(k if t is None else f"{k}≥{t:g}" for k, t in items))
    if filters.get("keywords"):
        parts.append("关键词:" + "|".join(filters["keywords"]))
    return " ".join(parts) or "-"


def _row(sub: Any) -> dict[str, Any]:
    from alerting.urls import mask_url

    return {
        "id": sub.id,
        "name": sub.name,
        "targets": [mask_url(u) for u in sub.urls],
        "filters": sub.filters,
        "mode": sub.mode,
        "digest": sub.digest or None,
        "delivery": _describe(sub.mode, sub.digest),
        "source": sub.source,
        "created_at": sub.created_at.isoformat(),
    }


@click.group("subscriptions", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def subscriptions(click_ctx: click.Context, as_json: bool) -> None:
    """列出订阅（通知地址只显示协议和主机）；子命令 edit、load。"""
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(_list_subscriptions, as_json=as_json)


@pass_ctx
@user_errors
def _list_subscriptions(ctx: Ctx, as_json: bool) -> None:
    with ctx.tx() as s:
        rows = [_row(x) for x in list_subscriptions(s)]
    if as_json:
        print_json(rows)
        return
    source_zh = {"cli": "命令行", "yaml": "YAML"}
    print_table(
        [
            [
                r["id"],
                r["name"],
                ", ".join(r["targets"]),
                ",".join(r["filters"].get("events") or ["全部"]),
                ",".join(r["filters"].get("sites") or ["全部"]),
                _filter_text(r["filters"]),
                r["delivery"],
                source_zh.get(r["source"], r["source"]),
            ]
            for r in rows
        ],
        ["ID", "名称", "通知地址", "事件", "站点", "其他条件", "发送方式", "来源"],
    )


_CLEAR_KEYS = {
    "sites": ["sites"],
    "events": ["events"],
    "region": ["region_prefix"],
    "agency": ["agency_contains"],
    "year": ["year"],
    "indicators": ["indicator_keys", "indicators"],
    "keywords": ["keywords"],
}


@subscriptions.command("edit")
@click.argument("sub_id", type=int)
@click.option("--url", "urls", multiple=True, help="用这些 apprise 地址替换原有通知地址（可重复）")
@filter_options
@click.option("--immediate", is_flag=True, help="改为即时发送（取消汇总）")
@click.option(
    "--clear", "clear", multiple=True, type=click.Choice(FILTER_FIELDS), help="去掉某个筛选条件（可重复）"
)
@pass_ctx
@user_errors
def edit(
    ctx: Ctx, sub_id: int, urls: tuple[str, ...], immediate: bool, clear: tuple[str, ...], **opts: Any
) -> None:
    """修改订阅：给出的选项替换原值，--clear 去掉条件，未提及的保持不变。"""
    from alerting.filters import SubscriptionFilter

    if immediate and opts["digest_spec"]:
        raise click.UsageError("--immediate and --digest exclude each other")
    _check_urls(urls)
    given = _filters_from(opts)
    _check_sites(ctx, given.get("sites"))
    with ctx.tx() as s:
        sub = get_subscription(s, sub_id)
        if sub.source == "yaml":
            raise click.ClickException(
                f"subscription {sub_id} is declared in a YAML file; edit the file instead"
            )
        filters = SubscriptionFilter.from_dict(sub.filters).to_dict()
        for name in clear:
            for key in _CLEAR_KEYS[name]:
                filters.pop(key, None)
        filters = SubscriptionFilter.from_dict({**filters, **given}).to_dict()
        changes: dict[str, Any] = {"filters": filters}
        if urls:
            changes["urls"] = list(urls)
        if opts["name"] is not None:
            changes["name"] = opts["name"]
        mode_digest = ("immediate", {}) if immediate else _digest(opts["digest_spec"], opts["tz"])
        if mode_digest:
            changes["mode"], changes["digest"] = mode_digest
        changed = update_subscription(s, sub, **changes)
        row = _row(sub)
    click.echo(
        f"{'已修改' if changed else '未改变'}订阅 {sub_id}：{', '.join(row['targets'])}；{row['delivery']}；"
        f"事件 {','.join(row['filters'].get('events') or ['全部'])}；"
        f"站点 {','.join(row['filters'].get('sites') or ['全部'])}；{_filter_text(row['filters'])}"
    )


@subscriptions.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="只检查文件，不写入数据库")
@pass_ctx
@user_errors
def load(ctx: Ctx, file: Path, check: bool) -> None:
    """从 YAML 文件载入订阅（按 name 更新；文件中删去的订阅被停用）。地址中的 ${VAR} 取自环境变量。"""
    from alerting.filters import load_subscriptions_yaml
    from storage.subscriptions import sync_declared_subscriptions

    with ctx.tx() as s:
        known = [site.id for site in list_sites(s)]
    declared = load_subscriptions_yaml(file, known)  # every problem reported at once, before any write
    if check:
        click.echo(f"{file}：{len(declared)} 个订阅，格式正确")
        return
    with ctx.tx() as s:
        created, removed = sync_declared_subscriptions(s, declared)
    click.echo(
        f"已载入 {len(declared)} 个订阅（新增 {created}，更新 {len(declared) - created}，停用 {removed}）"
    )


@click.command("unsubscribe")
@click.argument("sub_id", type=int)
@pass_ctx
@user_errors
def unsubscribe(ctx: Ctx, sub_id: int) -> None:
    """取消订阅（尚未发送的通知不再发送）。"""
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
    """立即向订阅的每个地址发送一条测试消息，报告成功或对方返回的错误。"""
    from alerting.urls import mask_url
    from scheduler.alerts.channels import send_test

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
    from alerting.urls import mask_url
    from storage.outbox import outbox_log

    with ctx.tx() as s:
        rows = outbox_log(s, failed_only=failed, limit=limit)
    for r in rows:
        r["url"] = mask_url(r["url"])
    if as_json:
        print_json(rows)
        return
    status_zh = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败"}
    print_table(
        [
            [
                r["id"],
                r["event_id"],
                r["kind"],
                r["subscription_id"],
                r["url"],
                status_zh.get(r["status"], r["status"]),
                r["attempts"],
                _when(r),
                (r["last_error"] or "")[:160] or None,
            ]
            for r in rows
        ],
        ["ID", "事件", "类型", "订阅", "地址", "状态", "尝试", "发送/下次尝试（北京时间）", "最后错误"],
    )


def _when(row: dict[str, Any]) -> str:
    """Sent time for sent rows, next attempt for waiting rows, in Beijing time."""
    if row["sent_at"]:
        return format_beijing(row["sent_at"])
    if row["status"] == "pending":
        return "下次 " + format_beijing(row["next_attempt_at"])
    return ""


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
    print_table(
        [
            [
                r["id"],
                format_beijing(r["created_at"], seconds=True),
                r["kind"],
                r["site_id"],
                r["payload"].get("title", ""),
            ]
            for r in rows
        ],
        ["ID", "时间（北京时间）", "事件", "站点", "标题"],
    )


def register(cli: click.Group) -> None:
    for command in (subscribe, subscriptions, unsubscribe, notify, events):
        cli.add_command(command)
