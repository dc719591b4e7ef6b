"""`fzwatch sites …`: the site registry and each site's health."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from cli.context import Ctx, pass_ctx, print_json, print_table, user_errors
from scheduler.registry import bundled_registry_files, load_registry_file, validate_site
from storage.health import display_state
from storage.sites import last_runs, list_sites, remove_site, report_counts, upsert_site

BEIJING = ZoneInfo("Asia/Shanghai")
# `state` as shown: ok/failing/blocked, or a working site's verdict (storage/health.py).
STATE_ZH = {"new": "未抓取", "ok": "正常", "failing": "故障", "blocked": "被拦截",
            "no_reports": "未发现报告", "suspect": "可能遗漏"}


def _beijing(iso: str | None) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@click.group("sites")
def sites_group() -> None:
    """管理监测站点（站点登记表）。"""


@sites_group.command("add")
@click.argument("url")
@click.option("--name", required=True, help="发布机构或网站名称，如 泰顺县司法局")
@click.option("--region", default="", help="行政区划，如 浙江省温州市泰顺县")
@click.option("--id", "site_id", help="站点 ID（默认由域名生成）")
@click.option("--interval", default="1d", show_default=True, help="抓取间隔：90s、15m、6h、1d")
@click.option("--notify-existing", is_flag=True,
              help="首次抓取也通知已有报告（默认首次抓取只作基线，不发 new_report）")
@pass_ctx
@user_errors
def add(ctx: Ctx, url: str, name: str, region: str, site_id: str | None, interval: str, notify_existing: bool) -> None:
    """登记一个站点。"""
    entry = {"id": site_id, "name": name, "region": region, "start_urls": [url], "interval": interval}
    if notify_existing:
        entry["options"] = {"notify_existing": True}
    spec = validate_site(entry)
    with ctx.tx() as s:
        site, created = upsert_site(s, spec)
    click.echo(f"{'已添加' if created else '已更新'}站点 {site.id}（{site.name}）")


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
        rows = [{
            "id": x.id, "name": x.name, "region": x.region, "enabled": x.enabled,
            "state": display_state(x.state, x.verdict), "verdict": x.verdict, "verdict_reason": x.verdict_reason,
            "interval_seconds": x.interval_seconds, "last_crawl_at": x.last_crawl_at.isoformat() if x.last_crawl_at else None,
            "last_pages": (runs[x.id].stats or {}).get("pages") if x.id in runs else None,
            "reports": counts.get(x.id, 0), "consecutive_failures": x.consecutive_failures, "last_error": x.last_error,
        } for x in sites]
    if as_json:
        print_json(rows)
        return
    print_table([[r["id"], r["name"], r["region"], STATE_ZH.get(r["state"], r["state"]),
                  _beijing(r["last_crawl_at"]), r["last_pages"], r["reports"],
                  r["last_error"] or (r["verdict_reason"] if r["state"] in ("no_reports", "suspect") else None)]
                 for r in rows],
                ["ID", "名称", "地区", "状态", "最近抓取（北京时间）", "页数", "报告数", "错误/说明"])


@sites_group.command("remove")
@click.argument("site_id")
@pass_ctx
@user_errors
def remove(ctx: Ctx, site_id: str) -> None:
    """删除一个站点（及其已存的报告）。"""
    with ctx.tx() as s:
        remove_site(s, site_id)
    click.echo(f"已删除站点 {site_id}")


def register(cli: click.Group) -> None:
    cli.add_command(sites_group)
