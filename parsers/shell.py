"""Is a page a JavaScript shell? (pure: url-free bytes + headers in, a verdict out; never raises)

A shell shows almost no text without JavaScript, carries scripts and offers no usable links: what a
plain HTTP crawler sees of a site built in the browser. Reading it tells nothing, so a crawl that met
only shells may have missed everything (crawler/escalation.py renders such pages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import lxml.html
from lxml import etree

from parsers.decode import decode_body

SHELL_MAX_TEXT = 200  # visible characters (whitespace removed); a real list page has far more
SHELL_MAX_LINKS = 3  # usable links (the caller's count: same-site, followable)


def visible_text_length(body: bytes, headers: Mapping[str, str] | None = None) -> int:
    """Characters of text a reader sees without JavaScript (scripts, styles and whitespace left out)."""
    tree = _tree(body, headers)
    if tree is None:
        return 0
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    return len(re.sub(r"\s+", "", tree.text_content() or ""))


def has_scripts(body: bytes) -> bool:
    return re.search(rb"<script\b", body[:500_000], re.IGNORECASE) is not None


def looks_like_shell(body: bytes, headers: Mapping[str, str] | None, usable_links: int) -> bool:
    """Little text, scripts, and fewer than SHELL_MAX_LINKS usable links (counted by the caller)."""
    if not body or usable_links >= SHELL_MAX_LINKS or not has_scripts(body):
        return False
    return visible_text_length(body, headers) < SHELL_MAX_TEXT


def _tree(body: bytes, headers: Mapping[str, str] | None) -> lxml.html.HtmlElement | None:
    try:
        text = decode_body(body, headers)
        return lxml.html.document_fromstring(text) if text.strip() else None
    except (etree.ParserError, ValueError, TypeError):
        return None
