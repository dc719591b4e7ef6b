"""Text of attachment formats: PDF, DOCX, DOC/WPS (and RTF served as .doc), OFD.

Each function takes bytes and returns (text, flags) and never raises: a broken attachment is
recorded with a flag ("unreadable_pdf" …) and an empty text, so one bad file cannot stop a crawl.

Every reader checks sizes *before* reading (issue 12: a 1 MB .docx holding a 1 GB document.xml,
an .ofd listing one page 200,000 times, a gridSpan of 100,000,000): zip members' declared sizes,
compression ratios and count, OFD page-list length, DOCX table spans and cells, PDF page count.
Past a limit a reader returns what it could read within it (possibly nothing) and the flag
``too_large`` (plus a specific one), never an exploding process.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Callable

from lxml import etree
from striprtf.striprtf import rtf_to_text

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # DOC, WPS, XLS (OLE2 compound file)
ZIP_MAGIC = b"PK\x03\x04"
RTF_MAGIC = b"{\\rtf"

# Limits: a real report attachment is far below each of them.
MAX_MEMBERS = 2_000  # zip members (a DOCX has ~20, an OFD a few per page)
MAX_MEMBER_BYTES = 32 * 1024 * 1024  # declared uncompressed size of one zip member
MAX_TOTAL_BYTES = 96 * 1024 * 1024  # declared uncompressed size of all members
MAX_RATIO = 200  # uncompressed / compressed for members over RATIO_FLOOR (XML compresses ~10×)
RATIO_FLOOR = 1024 * 1024
MAX_PAGES = 1_000  # PDF and OFD pages read
MAX_CELLS = 20_000  # DOCX table cells read
MAX_SPAN = 64  # DOCX gridSpan/gridBefore/gridAfter: Word's own limit is 63 columns
MAX_TEXT = 2_000_000  # characters of text kept from one file

# XML parser for untrusted files: no entity expansion, no network, no huge-tree mode.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def sniff_kind(body: bytes) -> str | None:
    """Document kind from magic bytes (zip files are opened to tell DOCX from OFD)."""
    head = body[:1024].lstrip()
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if body.startswith(OLE_MAGIC) or head.startswith(RTF_MAGIC):  # RTF is read by doc_text
        return "doc"
    if body.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names or any(n.lower().endswith("ofd.xml") for n in names):
            return "ofd"
    return None


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \t\u3000\u00a0]+", " ", x).strip() for x in text.splitlines())
    return "\n".join(x for x in lines if x)


def _capped(text: str, flags: list[str]) -> str:
    if len(text) > MAX_TEXT:
        flags.append("text_truncated")
        return text[:MAX_TEXT]
    return text


Reader = Callable[[bytes], tuple[str, list[str]]]


def _never_raises(kind: str) -> Callable[[Reader], Reader]:
    """A reader that fails on a damaged file returns ("", ["unreadable_<kind>"]) instead of raising."""

    def wrap(reader: Reader) -> Reader:
        def guarded(body: bytes) -> tuple[str, list[str]]:
            try:
                return reader(body)
            except Exception as exc:  # noqa: BLE001 - third-party readers raise anything on hostile files
                logger.warning("unreadable %s: %s", kind.upper(), exc)
                return "", [f"unreadable_{kind}"]

        guarded.__doc__, guarded.__name__ = reader.__doc__, reader.__name__
        return guarded

    return wrap


# ---------------------------------------------------------------- zip containers (DOCX, OFD)


def zip_problem(zf: zipfile.ZipFile) -> str | None:
    """Why a zip must not be read (``too_many_members``, ``member_too_large``, ``too_large``,
    ``compression_ratio``), from the central directory alone; None when it is safe."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        return "too_many_members"
    if any(i.file_size > MAX_MEMBER_BYTES for i in infos):
        return "member_too_large"
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        return "too_large"
    if any(i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(1, i.compress_size) for i in infos):
        return "compression_ratio"
    return None


def _open_zip(body: bytes, kind: str) -> tuple[zipfile.ZipFile | None, list[str]]:
    zf = zipfile.ZipFile(io.BytesIO(body))
    problem = zip_problem(zf)
    if problem:
        logger.warning("%s refused before reading: %s", kind.upper(), problem)
        return None, ["too_large", f"{kind}_{problem}"]
    return zf, []


# ---------------------------------------------------------------- PDF


@_never_raises("pdf")
def pdf_text(body: bytes) -> tuple[str, list[str]]:
    """pypdf text layer, cleaned (:func:`clean_pdf_pages`); a PDF without one is a scan (flag
    ``scanned_pdf``, empty text). Only the first :data:`MAX_PAGES` pages are read."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    declared = _declared_pages(reader)  # the page tree's /Count, before pypdf walks the tree
    flags = ["too_large", "pdf_too_many_pages"] if declared > MAX_PAGES else []
    count = len(reader.pages)
    if count > MAX_PAGES and not flags:
        flags = ["too_large", "pdf_too_many_pages"]
    pages: list[str] = []
    size = 0
    for number in range(min(count, MAX_PAGES)):
        try:
            page_text = reader.pages[number].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - a page tree that lies about its /Count, a broken stream
            logger.warning("PDF page %d unreadable: %s", number + 1, exc)
            flags.append("pdf_partial")
            break
        pages.append(page_text)
        size += len(page_text)
        if size > MAX_TEXT:
            flags.append("text_truncated")
            break
    text = _capped(clean_pdf_pages(pages), flags)
    if len(re.sub(r"\s", "", text)) < 20 * max(1, len(pages)) // 4:
        return "", flags + ["scanned_pdf"]
    return text, flags


def _declared_pages(reader: object) -> int:
    try:
        return int(reader.trailer["/Root"]["/Pages"]["/Count"])  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError):
        return 0


_PAGE_NUMBER_RE = re.compile(
    r"[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[，,/／]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页|\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
)
_SENTENCE_END = tuple("。！？；：.!?;:…”」』）)")
# Runs are matched possessively and only from their first character: linear on 50,000 × 一.
_HEADING_RE = re.compile(
    r"(?<![一二三四五六七八九十])[一二三四五六七八九十]++、|[（(][一二三四五六七八九十\d]++[）)]|\d{1,2}[.、．]\D|"
    r"第[一二三四五六七八九十\d]++[章节条部分]"
)


def _shape(line: str) -> str:
    """A line with its digits hidden: running headers and footers differ only by a page number."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of lines at the top or bottom (2 lines) of most pages (≥ 60 %, ≥ 3 pages)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_shape(x) for x in lines[:2] + lines[-2:] if x.strip()})
    return {shape for shape, n in seen.items() if n >= max(3, 0.6 * len(pages))}


def _is_heading(line: str) -> bool:
    return bool(_HEADING_RE.match(line.strip()))


def _joins_next(line: str, following: str, full_width: int) -> bool:
    """A wrapped line: it does not end a sentence and is (nearly) as wide as the page's lines (a short
    heading is not), and the next line is no heading and not indented as a new paragraph."""
    stripped = line.rstrip()
    if not stripped or stripped.endswith(_SENTENCE_END):
        return False
    if len(stripped.strip()) < 0.8 * full_width:
        return False
    return (
        bool(following.strip()) and not _is_heading(following) and not re.match(r"[ \u3000]{2,}", following)
    )


def _join(a: str, b: str) -> str:
    """Chinese lines join without a space; two Latin words keep one."""
    a, b = a.rstrip(), b.strip()
    return (
        f"{a} {b}" if a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum() else a + b
    )


def clean_pdf_pages(pages: list[str]) -> str:
    """Body text of a PDF's pages: page numbers (``- 1 -``, ``第1页``, ``1/12``) and running headers and
    footers removed, lines the PDF wrapped joined back into paragraphs (one per line)."""
    split = [p.splitlines() for p in pages]
    running = _running_lines(split)
    lines = [
        x
        for page in split
        for x in page
        if x.strip() and not _PAGE_NUMBER_RE.fullmatch(x.strip()) and _shape(x) not in running
    ]
    widths = sorted(len(x.strip()) for x in lines)
    full_width = widths[int(len(widths) * 0.75)] if widths else 0
    out: list[str] = []
    for n, line in enumerate(lines):
        if out and out[-1].endswith("\x00"):  # the previous line asked to be continued
            out[-1] = _join(out[-1][:-1], line)
        else:
            out.append(line.strip())
        if n + 1 < len(lines) and _joins_next(line, lines[n + 1], full_width):
            out[-1] += "\x00"
    return _tidy("\n".join(x.rstrip("\x00") for x in out))


# ---------------------------------------------------------------- DOCX


_SPAN_RE = re.compile(rb"<w:(?:gridSpan|gridBefore|gridAfter)\s+w:val=\"(\d+)\"")


@_never_raises("docx")
def docx_text(body: bytes) -> tuple[str, list[str]]:
    """Paragraphs and tables (one row per line, cells space-separated) in document order.

    Tables are read cell by cell from the XML (a merged cell once), not through python-docx's
    grid, whose work grows with gridSpan values (one 890-byte file asked for 100,000,000 columns).
    """
    import docx

    zf, flags = _open_zip(body, "docx")
    if zf is None:
        return "", flags
    xml = zf.read("word/document.xml")
    if any(int(v) > MAX_SPAN for v in _SPAN_RE.findall(xml)):
        flags += ["docx_table_span"]  # harmless here (spans are not expanded), but the file is hostile
    document = docx.Document(io.BytesIO(body))
    lines: list[str] = []
    cells = 0
    for child in document.element.body.iterchildren():
        tag = etree.QName(child).localname
        if tag == "p":
            lines.append(_paragraph_text(child))
        elif tag == "tbl":
            for row in child.iterchildren(_W + "tr"):
                texts = [t for t in (_cell_text(tc) for tc in row.iterchildren(_W + "tc")) if t]
                cells += len(texts)
                if cells > MAX_CELLS:
                    flags += ["too_large", "docx_too_many_cells"]
                    return _capped(_tidy("\n".join(lines)), flags), flags
                lines.append(" ".join(texts))
    return _capped(_tidy("\n".join(lines)), flags), flags


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_text(p: etree._Element) -> str:
    """Text runs, tabs and breaks of one w:p (what python-docx's Paragraph.text gives)."""
    parts: list[str] = []
    for el in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr"):
        parts.append((el.text or "") if el.tag == _W + "t" else ("\t" if el.tag == _W + "tab" else "\n"))
    return "".join(parts)


def _cell_text(tc: etree._Element) -> str:
    return " ".join(t for t in (_paragraph_text(p).strip() for p in tc.iter(_W + "p")) if t)


# ---------------------------------------------------------------- DOC / WPS / RTF


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


@_never_raises("rtf")
def rtf_text(body: bytes) -> tuple[str, list[str]]:
    """RTF (often served as .doc by CMSs) through striprtf; \\'xx escapes in the file's code page."""
    head = body[:4096].decode("latin-1")
    codepage = re.search(r"\\ansicpg(\d+)", head)
    encoding = f"cp{codepage.group(1)}" if codepage else "gbk"
    text = rtf_to_text(body.decode("latin-1"), encoding=encoding, errors="replace")
    flags: list[str] = []
    text = _capped(_tidy(text), flags)
    return text, flags + ([] if text else ["unreadable_rtf"])


def doc_text(body: bytes) -> tuple[str, list[str]]:
    """DOC/WPS, best effort; an RTF file served as .doc is read as RTF (flag ``rtf``).

    antiword/catdoc when installed. Otherwise: Word 97+ and WPS store the text of a document
    whose characters are not all Latin-1 as UTF-16LE in the WordDocument stream, so runs of
    UTF-16LE code units in the CJK / ASCII ranges recover the body without an OLE parser.
    Formatting codes and the occasional field instruction may slip through, hence the flag.
    """
    flags: list[str] = []
    if body.lstrip()[:5] == RTF_MAGIC:
        text, flags = rtf_text(body.lstrip())
        return text, flags + ["rtf"]
    external = _external_doc_text(body)
    if external:
        return _capped(_tidy(external), flags), flags
    runs = []
    for m in _UTF16_RUN_RE.finditer(body):
        chunk = m.group(0)
        if len(chunk) % 2:
            chunk = chunk[:-1]
        text = chunk.decode("utf-16-le", "ignore")
        if re.search(r"[\u4e00-\u9fff]{2}", text):
            runs.append(text.replace("\r", "\n"))
    text = _capped(_tidy("\n".join(runs)), flags)
    return text, flags + (["doc_best_effort"] if text else ["unreadable_doc"])


# ---------------------------------------------------------------- OFD


@_never_raises("ofd")
def ofd_text(body: bytes) -> tuple[str, list[str]]:
    """OFD (GB/T 33190): a zip of XML; text lives in ``TextCode`` elements of each page's Content.xml.

    Pages are read in the order OFD.xml -> Document.xml lists them, each page file once and at
    most :data:`MAX_PAGES`; TextCode runs on the same baseline (Y) are joined into one line.
    """
    zf, flags = _open_zip(body, "ofd")
    if zf is None:
        return "", flags
    page_files, listed = _ofd_page_order(zf)
    if listed > MAX_PAGES or len(page_files) > MAX_PAGES:
        flags += ["too_large", "ofd_too_many_pages"]
        page_files = page_files[:MAX_PAGES]
    lines: list[str] = []
    for name in page_files:
        lines.extend(_ofd_page_lines(zf.read(name)))
    return _capped(_tidy("\n".join(lines)), flags), flags


def _local(root: etree._Element, name: str) -> list[etree._Element]:
    return list(root.xpath(f"//*[local-name()='{name}']"))


def _ofd_listed_pages(zf: zipfile.ZipFile, names: set[str]) -> tuple[list[str], int]:
    """Page files in Document.xml order, each once (a page listed 200,000 times is one page), and
    how many entries the page list has."""
    try:
        ofd = etree.fromstring(zf.read("OFD.xml"), _XML)
        doc_root = (_local(ofd, "DocRoot")[0].text or "").strip().lstrip("/")
        base = doc_root.rsplit("/", 1)[0] + "/" if "/" in doc_root else ""
        document = etree.fromstring(zf.read(doc_root), _XML)
    except (KeyError, IndexError, etree.XMLSyntaxError):
        return [], 0
    entries = _local(document, "Page")
    ordered: dict[str, None] = {}
    for page in entries:
        loc = (page.get("BaseLoc") or "").lstrip("/")
        path = loc if loc in names else base + loc
        if path in names:
            ordered[path] = None
            if len(ordered) > MAX_PAGES:
                break
    return list(ordered), len(entries)


def _ofd_page_order(zf: zipfile.ZipFile) -> tuple[list[str], int]:
    names = set(zf.namelist())
    listed, entries = _ofd_listed_pages(zf, names)
    if listed:
        return listed, entries

    def page_no(n: str) -> int:
        m = re.search(r"Page_(\d+)", n)
        return int(m.group(1)) if m else 0

    pages = sorted((n for n in names if n.endswith("Content.xml") and "Page" in n), key=page_no)
    return pages, len(pages)


def _floats(text: str | None, count: int) -> list[float]:
    """The first ``count`` numbers of a Boundary-like attribute; 0 for what is not a number."""
    out: list[float] = []
    for part in (text or "").split()[:count]:
        try:
            out.append(float(part))
        except ValueError:
            out.append(0.0)
    return out + [0.0] * (count - len(out))


def _ofd_page_lines(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, _XML)
    rows: dict[float, list[tuple[float, str]]] = {}
    for obj in _local(root, "TextObject"):
        bx, by = _floats(obj.get("Boundary"), 2)
        for code in obj.xpath("./*[local-name()='TextCode']"):
            [x] = _floats(code.get("X"), 1)
            [y] = _floats(code.get("Y"), 1)
            rows.setdefault(round(by + y, 0), []).append((bx + x, code.text or ""))
    return ["".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items())]
