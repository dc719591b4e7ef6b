"""`fzwatch indicators`, `fzwatch coverage`, `fzwatch reparse`: what the reports say, who has published."""

from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from cli.context import Ctx, pass_ctx, print_json, print_table, user_errors
from cli.filters import check_filters
from parsers.clock import beijing_date, format_beijing
from parsers.numbers import plain_decimal

_INDICATOR_COLUMNS = [
    "report_id",
    "site",
    "agency",
    "region",
    "year",
    "key",
    "label",
    "value",
    "unit",
    "scope",
    "period",
    "approx",
    "headline",
    "ambiguous",
    "role",
    "text",
]
_STATUS_LABELS = {
    "on_time": "按时公开",
    "late": "逾期公开",
    "published": "已公开（日期不详）",
    "missing": "逾期未公开",
    "not_due": "未到截止日",
    "unchecked": "未核实（尚未成功抓取）",
}


def csv_bytes(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    """CSV that Excel opens cleanly: UTF-8 with a BOM, CRLF line ends, every column present."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    return buf.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return "、".join(str(x) for x in value)
    return "" if value is None else value


def _emit_bytes(data: bytes, output: Path | None) -> None:
    if output is not None:
        output.write_bytes(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _json_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exact values as strings ("278459300", "99.78"): never a float, never 2.78459e+08."""
    return [{k: plain_decimal(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows]


def _kind(row: dict[str, Any]) -> str:
    if row["headline"]:
        return "首要（存疑）" if row["ambiguous"] else "首要"
    return "分项" if row["role"] == "component" else "提及"


@click.command("indicators")
@click.option("--site", "site_id", help="站点 ID")
@click.option("--agency", help="发布机构包含")
@click.option("--key", help="指标键，如 reconsideration_correction_rate（--list-keys 列出全部）")
@click.option("--year", type=int, help="报告所属年度")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="写入文件（csv/json）")
@click.option("--mentions", is_flag=True, help="列出全部提及（默认只列每份报告每项指标的首要数值）")
@click.option("--list-keys", is_flag=True, help="列出全部指标键、名称和单位")
@pass_ctx
@user_errors
def indicators(
    ctx: Ctx,
    site_id: str | None,
    agency: str | None,
    key: str | None,
    year: int | None,
    fmt: str,
    output: Path | None,
    mentions: bool,
    list_keys: bool,
) -> None:
    """报告中的数字指标（每份报告的最新版本）：默认每项指标一个首要数值，--mentions 列出全部提及。
    CSV 为带 BOM 的 UTF-8，可直接用 Excel 打开。"""
    if list_keys:
        from parsers.indicators import list_indicators

        print_table(
            [[d.key, d.label, "、".join(u or "（比值）" for u in d.units)] for d in list_indicators()],
            ["键", "名称", "单位"],
        )
        return
    from storage.reports import indicator_rows

    with ctx.tx() as s:
        check_filters(s, site_id=site_id, year=year, key=key)
        rows = indicator_rows(s, site_id=site_id, agency=agency, key=key, year=year, mentions=mentions)
    if fmt == "csv":
        _emit_bytes(csv_bytes(rows, _INDICATOR_COLUMNS), output)
        return
    if fmt == "json":
        import json

        text = json.dumps(_json_rows(rows), ensure_ascii=False, indent=2)
        if output is not None:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            print_json(_json_rows(rows))
        return
    if not rows:
        click.echo("没有符合条件的指标。")
        return
    table = [
        [
            r["report_id"],
            r["year"],
            r["agency"],
            r["label"],
            plain_decimal(r["value"]) + (r["unit"] or ""),
            ("约" if r["approx"] else ""),
            r["scope"] or "",
            r["period"] or "",
            _kind(r),
        ]
        for r in rows
    ]
    print_table(table, ["报告", "年度", "发布机构", "指标", "数值", "近似", "范围", "期间", "类型"])


@click.command("coverage")
@click.option("--year", type=int, required=True, help="报告所属年度")
@click.option("--region", help="地区前缀，如 浙江省温州市")
@click.option(
    "--check",
    "check",
    is_flag=True,
    help="同时运行逾期检查：对逾期未公开者发出 report_overdue 提醒（每者一次）",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="写入文件（csv/json）")
@pass_ctx
@user_errors
def coverage(ctx: Ctx, year: int, region: str | None, check: bool, fmt: str, output: Path | None) -> None:
    """某年度报告的公开情况：谁已公开（按时/逾期）、谁未公开、内容是否齐全。"""
    from scheduler.conditions import raise_overdue_events
    from storage.coverage import coverage as coverage_rows
    from storage.coverage import coverage_summary

    with ctx.tx() as s:
        check_filters(s, year=year, region=region)
    raised = raise_overdue_events(ctx.db, year=year) if check else 0  # short write transactions
    with ctx.tx() as s:
        rows = coverage_rows(s, year, region=region)  # judged on today's Beijing date
    summary = coverage_summary(rows)
    if fmt == "csv":
        columns = [
            "site",
            "site_name",
            "region",
            "publisher",
            "expected",
            "status",
            "deadline",
            "report_id",
            "title",
            "published_at",
            "first_seen",
            "on_time",
            "on_time_first_seen",
            "complete",
            "missing_sections",
            "url",
        ]
        _emit_bytes(csv_bytes(rows, columns), output)
        return
    if fmt == "json":
        print_json(
            {"year": year, "region": region, "summary": summary, "overdue_raised": raised, "rows": rows}
        )
        return
    if not rows:
        click.echo("没有符合条件的站点。")
        return
    print_table(
        [
            [
                r["region"],
                r["publisher"],
                _STATUS_LABELS.get(r["status"], r["status"])
                + ("" if r["expected"] else "（其他机构，不计入）"),
                format_beijing(beijing_date(r["published_at"])),
                format_beijing(beijing_date(r["first_seen"])),
                r["deadline"],
                r["complete"],
                r["report_id"],
                _short(r["title"]),
            ]
            for r in rows
        ],
        [
            "地区",
            "发布机构",
            "状态",
            "发布日期",
            "首次发现（北京时间）",
            "截止日",
            "要素齐全",
            "报告",
            "标题",
        ],
    )
    click.echo(
        f"\n{year}年度：应公开 {summary['expected']}，已公开 {summary['published']}（按时 {summary['on_time']}，"
        f"逾期 {summary['late']}，日期不详 {summary['date_unknown']}），未公开 {summary['missing']}，"
        f"未到截止日 {summary['not_due']}，未核实 {summary['unchecked']}，要素齐全 {summary['complete']}"
        + (f"；新发出逾期提醒 {raised} 条" if check else "")
    )


def _short(title: str | None, limit: int = 30) -> str:
    """The report's own title, clipped: a user sees whose report the row shows."""
    return "" if not title else title if len(title) <= limit else title[: limit - 1] + "…"


@click.command("reparse")
@click.argument("report_id", type=int, required=False)
@click.option("--all", "everything", is_flag=True, help="全部已存页面（不只是报告）")
@pass_ctx
@user_errors
def reparse(ctx: Ctx, report_id: int | None, everything: bool) -> None:
    """用当前解析器重新解析已保存的原始页面（含附件），更新报告、指标；只对真实变化产生事件。"""
    if report_id is None and not everything:
        raise click.UsageError("give a REPORT_ID or --all")
    from monitor.reparse import reparse as run_reparse

    with ctx.tx() as s:
        counts = run_reparse(s, report_id=report_id, everything=everything)
    labels = {
        "unchanged": "无变化",
        "updated": "已更新",
        "new_version": "正文提取变化（新增静默版本）",
        "new_report": "新识别为报告",
        "not_a_report_any_more": "不再识别为报告（保留）",
        "no_version": "无版本",
    }
    total = sum(counts.values())
    parts = [f"{labels.get(k, k)} {n}" for k, n in sorted(counts.items())]
    click.echo(f"重新解析 {total} 个页面：" + ("，".join(parts) if parts else "无"))


def register(cli: click.Group) -> None:
    cli.add_command(indicators)
    cli.add_command(coverage)
    cli.add_command(reparse)
