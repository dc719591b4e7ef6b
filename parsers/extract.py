"""Clean body text of an HTML page, from the one lxml tree built by ``parse_page``.

Strategy, in order (each step measured on /work/shared/realpages, see docs/parsers.md):
1. Known CMS content containers (TRS ``TRS_Editor``, Hanweb ``#zoom``, gov.cn
   ``#UCAP-CONTENT``, VSB ``vsb_content`` ...). Government CMSs are few and their body div is
   stable, so a selector is more exact than any heuristic and keeps every table row.
2. The densest block (:mod:`parsers.density`, Readability-style, with its lead-paragraph
   siblings). When it is confident — enough prose, few links — it is the body.
3. Only otherwise trafilatura (``favor_precision``, tables kept, its own fallbacks on), compared
   with the densest block: the block wins when it is trafilatura's text minus side-bar noise, or
   when trafilatura returns almost nothing.
Every path ends in the chrome filter (chrome also sits inside containers) and in the
paragraph re-joiner (CMS editors split paragraphs mid-word: "考\\n\\n核").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import trafilatura
from lxml.html import HtmlElement

from parsers import density
from parsers.chrome import is_footer_line, strip_chrome
from parsers.htmltext import element_text


@dataclass(frozen=True)
class ContainerRule:
    """A CMS body container: an ``id`` or ``class`` that names the article div.

    ``match``: ``exact`` (whole attribute), ``token`` (one of the class names) or ``substring``.
    ``innermost``: of nested matches only the innermost (generic ids such as ``content``)."""

    attrs: tuple[str, ...]
    values: frozenset[str]
    match: str = "exact"
    innermost: bool = False

    def matches(self, value: str) -> bool:
        if self.match == "token":
            return not self.values.isdisjoint(value.split())
        if self.match == "substring":
            return any(v in value for v in self.values)
        return value in self.values


def _rule(attrs: str, *values: str, match: str = "exact", innermost: bool = False) -> ContainerRule:
    return ContainerRule(tuple(attrs.split("|")), frozenset(values), match, innermost)


# Ordered: most specific first. Matched in one pass over the tree (17 XPath queries cost 0.4 s on a
# 2 MB page; one pass a tenth of that).
CONTAINER_RULES: tuple[ContainerRule, ...] = (
    _rule("id", "UCAP-CONTENT"),
    _rule("class", "TRS_Editor", match="token"),
    _rule("class", "trs_editor_view", match="token"),
    _rule("class", "TRS_UEDITOR", match="token"),
    _rule("id", "zoom", "Zoom", "ZOOM"),
    _rule("class", "zoom", match="token"),
    _rule("id|class", "vsb_content", match="substring"),
    _rule("id", "js_content"),
    _rule("class", "article-body", match="token"),
    _rule("class", "main-txt", match="token"),
    _rule("class", "p-detail", match="token"),
    _rule("class", "box_con", match="token"),
    _rule("id", "art_content", "artibody", "article_content", "ArticleContent"),
    _rule("class", "article-content", match="token"),
    _rule("class", "pages_content", match="token"),
    _rule("class", "content_text", match="token"),
    _rule("id", "content", innermost=True),
)
_MIN_CONTAINER_CHARS = 60
_MIN_TRAFILATURA_CJK = 100
# A body container holds prose, not navigation: on the corpus real containers have ≤3% of their
# text in links, a blog/portal `#content` wrapping side bars 26%.
_MAX_CONTAINER_LINK_DENSITY = 0.2
# The densest block is trusted without asking trafilatura when it carries this much prose and
# few links. On the 17 tuning realpages above these bounds the block scores F1 >= 0.97 everywhere and
# trails trafilatura on 3 by <= 0.006, while trafilatura trails it by up to 0.44 (table side bars).
_CONFIDENT_CJK = 200
_CONFIDENT_LINK_DENSITY = 0.1
# The density candidate replaces trafilatura's output when it is (almost) a subset of it and keeps
# (almost) all of its prose: what trafilatura added around it is then side-bar and link-list noise.
_MIN_SUBSET = 0.98
_MIN_PROSE_KEPT = 0.95
_LINK_BLOCK_DENSITY = 0.4
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_PROSE_LINE_RE = re.compile(r"[。！？]")


def _container_matches(root: HtmlElement) -> list[list[HtmlElement]]:
    """Elements matching each rule of CONTAINER_RULES, in one pass over elements with id/class."""
    found: list[list[HtmlElement]] = [[] for _ in CONTAINER_RULES]
    for el in root.iter():
        if not isinstance(el, HtmlElement):
            continue
        attrs = el.attrib
        if "id" not in attrs and "class" not in attrs:
            continue
        for i, rule in enumerate(CONTAINER_RULES):
            if any((value := attrs.get(a)) and rule.matches(value) for a in rule.attrs):
                found[i].append(el)
    for i, rule in enumerate(CONTAINER_RULES):
        if rule.innermost and len(found[i]) > 1:
            members = set(found[i])
            outer = {anc for el in found[i] for anc in el.iterancestors() if anc in members}
            found[i] = [el for el in found[i] if el not in outer]
    return found


def find_container(root: HtmlElement) -> HtmlElement | None:
    """First known CMS body container holding real text (several TRS divs: the longest)."""
    for found in _container_matches(root):
        if not found:
            continue
        best = max(found, key=lambda el: len(el.text_content()))
        if len(_CJK_RE.findall(best.text_content())) >= _MIN_CONTAINER_CHARS and (
            link_density(best) <= _MAX_CONTAINER_LINK_DENSITY
        ):
            return best
    return None


def link_density(el: HtmlElement) -> float:
    """Share of the element's text that sits inside links."""
    total = len(el.text_content()) or 1
    return sum(len(a.text_content()) for a in el.iter("a")) / total


def is_link_block(el: HtmlElement) -> bool:
    """A list of links inside the body block (相关报道, 推荐, ad boxes): mostly link text, no prose."""
    text = el.text_content()
    if len(text.strip()) < 8:
        return False
    if link_density(el) < _LINK_BLOCK_DENSITY:
        return False
    unlinked = text
    for a in el.iter("a"):
        unlinked = unlinked.replace(a.text_content(), "")
    return not any(len(x) >= 30 and _PROSE_LINE_RE.search(x) for x in unlinked.split("\n"))


def _bigrams(text: str) -> Counter[str]:
    s = re.sub(r"\s+", "", text)
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def _link_texts(root: HtmlElement) -> list[str]:
    texts = {re.sub(r"\s+", "", a.text_content()) for a in root.iter("a")}
    return sorted((t for t in texts if len(t) >= 4), key=len, reverse=True)


def _prose(text: str, link_texts: Sequence[str] = ()) -> str:
    """Lines that read as running text: long, with sentence-final punctuation, not mostly link
    text (teaser lists) and not a footer notice."""
    out = []
    for line in text.split("\n"):
        if len(line) < 30 or not _PROSE_LINE_RE.search(line) or is_footer_line(line):
            continue
        flat = re.sub(r"\s+", "", line)
        linked = sum(len(t) * flat.count(t) for t in link_texts if t in flat)
        if linked < 0.5 * len(flat):
            out.append(line)
    return "\n".join(out)


def prefer_core(core: str, wide: str, root: HtmlElement | None = None) -> bool:
    """True when ``core`` is ``wide`` minus noise: a near-subset that keeps nearly all its prose
    (prose that is link text in ``root`` — teaser lists — does not count)."""
    if not core or len(core) >= len(wide):
        return False
    c, w = _bigrams(core), _bigrams(wide)
    if sum((c & w).values()) / max(1, sum(c.values())) < _MIN_SUBSET:
        return False
    prose = _bigrams(_prose(wide, _link_texts(root) if root is not None else []))
    return sum((c & prose).values()) / max(1, sum(prose.values())) >= _MIN_PROSE_KEPT


def _trafilatura_text(root: HtmlElement, url: str | None) -> str:
    """trafilatura on our tree (it works on a copy: no second parse), with its own fallbacks."""
    text = trafilatura.extract(
        root,
        url=url,
        include_tables=True,
        include_comments=False,
        favor_precision=True,
        include_formatting=False,
        deduplicate=False,
        with_metadata=False,
    )
    return text or ""


class _LinkBlockSkipper:
    """is_link_block with the link share read from the density pass (no re-walk per block); keeps
    the skipped blocks so the link share of what is left can be told."""

    def __init__(self, stats: density.BlockStats) -> None:
        self.stats = stats
        self.skipped: list[HtmlElement] = []

    def __call__(self, el: HtmlElement) -> bool:
        if el in self.stats.total and self.stats.link_density(el) < _LINK_BLOCK_DENSITY:
            return False
        if is_link_block(el):
            self.skipped.append(el)
            return True
        return False

    def kept_link_density(self, blocks: list[HtmlElement]) -> float:
        """Share of link text in ``blocks`` once the skipped link lists are taken out."""
        total, links = self.stats.total, self.stats.links
        kept = sum(total.get(b, 0) for b in blocks) - sum(total.get(b, 0) for b in self.skipped)
        linked = sum(links.get(b, 0) for b in blocks) - sum(links.get(b, 0) for b in self.skipped)
        return max(0, linked) / max(1, kept)


def _cjk(text: str) -> int:
    return len(_CJK_RE.findall(text))


_NUMBERING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、是]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．])"
)


def _is_heading(line: str) -> bool:
    return len(line) < 45 and not any(p in line for p in "。；！？")


def rejoin_split_paragraphs(text: str) -> str:
    """Undo editor splits in the middle of a sentence ("充分发挥考\\n核的…").

    Join when the previous line is a paragraph (not a heading) that stops on a CJK character or
    digit without sentence-final punctuation and the next line does not open a numbered item.
    """
    out: list[str] = []
    for line in text.split("\n"):
        prev = out[-1] if out else ""
        if (
            prev
            and not _is_heading(prev)
            and re.search(r"[\u4e00-\u9fff\d]$", prev)
            and re.match(r"[\u4e00-\u9fff]", line)
            and not _NUMBERING_RE.match(line)
        ):
            out[-1] = prev + line
        else:
            out.append(line)
    return "\n".join(out)


def _drop_title_lines(text: str, title: str | None) -> str:
    """The headline repeated at the top of the body is metadata, not body."""
    if not title:
        return text
    key = re.sub(r"\s+", "", title)
    lines = text.split("\n")
    while lines and len(lines) > 1 and re.sub(r"\s+", "", lines[0]) in (key, key + "|"):
        lines.pop(0)
    return "\n".join(lines)


def finish_text(raw: str, title: str | None = None) -> str:
    """Shared post-processing of any extractor output."""
    text = strip_chrome(raw)
    text = _drop_title_lines(text, title)
    return rejoin_split_paragraphs(text)


def extract_body(root: HtmlElement, url: str | None = None, title: str | None = None) -> str:
    """Clean body text; '' when the page has no body (e.g. an attachment-only page)."""
    container = find_container(root)
    if container is not None:
        return finish_text(element_text(container), title)
    stats = density.collect(root)
    blocks = density.article_blocks(root, stats)
    skip = _LinkBlockSkipper(stats)
    own = finish_text("\n".join(element_text(b, skip=skip) for b in blocks), title)
    if _cjk(own) >= _CONFIDENT_CJK and skip.kept_link_density(blocks) <= _CONFIDENT_LINK_DENSITY:
        return own
    traf = finish_text(_trafilatura_text(root, url), title)
    if _cjk(traf) >= _MIN_TRAFILATURA_CJK:
        # Old portal layouts put side bars in the article's own table: trafilatura keeps them,
        # the densest block does not.
        return own if prefer_core(own, traf, root) else traf
    # trafilatura drops very short pages entirely: fall back to the density candidate then.
    return own if len(own) > len(traf) else traf
