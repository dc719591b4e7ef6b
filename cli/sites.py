"""`fzwatch sites …`: the site registry and each site's health."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.context import Ctx, pass_ctx, print_json, print_table, user_errors
from crawler.outcomes import error_zh
from parsers.clock import format_beijing
from scheduler.registry import bundled_registry_files, load_registry_file, stored_site_problem, validate_site
from storage.health import STATE_LABELS, display_state
from storage.models import Site
from storage.sites import get_site, last_runs, list_sites, remove_site, report_counts, upsert_site


@click.group("sites")
def sites_group() -> None:
    """管理监测站点（站点登记表）。"""


@sites_group.command("add")
@click.argument("url")
@click.option("--name", help="发布机构或网站名称，如 泰顺县司法局（新站点必填）")
@click.option("--region", default=None, help="行政区划，如 浙江省温州市泰顺县")
@click.option("--id", "site_id", help="站点 ID（默认由域名生成）")
@click.option("--interval", default=None, help="抓取间隔：90s、15m、6h、1d（新站点默认 1d）")
@click.option(
    "--notify-existing", is_flag=True, help="首次抓取也通知已有报告（默认首次抓取只作基线，不发 new_report）"
)
@click.option("--update", is_flag=True, help="该 ID 已存在时更新它（只改本次给出的字段，其余保留）")
@pass_ctx
@user_errors
def add(
    ctx: Ctx,
    url: str,
    name: str | None,
    region: str | None,
    site_id: str | None,
    interval: str | None,
    notify_existing: bool,
    update: bool,
) -> None:
    """登记一个站点；ID 已存在时需加 --update。"""
    probe = validate_site({"id": site_id, "name": name or "-", "start_urls": [url]})
    with ctx.tx() as s:
        existing = s.get(Site, probe["id"])
        if existing is not None and not update:
            raise click.ClickException(
                f"站点 {probe['id']} 已存在（{existing.name}）：如要修改请加 --update；"
                "其他站点请用 --id 指定新 ID"
            )
        if existing is None and not name:
            raise click.UsageError("新站点需要 --name")
        entry = _merged_entry(existing, url, name, region, probe["id"], interval, notify_existing)
        site, created = upsert_site(s, validate_site(entry))
    click.echo(f"{'已添加' if created else '已更新'}站点 {site.id}（{site.name}）")


def _merged_entry(
    existing: Site | None,
    url: str,
    name: str | None,
    region: str | None,
    site_id: str,
    interval: str | None,
    notify_existing: bool,
) -> dict[str, Any]:
    """The entry as given, with every field not given kept from the existing site."""
    options = dict(existing.options or {}) if existing else {}
    if notify_existing:
        options["notify_existing"] = True
    return {
        "id": site_id,
        "start_urls": [url],
        "options": options,
        "name": name or (existing.name if existing else ""),
        "region": region if region is not None else (existing.region if existing else ""),
        "interval": interval or (f"{existing.interval_seconds}s" if existing else "1d"),
        "cron": existing.cron if existing else None,
    }


@sites_group.command("import")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--bundled", is_flag=True, help="导入随附的站点登记表 sites/*.yaml")
@pass_ctx
@user_errors
def import_(ctx: Ctx, files: tuple[Path, ...], bundled: bool) -> None:
    """从 YAML 文件导入站点（按 ID 更新已有站点）。"""
    paths = list(files) + (bundled_registry_files() if bundled else [])
    if not paths:
        raise click.UsageError("give at least one YAML file, or --bundled")
    specs = [spec for path in paths for spec in load_registry_file(path)]  # validate all before writing
    created = 0
    with ctx.tx() as s:
        for spec in specs:
            created += upsert_site(s, spec)[1]
    click.echo(f"已导入 {len(specs)} 个站点（新增 {created}，更新 {len(specs) - created}）")


@sites_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def list_(ctx: Ctx, as_json: bool) -> None:
    """列出站点及其健康状况。"""
    with ctx.tx() as s:
        sites, counts, runs = list_sites(s), report_counts(s), last_runs(s)
        # An entry stored before entries were validated (e.g. a bad cron) is shown, not scheduled.
        problems = {x.id: stored_site_problem(x.cron, x.interval_seconds) for x in sites}
        rows = [
            {
                "id": x.id,
                "name": x.name,
                "region": x.region,
                "enabled": x.enabled,
                "state": "invalid" if problems.get(x.id) else display_state(x.state, x.verdict),
                "verdict": x.verdict,
                "verdict_reason": problems.get(x.id) or x.verdict_reason,
                "interval_seconds": x.interval_seconds,
                "last_crawl_at": x.last_crawl_at.isoformat() if x.last_crawl_at else None,
                "last_pages": (runs[x.id].stats or {}).get("pages") if x.id in runs else None,
                "reports": counts.get(x.id, 0),
                "consecutive_failures": x.consecutive_failures,
                "last_error": x.last_error,
            }
            for x in sites
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        [
            [
                r["id"],
                r["name"],
                r["region"],
                STATE_LABELS.get(r["state"], r["state"]) if r["enabled"] else "已停用",
                format_beijing(r["last_crawl_at"]) or "-",
                r["last_pages"],
                r["reports"],
                error_zh(r["last_error"])
                or (r["verdict_reason"] if r["state"] in ("no_reports", "suspect", "invalid") else None),
            ]
            for r in rows
        ],
        ["ID", "名称", "地区", "状态", "最近抓取（北京时间）", "页数", "报告数", "错误/说明"],
    )


@sites_group.command("remove")
@click.argument("site_id")
@click.option("--purge", is_flag=True, help="连同该站点已存的报告、版本和历史一并删除（不可恢复）")
@click.option("--yes", is_flag=True, help="不再询问确认")
@pass_ctx
@user_errors
def remove(ctx: Ctx, site_id: str, purge: bool, yes: bool) -> None:
    """停用一个站点（保留其报告与历史）；加 --purge 才连同报告删除。"""
    with ctx.tx() as s:
        site = get_site(s, site_id)
        reports = report_counts(s).get(site.id, 0)
    what = (
        f"删除站点 {site_id} 及其 {reports} 份报告和全部历史"
        if purge
        else f"停用站点 {site_id}（保留其 {reports} 份报告）"
    )
    if not yes and not click.confirm(f"确定要{what}吗？", default=False, err=True):
        raise click.ClickException("已取消，未做任何改动")
    with ctx.tx() as s:
        if purge:
            remove_site(s, site_id)
        else:
            get_site(s, site_id).enabled = False
    click.echo(
        f"已删除站点 {site_id} 及其报告"
        if purge
        else f"已停用站点 {site_id}：不再抓取，报告与历史保留（`fzwatch sites add … --id {site_id} --update` 可重新启用；"
        "`--purge` 可彻底删除）"
    )


def register(cli: click.Group) -> None:
    cli.add_command(sites_group)
