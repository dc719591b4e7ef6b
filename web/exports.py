"""Tables as downloads: CSV (UTF-8 with BOM, so Excel opens Chinese correctly) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook

from web.labels import COVERAGE_ZH, beijing

REPORT_COLUMNS = [
    ("id", "ID"),
    ("year", "年度"),
    ("region", "地区"),
    ("agency", "发布机构"),
    ("title", "标题"),
    ("published_at", "发布日期"),
    ("first_seen", "首次发现（北京时间）"),
    ("on_time", "按时"),
    ("complete", "完整"),
    ("versions", "版本数"),
    ("url", "原文链接"),
    ("site", "站点"),
]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    # A cell starting with = + - @ would run as a formula in Excel (crawled text is untrusted).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, name: str) -> Response:
    rows = [[_cell(v) for v in row] for row in rows]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(list(headers))
        for row in rows:
            sheet.append(row)
        buf = io.BytesIO()
        book.save(buf)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(buf.getvalue(), mime, f"{name}.xlsx")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{name}.csv")


def _download(body: bytes, mime: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mime.split(";")[0],
        headers={"Content-Type": mime, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def reports_table(rows: list[dict[str, Any]], fmt: str) -> Response:
    def cells(row: dict[str, Any]) -> list[Any]:
        return [beijing(row[k], seconds=True) if k == "first_seen" else row.get(k) for k, _ in REPORT_COLUMNS]

    return table([h for _, h in REPORT_COLUMNS], (cells(r) for r in rows), fmt, "reports")


def coverage_table(matrix: list[dict[str, Any]], years: list[int], fmt: str) -> Response:
    headers = ["地区", "站点", "发布机构", "类别"] + [f"{y}年度" for y in years]
    rows = (
        [m["region"], m["site"], m["publisher"], m["kind"]]
        + [COVERAGE_ZH.get(m["cells"].get(str(y), {}).get("status", ""), "") for y in years]
        for m in matrix
    )
    return table(headers, rows, fmt, "coverage")


def indicator_table(pivot: dict[str, Any], fmt: str) -> Response:
    years = pivot["years"]
    headers = ["地区", "站点", "发布机构"] + [f"{y}年度" for y in years] + ["单位"]
    rows = []
    for row in pivot["rows"]:
        cells = [row["years"].get(str(y), {}).get("value") for y in years]
        units = {v["unit"] for v in row["years"].values()}
        rows.append([row["region"], row["site"], row["agency"], *cells, "/".join(sorted(units))])
    return table(headers, rows, fmt, f"indicator-{pivot['key']}")
