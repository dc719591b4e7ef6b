"""Site search engines (TRS was5, Hanweb jrobot, 开普 igs) as ``{q}`` URL templates."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from parsers.listing.bodies import _decode, _parse_html
from parsers.listing.urls import canonical_url

SEARCH_QUERY = "法治政府建设 报告"
# (marker in a link/form target, the query parameter that carries the words): TRS was5, Hanweb jrobot, 开普 igs.
_SEARCH_ENGINES = (
    ("/was5/web/search", "searchword"),
    ("/jrobotfront/search.action", "searchWord"),
    ("/jrobot/search.do", "q"),
    ("/igs/front/search.html", "searchWord"),
)


def find_site_search(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> str | None:
    """A site-search URL template (with ``{q}``) offered by a page: a link or form to a known engine."""
    text = _decode(body, headers)
    doc = _parse_html(text)
    if doc is None:
        return None
    targets = [a.get("href") or "" for a in doc.iter("a")] + [f.get("action") or "" for f in doc.iter("form")]
    for target in targets:
        for marker, param in _SEARCH_ENGINES:
            if marker in target:
                return _search_template(urljoin(url, target.strip()), param)
    return None


def _search_template(target: str, param: str) -> str:
    parts = urlsplit(target)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != param.lower()]
    query = urlencode(kept + [(param, "{q}")], safe="{}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def search_url(template: str, query: str = SEARCH_QUERY) -> str:
    """Fill a ``{q}`` search template (from the registry's ``options.search_url`` or ``find_site_search``)."""
    return canonical_url(template.replace("{q}", quote(query)))
