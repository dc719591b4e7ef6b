"""Text of attachment formats: PDF, DOCX, DOC/WPS, OFD.

Each function takes bytes and returns (text, flags). None raises on a damaged file: a broken
attachment is recorded with a flag ("unreadable_pdf" …) and an empty text, never an exception,
so one bad file cannot stop a crawl.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import zipfile

from lxml import etree

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # DOC, WPS, XLS (OLE2 compound file)
ZIP_MAGIC = b"PK\x03\x04"


def sniff_kind(body: bytes) -> str | None:
    """Document kind from magic bytes (zip files are opened to tell DOCX from OFD)."""
    head = body[:1024].lstrip()
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if body.startswith(OLE_MAGIC):
        return "doc"
    if body.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names or any(n.lower().endswith("ofd.xml") for n in names):
            return "ofd"
    return None


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \t\u3000\u00a0]+", " ", x).strip() for x in text.splitlines())
    return "\n".join(x for x in lines if x)


def pdf_text(body: bytes) -> tuple[str, list[str]]:
    """pypdf text layer; a PDF without one is a scan (flag ``scanned_pdf``, empty text)."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        pages = [(page.extract_text() or "") for page in reader.pages]
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        logger.warning("unreadable PDF: %s", exc)
        return "", ["unreadable_pdf"]
    text = _tidy("\n".join(pages))
    if len(re.sub(r"\s", "", text)) < 20 * max(1, len(pages)) // 4:
        return "", ["scanned_pdf"]
    return text, []


def docx_text(body: bytes) -> tuple[str, list[str]]:
    """Paragraphs and tables (one row per line, cells space-separated) in document order."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(body))
    except Exception as exc:  # noqa: BLE001 - a damaged DOCX must not stop a crawl
        logger.warning("unreadable DOCX: %s", exc)
        return "", ["unreadable_docx"]
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = etree.QName(child).localname
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:  # merged cells repeat: keep each text once per row
                    if cell.text.strip() and (not cells or cells[-1] != cell.text.strip()):
                        cells.append(cell.text.strip())
                lines.append(" ".join(cells))
    return _tidy("\n".join(lines)), []


_UTF16_RUN_RE = re.compile(rb"(?:[\x20-\x7e\r\n\t]\x00|[\x00-\xff][\x4e-\x9f\x20\x30\xff]){8,}")


def _external_doc_text(body: bytes) -> str | None:
    for tool in ("antiword", "catdoc"):
        path = shutil.which(tool)
        if not path:
            continue
        args = [path, "-w", "0", "-"] if tool == "catdoc" else [path, "-m", "UTF-8.txt", "-"]
        try:
            out = subprocess.run(args, input=body, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.decode("utf-8", "replace")
    return None


def doc_text(body: bytes) -> tuple[str, list[str]]:
    """DOC/WPS, best effort.

    antiword/catdoc when installed. Otherwise: Word 97+ and WPS store the text of a document
    whose characters are not all Latin-1 as UTF-16LE in the WordDocument stream, so runs of
    UTF-16LE code units in the CJK / ASCII ranges recover the body without an OLE parser.
    Formatting codes and the occasional field instruction may slip through, hence the flag.
    """
    external = _external_doc_text(body)
    if external:
        return _tidy(external), []
    runs = []
    for m in _UTF16_RUN_RE.finditer(body):
        chunk = m.group(0)
        if len(chunk) % 2:
            chunk = chunk[:-1]
        text = chunk.decode("utf-16-le", "ignore")
        if re.search(r"[\u4e00-\u9fff]{2}", text):
            runs.append(text.replace("\r", "\n"))
    text = _tidy("\n".join(runs))
    return text, ["doc_best_effort"] if text else ["unreadable_doc"]


def ofd_text(body: bytes) -> tuple[str, list[str]]:
    """OFD (GB/T 33190): a zip of XML; text lives in ``TextCode`` elements of each page's Content.xml.

    Pages are read in the order OFD.xml -> Document.xml lists them; TextCode runs on the same
    baseline (Y) are joined into one line.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(body))
        page_files = _ofd_page_order(zf)
        lines: list[str] = []
        for name in page_files:
            lines.extend(_ofd_page_lines(zf.read(name)))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        logger.warning("unreadable OFD: %s", exc)
        return "", ["unreadable_ofd"]
    return _tidy("\n".join(lines)), []


def _local(root: etree._Element, name: str) -> list[etree._Element]:
    return root.xpath(f"//*[local-name()='{name}']")


def _ofd_page_order(zf: zipfile.ZipFile) -> list[str]:
    names = zf.namelist()
    ordered: list[str] = []
    try:
        ofd = etree.fromstring(zf.read("OFD.xml"))
        doc_root = _local(ofd, "DocRoot")[0].text.strip().lstrip("/")
        base = doc_root.rsplit("/", 1)[0] + "/" if "/" in doc_root else ""
        document = etree.fromstring(zf.read(doc_root))
        for page in _local(document, "Page"):
            loc = (page.get("BaseLoc") or "").lstrip("/")
            path = loc if loc in names else base + loc
            if path in names:
                ordered.append(path)
    except (KeyError, IndexError, AttributeError):
        pass
    if ordered:
        return ordered

    def page_no(n: str) -> int:
        m = re.search(r"Page_(\d+)", n)
        return int(m.group(1)) if m else 0

    return sorted((n for n in names if n.endswith("Content.xml") and "Page" in n), key=page_no)


def _ofd_page_lines(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    rows: dict[float, list[tuple[float, str]]] = {}
    for obj in _local(root, "TextObject"):
        boundary = [float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:2]]
        for code in obj.xpath("./*[local-name()='TextCode']"):
            y = round(boundary[1] + float(code.get("Y") or 0), 0)
            x = boundary[0] + float(code.get("X") or 0)
            rows.setdefault(y, []).append((x, code.text or ""))
    return ["".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items())]
