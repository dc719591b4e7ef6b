"""Text normalization and the content hash used for change detection.

A change is a change of the *normalized clean body*: NFKC folds full-width digits and
punctuation, and every whitespace character is dropped so that re-flowed paragraphs, CMS
indentation (``\u3000\u3000``) or a different line-break style never count as a change.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WS_RE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC-normalize and remove all whitespace (incl. U+3000 and NBSP, which NFKC maps to spaces)."""
    return _WS_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def content_hash(text: str) -> str:
    """sha256 hex of the normalized clean text.

    Chrome lines (view counters, access dates, print/close bars) are removed once more here,
    so that a caller hashing a text that still carries chrome gets the same hash as the clean
    body: chrome-only changes must never look like a new version.
    """
    from parsers.chrome import strip_chrome  # local import: chrome imports nothing from here

    return hashlib.sha256(normalize_text(strip_chrome(text or "")).encode("utf-8")).hexdigest()
