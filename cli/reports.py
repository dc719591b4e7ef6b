"""`fzwatch reports` and `fzwatch show`: read what was found."""

from __future__ import annotations

import click

from alerting.revisions import unified_diff
from cli.context import Ctx, echo_clean, pass_ctx, print_json, print_table, user_errors
from cli.filters import check_filters
from parsers.clock import beijing_date, format_beijing
from storage.reports import get_report, list_reports, report_indicators, report_versions


@click.command("reports")
@click.option("--year", type=int, help="报告所属年度")
@click.option("--site", "site_id", help="站点 ID")
@click.option("--agency", help="发布机构包含")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def reports(ctx: Ctx, year: int | None, site_id: str | None, agency: str | None, as_json: bool) -> None:
    """列出已发现的年度报告。"""
    with ctx.tx() as s:
        check_filters(s, site_id=site_id, year=year)
        rows = list_reports(s, year=year, site_id=site_id, agency=agency)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("没有符合条件的报告。")
        return
    print_table(
        [
            [
                r["id"],
                r["year"],
                r["agency"],
                r["title"],
                format_beijing(r["published_at"]),
                format_beijing(beijing_date(r["first_seen"])),
                r["versions"],
                r["on_time"],
            ]
            for r in rows
        ],
        ["ID", "年度", "发布机构", "标题", "发布时间", "首次发现", "版本", "按时"],
    )
    click.echo("时间均为北京时间。")


@click.command("show")
@click.argument("report_id", type=int)
@click.option("--versions", is_flag=True, help="列出全部版本")
@click.option("--diff", is_flag=True, help="显示最后两个版本的差异")
@click.option("--text/--no-text", default=True, help="显示正文")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@user_errors
def show(ctx: Ctx, report_id: int, versions: bool, diff: bool, text: bool, as_json: bool) -> None:
    """显示一份报告：元数据、正文、版本与差异。"""
    with ctx.tx() as s:
        report = get_report(s, report_id)
        vs = report_versions(s, report)
        latest = vs[-1]
        indicators = report_indicators(s, report.id, latest.id)
        data = {
            "id": report.id,
            "site": report.site_id,
            "url": report.document.url,
            "title": report.title,
            "agency": report.agency,
            "region": report.region,
            "year": report.year,
            "published_at": report.published_at,
            "first_seen": report.first_seen.isoformat(),
            "on_time": report.on_time,
            "complete": report.complete,
            "sections": report.sections,
            "indicators": [
                {"key": i.key, "value": i.value, "unit": i.unit, "text": i.text} for i in indicators
            ],
            "versions": [
                {"no": v.version_no, "fetched_at": v.fetched_at.isoformat(), "hash": v.content_hash[:12]}
                for v in vs
            ],
            "text": latest.text,
        }
        diff_text = (
            unified_diff(vs[-2].text, latest.text, f"版本{vs[-2].version_no}", f"版本{latest.version_no}")
            if diff and len(vs) > 1
            else None
        )
    if as_json:
        print_json(data | {"diff": diff_text})
        return
    echo_clean(
        f"{data['title']}\n发布机构：{data['agency']}  年度：{data['year']}  "
        f"发布：{format_beijing(data['published_at']) or '未知'}"
        f"  首次发现：{format_beijing(data['first_seen'], label=True)}\n链接：{data['url']}"
    )
    if versions:
        click.echo("\n版本：（抓取时间为北京时间）")
        for v in data["versions"]:
            click.echo(f"  {v['no']}  {format_beijing(v['fetched_at'], seconds=True)}  {v['hash']}")
    if diff:
        echo_clean("\n" + (diff_text or "只有一个版本，没有差异。"))
    if text and not diff:
        echo_clean("\n" + data["text"])


def register(cli: click.Group) -> None:
    cli.add_command(reports)
    cli.add_command(show)
