"""Attachment readers on hostile and awkward files (issue 10 and 12).

Bomb files are generated here, small on disk; each test asserts a bounded result and a flag,
never a timing. Plus PDF text cleaning (page numbers, running headers, wrapped lines) and RTF
files served as .doc.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from parsers import parse_page
from parsers.documents import (
    MAX_MEMBER_BYTES,
    MAX_PAGES,
    MAX_SPAN,
    clean_pdf_pages,
    doc_text,
    docx_text,
    ofd_text,
    pdf_text,
)

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def _zip(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _docx(tweak: callable = lambda xml: xml) -> bytes:  # type: ignore[valid-type]
    import docx

    document = docx.Document()
    document.add_paragraph("某县司法局2023年法治政府建设年度报告")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "纠错率", "27%"
    buf = io.BytesIO()
    document.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
        members = {name: src.read(name) for name in src.namelist()}
    members["word/document.xml"] = tweak(members["word/document.xml"].decode("utf-8")).encode("utf-8")
    return _zip(members)


def _ofd(page_refs: list[str], pages: dict[str, str], boundary: str = "0 10 100 10") -> bytes:
    listed = "".join(f"<ofd:Page ID='{n}' BaseLoc='{ref}'/>" for n, ref in enumerate(page_refs))
    members: dict[str, bytes | str] = {
        "OFD.xml": f"<ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
    }
    for ref, text in pages.items():
        members[f"Doc_0/{ref}"] = (
            f"<ofd:Page {NS}><ofd:Content><ofd:Layer><ofd:TextObject Boundary='{boundary}'>"
            f"<ofd:TextCode X='0' Y='5'>{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
        )
    return _zip(members)


# ---------------------------------------------------------------- decompression bombs


def test_docx_whose_document_xml_inflates_past_the_member_limit_is_refused_before_reading() -> None:
    bomb = _docx(
        lambda xml: xml.replace(
            "</w:body>",
            "<w:p><w:r><w:t>" + "法" * (MAX_MEMBER_BYTES // 3 + 1) + "</w:t></w:r></w:p></w:body>",
        )
    )
    assert len(bomb) < MAX_MEMBER_BYTES // 100  # small on disk
    text, flags = docx_text(bomb)
    assert text == "" and "too_large" in flags and "docx_member_too_large" in flags


def test_zip_member_with_a_bomb_ratio_is_refused() -> None:
    bomb = _docx(lambda xml: xml.replace("</w:body>", "<!--" + " " * (5 * 1024 * 1024) + "--></w:body>"))
    text, flags = docx_text(bomb)
    assert text == "" and "docx_compression_ratio" in flags


def test_docx_grid_span_of_a_hundred_million_reads_each_cell_once() -> None:
    hostile = _docx(lambda xml: xml.replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="100000000"/>', 1))
    assert len(hostile) < 50_000  # python-docx's own template is most of it
    with zipfile.ZipFile(io.BytesIO(hostile)) as zf:
        assert b'w:gridSpan w:val="100000000"' in zf.read("word/document.xml")
    text, flags = docx_text(hostile)
    assert text.split("\n") == ["某县司法局2023年法治政府建设年度报告", "指标 数值", "纠错率 27%"]
    assert "docx_table_span" in flags and MAX_SPAN < 100_000_000


def test_docx_with_too_many_table_cells_keeps_what_came_before() -> None:
    rows = "".join(f"<w:tr><w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc></w:tr>" for n in range(25_000))
    big = _docx(lambda xml: xml.replace("</w:body>", f"<w:tbl>{rows}</w:tbl></w:body>"))
    text, flags = docx_text(big)
    assert "docx_too_many_cells" in flags and text.startswith("某县司法局")
    assert len(text.split("\n")) <= 20_000 + 3


def test_ofd_listing_one_page_thousands_of_times_reads_it_once() -> None:
    body = _ofd(["Pages/Page_0/Content.xml"] * 20_000, {"Pages/Page_0/Content.xml": "法治政府建设"})
    assert len(body) < 100_000
    text, flags = ofd_text(body)
    assert text == "法治政府建设" and "unreadable_ofd" not in flags


def test_ofd_listing_two_hundred_thousand_pages_is_bounded_and_flagged() -> None:
    body = _ofd(["Pages/Page_0/Content.xml"] * 200_000, {"Pages/Page_0/Content.xml": "法治政府建设"})
    text, flags = ofd_text(body)
    assert "too_large" in flags and len(text) <= len("法治政府建设")


def test_ofd_with_more_pages_than_the_limit_keeps_the_first_ones() -> None:
    refs = [f"Pages/Page_{n}/Content.xml" for n in range(MAX_PAGES + 200)]
    text, flags = ofd_text(_ofd(refs, {ref: f"第{n}页" for n, ref in enumerate(refs)}))
    assert "ofd_too_many_pages" in flags and len(text.split("\n")) == MAX_PAGES


@pytest.mark.parametrize("boundary", ["a b c d", "", "1e400 NaN", "0 0"])
def test_malformed_ofd_boundaries_do_not_raise(boundary: str) -> None:
    body = _ofd(["Pages/Page_0/Content.xml"], {"Pages/Page_0/Content.xml": "法治政府建设"}, boundary)
    assert ofd_text(body)[0] == "法治政府建设"


@pytest.mark.parametrize("body", [b"PK\x03\x04broken", b"", b"%PDF-1.7 garbage", b"\xd0\xcf\x11\xe0" * 3])
@pytest.mark.parametrize("reader", [pdf_text, docx_text, ofd_text, doc_text])
def test_readers_never_raise_on_garbage(reader: object, body: bytes) -> None:
    text, flags = reader(body)  # type: ignore[operator]
    assert isinstance(text, str) and isinstance(flags, list)


def _pdf(pages: list[list[str]], count: int | None = None) -> bytes:
    """A PDF with Helvetica text lines per page; ``count`` overrides the page tree's /Count."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * n} 0 R" for n in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count or len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for n, lines in enumerate(pages):
        ops = "BT /F1 10 Tf 14 TL 50 800 Td " + " ".join(f"({x}) Tj T*" for x in lines) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {5 + 2 * n} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(ops)} >>\nstream\n{ops}\nendstream".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_pdf_claiming_a_million_pages_is_bounded_and_flagged() -> None:
    body = _pdf([["Taishun County report on law-based government for the year 2023."] * 3], count=1_000_000)
    text, flags = pdf_text(body)
    assert "pdf_too_many_pages" in flags and text.count("Taishun") <= 3


# ---------------------------------------------------------------- PDF text


SUBJECTS = {1: "In 2021 the bureau", 2: "Last spring our office", 3: "Across the county we"}
PLACES = {1: "whole county and", 2: "townships as well and", 3: "city district and"}
ENDS = {
    1: "no case was lost in court after reconsideration in quarter 1.",
    2: "two cases went to court and both were won by the agencies.",
    3: "the hearing room opened to the public in the autumn.",
}


def _body(n: int) -> list[str]:
    return [
        f"{SUBJECTS[n]} handled {n}05 administrative reconsideration",
        f"cases and closed {n}06 of them within the statutory time limits in",
        "the year.",
        f"The correction rate was {n}7 percent across the {PLACES[n]}",
        ENDS[n],
    ]


def test_pdf_page_numbers_running_headers_and_wrapped_lines() -> None:
    pages = [["Taishun County Justice Bureau annual report", *_body(n), f"- {n} -"] for n in (1, 2, 3)]
    text, flags = pdf_text(_pdf(pages))
    lines = text.split("\n")
    assert "Taishun County Justice Bureau" not in text and "- 2 -" not in text
    assert lines[:2] == [
        (
            "In 2021 the bureau handled 105 administrative reconsideration cases and closed 106 of them within "
            "the statutory time limits in the year."
        ),
        (
            "The correction rate was 17 percent across the whole county and no case was lost in court after "
            "reconsideration in quarter 1."
        ),
    ]
    assert len(lines) == 6 and flags == []


def test_clean_pdf_pages_chinese() -> None:
    header = "泰顺县人民政府办公室文件"
    pages = []
    leads = {1: "全县新收行政复议案件", 2: "各乡镇共受理复议申请", 3: "市本级转办复议案件"}
    for n in (1, 2, 3):
        pages.append(
            [
                header,
                f"{2020 + n}年，{leads[n]}{n}05件，办结{n}06件，纠错29件，复",
                "议纠错率27%，复议后保持零败诉。",
                "一、主要举措和成效",
                f"（一）深化行政复议体制改革。全年审查规范性文件和行政合同{n}04件",
                {
                    1: "，出具书面合法性审核意见书104份。",
                    2: "，均在法定期限内办结。",
                    3: "，未发生重大风险。",
                }[n],
                f"第{n}页 共3页" if n < 3 else "3/3",
            ]
        )
    text = clean_pdf_pages(["\n".join(p) for p in pages])
    lines = text.split("\n")
    assert header not in text and "第1页" not in text and "3/3" not in text
    assert lines[:3] == [
        "2021年，全县新收行政复议案件105件，办结106件，纠错29件，复议纠错率27%，复议后保持零败诉。",
        "一、主要举措和成效",
        "（一）深化行政复议体制改革。全年审查规范性文件和行政合同104件，出具书面合法性审核意见书104份。",
    ]
    assert len(lines) == 9


# ---------------------------------------------------------------- RTF served as .doc


def _rtf(paragraphs: list[str]) -> bytes:
    def escape(text: str) -> str:
        return "".join(
            ch if ord(ch) < 128 else "".join(f"\\'{b:02x}" for b in ch.encode("gbk")) for ch in text
        )

    body = "".join(f"{{\\pard\\f0 {escape(p)}\\par}}\n" for p in paragraphs)
    return (
        "{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}"
        "{\\colortbl;\\red0\\green0\\blue0;}\n" + body + "}"
    ).encode("ascii")


def test_rtf_served_as_doc_gives_its_whole_text() -> None:
    paragraphs = [
        "泰顺县司法局2023年法治政府建设年度报告",
        "一、主要举措和成效",
        "全年新收行政复议案件105件，办结106件，纠错29件，复议纠错率27%。",
    ] * 20
    page = parse_page(
        "https://x.gov.cn/P020240301.doc", _rtf(paragraphs), {"Content-Type": "application/msword"}
    )
    assert page.content_type == "doc" and "rtf" in page.flags
    assert page.text.split("\n") == paragraphs
