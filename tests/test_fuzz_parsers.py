"""Never raise (issue 12): the parsers return a result with a flag for ANY input — arbitrary bytes, headers
and URLs, and HTML-shaped inputs built from the fragments that broke them before (`href='http://[::1/x.pdf'`,
`<meta charset='undefined'>`, `createPageHTML(²,…)`, a 13-byte truncated body, …).

The example counts are kept small for CI (FZWATCH_FUZZ_EXAMPLES raises them; docs/parsers.md gives the
figures of a long run)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse_page
from parsers.listing import read_listing

EXAMPLES = int(os.environ.get("FZWATCH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)

FRAGMENTS = [
    "<html>",
    "<head>",
    "<meta charset='undefined'>",
    '<meta charset="gb2312">',
    "<meta http-equiv='Content-Type' content='text/html; charset=x-unknown'>",
    "<title>某县2023年法治政府建设年度报告</title>",
    "<a href='http://[::1/x.pdf'>附件</a>",
    "<a href='//[fe80::1%25eth0]/a'>x</a>",
    '<a href="javascript:void(0)">y</a>',
    '<script>createPageHTML(²,0,"index","html");</script>',
    "<script>createPageHTML(9999999999999999999999,1,'index','html')</script>",
    "<script>var countPage = 1e309;</script>",
    "<select onchange='location=this.value'><option value='index_1.html'>2</option></select>",
    (
        "<script type='text/xml'><datastore><nextgroup><![CDATA[<a href='/module/web/jpage/dataproxy.jsp?page=1'>]]>"
        "</nextgroup><recordset><record><![CDATA[<li><a href='/art/1.html'>报告</a><span>2024-13-45</span></li>]]></record>"
    ),
    "发布时间：2024-03-13 16:19",
    "发布时间\u2001\u2001\u205f\u2001：",
    "来源：某县司法局",
    "纠错率1%，" * 50,
    "一" * 500 + "余件",
    "<p>",
    "</p>",
    "<table><tr><td colspan='100000000'>x</td></tr></table>",
    "<iframe src='x.pdf'>",
    "<embed src='%'>",
    "window._CONFIG = {SID: 'x', TREE: [",
    '{"data": {"list": [{"title": null}]}}',
    "\x00\x01\xff",
    "&#xFFFFFFFF;",
    "<base href='http://[::1'>",
    "<div id='zoom'>",
    "</div>",
    "<!--",
    "<![CDATA[",
    "%PDF-1.4\n",
    "PK\x03\x04",
]
URLS = st.one_of(
    st.sampled_from(
        [
            "http://www.ts.gov.cn/col/col1/index.html",
            "http://[::1/x.pdf",
            "http://127.0.0.1:99999/",
            "not a url",
            "",
            "file:///etc/passwd",
            "http://a.gov.cn/%zz/index_0.html",
            "http://a.gov.cn/x.ofd",
        ]
    ),
    st.text(max_size=60),
)
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "Content-Type", "etag", "x"]),
    st.one_of(
        st.sampled_from(
            [
                "text/html; charset=undefined",
                "application/pdf",
                "text/html; charset=gbk",
                "application/ofd",
                "",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=3,
)
HTMLISH = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30).map(
    lambda parts: "".join(parts)
)
BODIES = st.one_of(
    st.binary(max_size=3000),
    HTMLISH.map(lambda t: t.encode("utf-8", "surrogatepass")),
    HTMLISH.map(lambda t: t.encode("gb18030", "replace")),
    st.binary(max_size=13),
)


@FUZZ
@given(url=URLS, body=BODIES, headers=HEADERS)
def test_parse_page_never_raises(url: str, body: bytes, headers: dict[str, str]) -> None:
    page = parse_page(url, body, headers)
    assert isinstance(page.title, str) and isinstance(page.text, str)
    assert page.is_report in (True, False)


@FUZZ
@given(url=URLS, body=BODIES, headers=HEADERS)
def test_read_listing_never_raises(url: str, body: bytes, headers: dict[str, str]) -> None:
    listing = read_listing(url, body, headers)
    assert all(isinstance(link.url, str) for link in listing.links)


def test_a_parser_failure_is_flagged_not_raised(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import parsers.page as page_module

    def explode(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise UnicodeError("boom")

    monkeypatch.setattr(page_module, "_parse_html", explode)
    page = parse_page("http://a.gov.cn/x.html", b"<html><title>t</title></html>")
    assert page.flags == ["parse_error"] and not page.is_report and "UnicodeError" in page.reasons[0]
