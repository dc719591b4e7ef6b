"""Block-aware HTML -> text for an lxml element.

Why our own renderer instead of ``text_content()`` or trafilatura's output:
- inline elements are joined *without* spaces, so ``<font>2883.5</font>亿元`` stays
  ``2883.5亿元`` (Chinese has no word spaces; an inserted space breaks numbers and units);
- block elements (p, div, li, h*, tr, br) become line breaks, so paragraphs survive;
- a table row becomes one line with its cells separated by a single space (no pipes).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from lxml.html import HtmlElement

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "form",
        "fieldset",
        "figure",
        "figcaption",
        "center",
        "address",
        "hr",
        "caption",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "video",
        "audio",
        "map",
        "area",
        "meta",
        "link",
    ]
)
_CELL_TAGS = frozenset(("td", "th"))
_HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASSES = frozenset(
    ("hidden", "hide", "d-none", "is-hidden", "invisible", "sr-only", "visually-hidden")
)
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002\u2003\u200b\ufeff]+")


def is_hidden(el: HtmlElement) -> bool:
    """Not shown: ``display:none`` / ``visibility:hidden`` style, the ``hidden`` attribute, or a
    hiding class (``hidden``, ``d-none``, BEM ``…--hidden``; not ``overflow-hidden``, which clips)."""
    style = el.get("style")
    if style and _HIDDEN_RE.search(style) or el.get("hidden") is not None:
        return True
    classes = el.get("class")
    return bool(classes) and any(c in _HIDDEN_CLASSES or c.endswith("--hidden") for c in classes.split())


def _walk(el: HtmlElement, out: list[str], skip: Callable[[HtmlElement], bool] | None = None) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in SKIP_TAGS or not tag or is_hidden(el) or (skip is not None and tag in BLOCK_TAGS and skip(el)):
        if el.tail:
            out.append(el.tail)
        return
    block = tag in BLOCK_TAGS
    if block or tag == "br":
        out.append("\n")
    elif tag in _CELL_TAGS:
        out.append(" ")
    if el.text and tag != "br":
        out.append(el.text)
    for child in el:
        _walk(child, out, skip)
    if block:
        out.append("\n")
    if el.tail:
        out.append(el.tail)


def _tidy_line(line: str) -> str:
    line = _SPACE_RE.sub(" ", line.replace("\n", " ")).strip()
    # Spaces between two CJK characters or a digit and a CJK unit are layout artefacts of
    # `&nbsp;` padding or inline tags; a space between two Latin words is real.
    return re.sub(r"(?<=[\u4e00-\u9fff\d%）)])\s+(?=[\u4e00-\u9fff（(“])", "", line)


def element_text(el: HtmlElement, skip: Callable[[HtmlElement], bool] | None = None) -> str:
    """Text of ``el`` with paragraphs separated by "\\n" (no empty lines).

    ``skip(block)`` may drop descendant block elements (e.g. link lists inside an article table).
    """
    out: list[str] = []
    if el.text and not isinstance(el, etree._Comment):
        out.append(el.text)
    for child in el:
        _walk(child, out, skip)
    lines = (_tidy_line(x) for x in "".join(out).split("\n"))
    return "\n".join(x for x in lines if x)
