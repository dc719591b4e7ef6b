"""Hostile inputs (issue 12): max time and max RSS of `parse_page` / `read_listing` per input class.

    python bench/bench_adversarial.py [--json]

Each input is built here (small on disk, hostile when read: decompression bombs, quadratic-regex bait,
malformed values) and parsed in a fresh child process, so RSS is that input's alone (ru_maxrss of the
child). The budget the issue sets: no input over 10 s or 1 GB. Figures are recorded in docs/parsers.md.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def _zip(members: dict[str, bytes | str], level: int = 9) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _docx_with(document_xml: str) -> bytes:
    content_types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    return _zip({"[Content_Types].xml": content_types, "word/document.xml": document_xml})


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_bomb() -> bytes:
    para = "<w:p><w:r><w:t>" + "法" * 1000 + "</w:t></w:r></w:p>"
    return _docx_with(f"<w:document {W}><w:body>" + para * 300_000 + "</w:body></w:document>")  # ~900 MB


def docx_gridspan() -> bytes:
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="100000000"/></w:tcPr><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc>'
    return _docx_with(f"<w:document {W}><w:body><w:tbl><w:tr>{cell}</w:tr></w:tbl></w:body></w:document>")


def ofd_page_list() -> bytes:
    listed = "<ofd:Page ID='1' BaseLoc='Pages/Page_0/Content.xml'/>" * 200_000
    page = (
        f"<ofd:Page {NS}><ofd:Content><ofd:Layer><ofd:TextObject Boundary='0 0 1 1'>"
        "<ofd:TextCode X='0' Y='0'>某县法治政府建设年度报告</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
    )
    return _zip(
        {
            "OFD.xml": f"<ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
            "Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
            "Doc_0/Pages/Page_0/Content.xml": page,
        }
    )


def _report_html(body: str) -> bytes:
    """A page the parsers take for a report (title and mandated parts), so indicators are extracted too."""
    parts = (
        "<p>一、2023年主要举措和成效</p>"
        + body
        + "<p>二、存在的不足和原因</p><p>三、党政主要负责人履行推进法治建设"
        "第一责任人职责情况</p><p>四、2024年主要安排</p>"
    )
    return (
        f"<html><head><title>泰顺县2023年法治政府建设年度报告</title></head><body><div id='zoom'>{parts}"
        "</div></body></html>"
    ).encode()


def peak_rss_mb() -> float:
    """VmHWM: this process's own peak (ru_maxrss would carry the parent's peak across fork+exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


INPUTS = {
    "docx 1 GB document.xml (ratio bomb)": ("x.docx", docx_bomb),
    "docx gridSpan=100000000": ("x.docx", docx_gridspan),
    "ofd one page listed 200,000 times": ("x.ofd", ofd_page_list),
    "html 纠错率1%， x 12,000": (
        "x.html",
        lambda: _report_html("<p>" + "全县行政复议纠错率1%，" * 12_000 + "</p>"),
    ),
    "html 一 x 50,000 before 余": ("x.html", lambda: _report_html("<p>培训" + "一" * 50_000 + "余人次</p>")),
    "html 发布时间 + U+2001 runs": (
        "x.html",
        lambda: _report_html("<p>发布时间" + "\u2001\u205f" * 50_000 + "</p>"),
    ),
    "html 5 MB report": (
        "x.html",
        lambda: _report_html("<p>一、主要举措和成效。全县新收行政复议案件105件，纠错率27%。</p>" * 60_000),
    ),
    "html 100,000 nested divs": (
        "x.html",
        lambda: _report_html("<div>" * 100_000 + "报告" + "</div>" * 100_000),
    ),
    "list 50,000 links": (
        "list.html",
        lambda: (
            "<ul>"
            + "".join(
                f"<li><a href='/a/{i}.html'>通知{i}</a><span>2024-03-01</span></li>" for i in range(50_000)
            )
            + "</ul>"
        ).encode(),
    ),
    "pdf claiming 1,000,000 pages": (
        "x.pdf",
        lambda: (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Count 1000000/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
        ),
    ),
}


def child(name: str, path: str) -> None:
    from parsers import parse_page
    from parsers.listing import read_listing

    url_name, _ = INPUTS[name]
    body = Path(path).read_bytes()
    started = time.process_time()
    if url_name.startswith("list"):
        listing = read_listing(f"http://a.gov.cn/{url_name}", body)
        out = {"links": len(listing.links)}
    else:
        page = parse_page(f"http://a.gov.cn/{url_name}", body)
        out = {"chars": len(page.text), "indicators": len(page.indicators), "flags": page.flags[:4]}
    out["cpu_s"] = round(time.process_time() - started, 2)
    out["rss_mb"] = peak_rss_mb()
    print(json.dumps(out, ensure_ascii=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="fzwatch_bench_adversarial_"))
    for name, (_url, build) in INPUTS.items():
        path = tmp / f"input_{len(rows)}"
        path.write_bytes(build())
        wall = time.monotonic()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        result = (
            json.loads(proc.stdout.strip().splitlines()[-1])
            if proc.returncode == 0
            else {"error": proc.stderr[-300:]}
        )
        rows.append(
            {
                "input": name,
                "bytes": path.stat().st_size,
                "wall_s": round(time.monotonic() - wall, 2),
                **result,
            }
        )
        path.unlink()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print(f"{'input':42} {'bytes':>10} {'cpu s':>7} {'RSS MB':>7}  result")
        for r in rows:
            rest = {k: v for k, v in r.items() if k not in ("input", "bytes", "cpu_s", "rss_mb", "wall_s")}
            print(
                f"{r['input']:42} {r['bytes']:>10} {r.get('cpu_s', '-'):>7} {r.get('rss_mb', '-'):>7}  {rest}"
            )
        print(
            f"max cpu {max(r.get('cpu_s', 0) for r in rows)} s, max RSS {max(r.get('rss_mb', 0) for r in rows)} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
