"""`fzwatch extract`: the parsers alone, on saved pages (one, or a batch in one process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.context import echo_clean, json_line, print_json, user_errors
from parsers.pagekind import KIND_LABELS


def _parse_file(path: Path, url: str, site_name: str | None, region: str | None = None) -> dict[str, Any]:
    from parsers import parse_page
    from parsers.timeliness import is_on_time

    body = path.read_bytes()
    result = parse_page(url, body, None, site_name=site_name, region=region).to_dict()
    # Against the default deadline (4月1日 of year + 1); the registry's per-site deadlines apply in storage.
    result["on_time"] = is_on_time(result["published_at"], result["year"]) if result["is_report"] else None
    return result


@click.command("extract")
@click.argument("page", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default="", help="页面原始 URL（用于日期、附件链接）")
@click.option("--site-name", help="站点名称（页面无发布机构时使用）")
@click.option(
    "--region",
    help="站点所在行政区划，如 浙江省温州市鹿城区（补全发布机构全称：区司法局 → 温州市鹿城区司法局）",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option(
    "--batch", type=click.File("r", encoding="utf-8"), help="每行 `path<TAB>url`；每个页面输出一行 JSON"
)
@user_errors
def extract(
    page: Path | None, url: str, site_name: str | None, region: str | None, as_json: bool, batch: Any
) -> None:
    """对保存的页面（HTML/PDF/DOCX/…）运行解析器。"""
    if batch is not None:
        for n, line in enumerate(batch, 1):
            if not line.strip():
                continue
            path_text, _, line_url = line.rstrip("\n").partition("\t")
            try:
                result = _parse_file(Path(path_text), line_url, site_name, region)
            except OSError as exc:
                result = {"url": line_url, "error": f"line {n}: cannot read {path_text}: {exc.strerror}"}
            click.echo(json_line(result))
        return
    if page is None:
        raise click.UsageError("give a PAGE file or --batch LIST")
    result = _parse_file(page, url, site_name, region)
    if as_json:
        print_json(result)
        return
    echo_clean(
        f"标题：{result['title']}\n发布机构：{result['agency']}  年度：{result['year']}"
        f"  发布：{result['published_at']}\n是否年度报告：{'是' if result['is_report'] else '否'}"
        f"（{'；'.join(result['reasons'])}）\n页面类型：{KIND_LABELS.get(result['page_kind'], '')}"
        f"（{'；'.join(result['page_kind_reasons'])}）\n\n{result['text']}"
    )


def register(cli: click.Group) -> None:
    cli.add_command(extract)
