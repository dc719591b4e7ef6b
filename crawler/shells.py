"""JavaScript shells: list pages with almost no text whose rows a script fetches (issue 9).

Mixed into the portal spider. A shell's list API is read out of the same-site scripts it loads
(`parsers.listing.read_script_apis`; a few scripts, size-capped, robots.txt applies) and, when Chromium
is installed, the page is asked for again through the browser (`meta["playwright"]`; the lazy
`crawler.render_handler` starts it at that first request): the links of the rendered DOM are read, and
the JSON list APIs the page's own XHR/fetch called are followed and paged. No `render: js` needed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from scrapy.http import Request, Response

from crawler.visits import Visits, response_headers
from parsers.listing import (
    PAGE_NUMBER_KEYS,
    PAGE_SIZE_KEYS,
    ApiRequest,
    Listing,
    canonical_url,
    read_listing,
    read_script_apis,
)

logger = logging.getLogger(__name__)

# Most list endpoints followed from one script: a bundle names every API of the site, the page budget
# is for the lists that may hold reports.
MAX_SCRIPT_APIS = 20


class ShellPages:
    """Spider methods for shells; what they use of the spider is declared below."""

    crawler: Any
    visits: Visits
    can_render: bool  # Chromium is at hand (FZWATCH_JS_RENDER)
    shell_scripts: int  # FZWATCH_SHELL_SCRIPTS
    script_maxsize: int  # FZWATCH_SCRIPT_MAXSIZE
    rendered_apis: dict[str, list[ApiRequest]]  # JSON list APIs rendered pages fetched, by page
    # Detail-URL templates scripts build from a row's id (`ApiRequest.detail`), by API endpoint (no query),
    # and the GET list APIs read before their template was known (their id-only rows made no links).
    detail_templates: dict[str, str]
    untemplated_apis: set[str]

    if TYPE_CHECKING:

        def _in_site(self, url: str) -> bool: ...
        def _budget(self, url: str, is_list: bool = False) -> bool: ...
        def _meta(self, **meta: Any) -> dict[str, Any]: ...
        def _api_request(
            self, api: ApiRequest, depth: int, root: str | None, report_channel: int = 0
        ) -> Request: ...
        def _follow_apis(
            self,
            apis: list[ApiRequest],
            depth: int,
            changed: bool,
            source: str | None = None,
            report_channel: int = 0,
        ) -> Iterator[Request]: ...
        def parse_list(self, response: Response) -> Iterator[Any]: ...
        def on_error(self, failure: Any) -> Iterator[Any]: ...

    def _read_shell(self, response: Response, listing: Listing) -> Iterator[Request]:
        """Fetch the shell's scripts for its list API, and render it when Chromium is at hand."""
        meta = response.meta
        self.crawler.stats.inc_value("fzwatch/shells")
        for url in listing.scripts[: self.shell_scripts]:
            if (
                self._in_site(url)
                and url not in self.visits.seen
                and self._budget(url)
                and self.visits.claim(url)
            ):
                yield Request(
                    url,
                    callback=self.parse_script,
                    errback=self.on_error,
                    priority=15,
                    dont_filter=True,
                    meta={
                        "page_url": meta["key"],
                        "depth": meta["depth"],
                        "download_maxsize": self.script_maxsize,
                        "handle_httpstatus_all": True,
                    },
                )  # a missing script is no error
        if self.can_render and self._budget(meta["key"]):
            rendered = self._meta(
                depth=meta["depth"],
                key=meta["key"],
                url=meta["key"],
                kind="list",
                root=meta.get("root"),
                priority=meta.get("priority"),
                playwright=True,
                shell_render=True,
            )
            yield Request(
                meta["key"],
                callback=self.parse_list,
                errback=self.on_error,
                dont_filter=True,
                meta=rendered,
                priority=int(meta.get("priority") or 50) - 10 * meta["depth"],
            )

    def parse_script(self, response: Response) -> Iterator[Request]:
        """A script a shell page loads: the list endpoints it calls are fetched as JSON lists."""
        if response.status != 200:
            return
        self.crawler.stats.inc_value("fzwatch/scripts")
        apis = read_script_apis(response.url, response.body, page_url=response.meta["page_url"])
        paged = [api for api in apis if _paged(api)]  # endpoints with a page/size parameter first
        apis = (paged + [api for api in apis if not _paged(api)])[:MAX_SCRIPT_APIS]
        for api in apis:
            if api.detail:
                self.detail_templates.setdefault(endpoint(api.url), api.detail)
            if api.detail and api.method == "GET" and api.url in self.untemplated_apis:
                # The rendered page asked this API first, without the template: read it again, once, with it.
                self.untemplated_apis.discard(api.url)
                yield self._api_request(api, response.meta["depth"], None)
        yield from self._follow_apis(
            apis, response.meta["depth"], changed=False, source=response.meta["page_url"]
        )

    def on_rendered_response(self, response: Any) -> None:
        """Playwright ``response`` event of a rendered page: a JSON answer to the page's own XHR/fetch is a
        list API, followed (and paged) like any other once the page is read (GET, or a POSTed form)."""
        try:
            request, page_url = response.request, response.frame.page.url
            kind = (response.headers.get("content-type") or "").lower()
            if request.resource_type not in ("xhr", "fetch") or "json" not in kind:
                return
            form = posted_form(request.method, request.headers.get("content-type"), request.post_data)
        # A detached frame or closed page raises Playwright's own Error, not imported here (optional).
        except Exception as exc:  # noqa: BLE001
            logger.debug("rendered response not read: %s", exc)
            return
        if request.method.upper() == "GET" or form is not None:
            kind = (
                "json_body"
                if request.method.upper() == "POST" and "json" in (request.headers.get("content-type") or "")
                else "json"
            )
            api = ApiRequest(
                url=canonical_url(request.url), kind=kind, method=request.method.upper(), data=form
            )
            self.rendered_apis.setdefault(canonical_url(page_url), []).append(api)

    def _read_rendered(self, response: Response) -> Listing:
        """A page rendered in Chromium: its DOM, plus the JSON list APIs its scripts fetched."""
        listing = read_listing(response.url, response.body, response_headers(response))
        listing.api_requests += self.rendered_apis.pop(response.meta["key"], [])
        return listing


def endpoint(url: str) -> str:
    """An API URL without its query: the requests of one list API share it."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def _paged(api: ApiRequest) -> bool:
    names = {k.lower() for k, _ in parse_qsl(urlsplit(api.url).query)} | {k.lower() for k in api.data or {}}
    return bool(names & (PAGE_NUMBER_KEYS | PAGE_SIZE_KEYS))


def posted_form(method: str, content_type: str | None, body: str | None) -> dict[str, str] | None:
    """The parameters of a POST sent as a form or as a flat JSON object; None otherwise (not replayed)."""
    if method.upper() != "POST" or not body:
        return None
    if "form-urlencoded" in (content_type or ""):
        return dict(parse_qsl(body, keep_blank_values=True))
    if "json" in (content_type or ""):
        try:
            data = json.loads(body)
        except ValueError:
            return None
        flat = isinstance(data, dict) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in data.values()
        )
        return {str(k): str(v) for k, v in data.items()} if flat else None
    return None
