"""Text-density scoring of an HTML tree: which block holds the article.

Readability-style: every *paragraph* (a block element's own text, including the text of inline
descendants such as ``<font><span>…</span></font>``) credits its own block, its parent block and,
at half weight, its grandparent block; a block's score is then damped by the share of link text
under it. Blocks rather than raw elements, because editors (MS Word pastes, old table layouts)
wrap each paragraph in several inline tags: crediting only an element's XML parent would credit
a ``<font>`` instead of the ``<div>`` that holds all paragraphs.

One pass over the tree, no XPath, so the cost stays linear on multi-MB pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from parsers.htmltext import BLOCK_TAGS, SKIP_TAGS, is_hidden

_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# td/th hold the text of table layouts; they are paragraphs' containers like any block.
_CONTAINER_TAGS = BLOCK_TAGS | {"td", "th", "body"}
_MIN_PARAGRAPH_CJK = 10
_BINARY_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]|\ufffd.*\ufffd.*\ufffd", re.DOTALL)


@dataclass
class BlockStats:
    """Per block: own text (its paragraph), and subtree totals of text and link text."""

    own: dict[HtmlElement, list[str]] = field(default_factory=dict)
    total: dict[HtmlElement, int] = field(default_factory=dict)
    links: dict[HtmlElement, int] = field(default_factory=dict)
    parent: dict[HtmlElement, HtmlElement | None] = field(default_factory=dict)
    order: list[HtmlElement] = field(default_factory=list)

    def link_density(self, block: HtmlElement) -> float:
        return self.links.get(block, 0) / max(1, self.total.get(block, 0))


def _add(stats: BlockStats, block: HtmlElement, text: str | None, in_link: bool) -> None:
    if not text:
        return
    stats.own[block].append(text)
    size = len(text.strip())
    stats.total[block] += size
    if in_link:
        stats.links[block] += size


def collect(root: HtmlElement) -> BlockStats:
    """Own text of each block and subtree totals (text, link text), in one pass."""
    stats = BlockStats()
    body = root.find("body")
    top = body if body is not None else root
    # Per element: (nearest block, inside a link); skipped subtrees map to None.
    ctx: dict[HtmlElement, tuple[HtmlElement, bool] | None] = {}
    stats.own[top], stats.total[top], stats.links[top], stats.parent[top] = [], 0, 0, None
    stats.order.append(top)
    ctx[top] = (top, False)
    _add(stats, top, top.text, False)
    for el in top.iterdescendants():
        parent_ctx = ctx.get(el.getparent())
        tag = el.tag if isinstance(el.tag, str) else ""
        if parent_ctx is None or not tag or tag in SKIP_TAGS or is_hidden(el):
            ctx[el] = None
            if parent_ctx is not None:
                _add(stats, parent_ctx[0], el.tail, parent_ctx[1])
            continue
        block, in_link = parent_ctx
        here_link = in_link or tag == "a"
        if tag in _CONTAINER_TAGS:
            stats.own[el], stats.total[el], stats.links[el], stats.parent[el] = [], 0, 0, block
            stats.order.append(el)
            ctx[el] = (el, here_link)
            _add(stats, el, el.text, here_link)
        else:
            ctx[el] = (block, here_link)
            _add(stats, block, el.text, here_link)
        _add(stats, block, el.tail, in_link)
    for el in reversed(stats.order):  # children come after parents in document order
        up = stats.parent[el]
        if up is not None:
            stats.total[up] += stats.total[el]
            stats.links[up] += stats.links[el]
    return stats


def paragraph_score(text: str) -> float:
    """Chinese characters plus a bonus per clause: prose scores, menus and bylines do not, and
    neither do bytes of a binary file decoded as text (control characters, U+FFFD)."""
    if _BINARY_RE.search(text):
        return 0.0
    n = len(_CJK_RE.findall(text))
    if n < _MIN_PARAGRAPH_CJK:
        return 0.0
    return n + 10 * text.count("，") + 10 * text.count("。")


def score_blocks(stats: BlockStats) -> dict[HtmlElement, float]:
    scores: dict[HtmlElement, float] = {}
    for block, chunks in stats.own.items():
        s = paragraph_score("".join(chunks))
        if not s:
            continue
        parent = stats.parent.get(block)
        grand = stats.parent.get(parent) if parent is not None else None
        for anc, weight in ((block, 1.0), (parent, 1.0), (grand, 0.5)):
            if anc is not None:
                scores[anc] = scores.get(anc, 0.0) + s * weight
    return {b: s * max(0.0, 1 - stats.link_density(b)) for b, s in scores.items()}


def best_block(root: HtmlElement, stats: BlockStats | None = None) -> HtmlElement | None:
    """The block with the highest damped score; on a tie the deeper (smaller) block."""
    stats = stats or collect(root)
    return _best(score_blocks(stats), stats)


def _best(scores: dict[HtmlElement, float], stats: BlockStats) -> HtmlElement | None:
    best = max(scores, key=lambda b: (scores[b], -stats.total.get(b, 0)), default=None)
    return best if best is not None and scores[best] > 0 else None


_SENTENCE_RE = re.compile(r"[。！？]")
_SIBLING_SHARE = 0.2
_SIBLING_MAX_LINKS = 0.25


def _is_prose_sibling(stats: BlockStats, el: HtmlElement) -> bool:
    """A lead or closing paragraph next to the body block (news leads sit outside the body div)."""
    text = "".join(stats.own.get(el, ())).strip()
    return len(text) >= 30 and bool(_SENTENCE_RE.search(text)) and stats.link_density(el) < _SIBLING_MAX_LINKS


def article_blocks(root: HtmlElement, stats: BlockStats | None = None) -> list[HtmlElement]:
    """The best block plus the siblings that belong to the same article, in document order.

    As in Readability: a sibling joins when it scores at least a fifth of the best block, or when
    it is a prose paragraph with few links (a lead paragraph kept outside the body ``div``)."""
    stats = stats or collect(root)
    scores = score_blocks(stats)
    best = _best(scores, stats)
    if best is None:  # nothing reads as prose (a list page, a binary file)
        return []
    parent = best.getparent()
    if parent is None or best.tag in ("body", "html"):
        return [best]
    threshold = max(10.0, _SIBLING_SHARE * scores[best])
    return [
        el
        for el in parent
        if el is best
        or scores.get(el, 0.0) >= threshold
        or (el in stats.own and _is_prose_sibling(stats, el))
    ]
