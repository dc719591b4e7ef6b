"""List idioms (issue 9) on pages written from domain.md §3: tests/fixtures/listing/<case>/.

Each case holds ``page.html`` (a list page), ``script.js`` (a script a page loads) or ``body.json`` (a list
API answer), its ``url.txt`` (optional ``headers.json``) and ``expected.json``: the further pages, rows and
list-API requests a person reading the page would find.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from parsers.listing import ApiRequest, Listing, read_json_list, read_listing, read_script_apis

FIXTURES = Path(__file__).parent / "fixtures" / "listing"


def _cases(kind: str) -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / kind).exists())


def _load(name: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    case = FIXTURES / name
    headers_file = case / "headers.json"
    headers = json.loads(headers_file.read_text("utf-8")) if headers_file.exists() else {}
    return (case / "url.txt").read_text("utf-8").strip(), headers, json.loads((case / "expected.json").read_text("utf-8"))


def _params(api: ApiRequest) -> dict[str, str]:
    params = dict(parse_qsl(urlsplit(api.url).query, keep_blank_values=True))
    params.update(api.data or {})
    return params


def _matches(api: ApiRequest, want: dict[str, Any]) -> bool:
    params = _params(api)
    return (urlsplit(api.url).path == want["path"]
            and all(params.get(k) == v for k, v in want["params"].items())
            and api.method.upper() == want.get("method", api.method).upper())


def _check_apis(apis: list[ApiRequest], expected: dict[str, Any]) -> None:
    for want in expected.get("api", []):
        assert any(_matches(api, want) for api in apis), (want, [(a.method, a.url, a.data) for a in apis])
    for absent in expected.get("api_absent_params", []):
        assert not [a.url for a in apis if all(_params(a).get(k) == v for k, v in absent.items())]


@pytest.mark.parametrize("name", _cases("page.html"))
def test_list_page(name: str) -> None:
    url, headers, exp = _load(name)
    listing = read_listing(url, (FIXTURES / name / "page.html").read_bytes(), headers)
    urls = {link.url for link in listing.links}
    if "pages" in exp:
        assert sorted(listing.pagination) == sorted(exp["pages"])
    assert set(exp.get("pages_include", [])) <= set(listing.pagination)
    assert [u for u in exp.get("rows", []) if u not in urls] == []
    texts = {link.url: link.text for link in listing.links}
    assert {u: texts.get(u) for u in exp.get("row_texts", {})} == exp.get("row_texts", {})
    assert len(listing.links) >= exp.get("row_count_at_least", 0)
    _check_apis(listing.api_requests, exp)
    if exp.get("no_dataproxy"):
        assert [a.url for a in listing.api_requests if "dataproxy" in a.url] == []
    if "is_shell" in exp:
        assert listing.is_shell is exp["is_shell"]
    assert set(exp.get("scripts", [])) <= set(listing.scripts)
    assert set(exp.get("scripts_absent", [])) & set(listing.scripts) == set()


@pytest.mark.parametrize("name", _cases("script.js"))
def test_script_api_endpoints(name: str) -> None:
    url, _, exp = _load(name)
    apis = read_script_apis(url, (FIXTURES / name / "script.js").read_bytes())
    _check_apis(apis, exp)
    if not exp["api"]:
        assert apis == []
    assert all(api.kind == "json" for api in apis)


@pytest.mark.parametrize("name", _cases("body.json"))
def test_json_list_rows(name: str) -> None:
    url, _, exp = _load(name)
    listing: Listing = read_json_list(url, (FIXTURES / name / "body.json").read_bytes())
    texts = {link.url: link.text for link in listing.links}
    dates = {link.url: link.date for link in listing.links}
    assert {u: texts.get(u) for u in exp["rows"]} == exp["rows"]
    assert {u: dates.get(u) for u in exp.get("dates", {})} == exp.get("dates", {})
    query = dict(parse_qsl(urlsplit(url).query))
    size = int(next(v for k, v in query.items() if k in ("size", "pageSize", "rows", "limit")))
    assert len(listing.api_requests) == math.ceil(exp["total"] / size) - 1
