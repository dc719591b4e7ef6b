"""Response bodies as text, HTML trees and JSON; header look-up."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import lxml.html
from lxml import etree

from parsers.decode import decode_body

logger = logging.getLogger(__name__)


def _decode(body: bytes, headers: Mapping[str, str] | None) -> str:
    """The one charset rule of fzwatch (``parsers.decode``), on headers reduced to text."""
    plain = {k: v for k, v in (headers or {}).items() if isinstance(k, str) and isinstance(v, str)}
    return decode_body(body, plain)


def _header(headers: Mapping[Any, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == name:
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def _parse_html(text: str) -> Any | None:
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        try:
            return lxml.html.document_fromstring(text.encode("utf-8"))
        except (etree.ParserError, ValueError):
            return None


def _load_json(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        logger.debug("gkmlpt answer is not JSON")
        return {}
    return data if isinstance(data, dict) else {}


def _visible_text(doc: Any) -> str:
    """The text a reader sees: body text outside scripts, styles and templates, whitespace squashed."""
    parts = doc.xpath(
        "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
    )
    return re.sub(r"\s+", " ", "".join(str(p) for p in parts).replace("\xa0", " "))
