"""Serve a GeneratedPortal over HTTP on 127.0.0.1 with tests/portals/server.py's PortalServer
(request log, ETag/304, robots parsing); one catch-all route answers from the portal in memory."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.portals.generated.model import GeneratedPortal
from tests.portals.server import PortalServer, Request, Response

IGNORED_PARAMS = {"_", "t", "v", "spm", "uid", "from"}  # cache-busters a real server ignores
_XML = {"Content-Type": "text/xml; charset=utf-8"}
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_EMPTY_DATASTORE = b'<?xml version="1.0" encoding="utf-8"?><datastore><recordset></recordset></datastore>'


def page_key(path: str, query_string: str) -> str:
    """The key of a static page: path plus the sorted query (channels.query_key writes the same)."""
    if path.endswith("/"):
        path += "index.html"
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return f"{path}?{urlencode(pairs)}" if pairs else path


class GeneratedServer(PortalServer):
    """PortalServer for a generated portal. ``root``: where robots.txt is written (a temp dir if None)."""

    def __init__(self, portal: GeneratedPortal, root: Path | None = None, port: int = 0) -> None:
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="fzwatch-gen-")
        site_dir = Path(root or self._tmp.name) / portal.site_id  # type: ignore[union-attr]
        site_dir.mkdir(parents=True, exist_ok=True)
        (site_dir / "robots.txt").write_text(portal.robots, "utf-8")  # PortalServer.robots() reads it
        super().__init__(site_dir, port=port)
        self.portal = portal
        self._jpage = {d["columnid"]: d for d in portal.dynamic if d["kind"] == "jpage"}
        self._by_kind = {d["kind"]: d for d in portal.dynamic if d["kind"] != "jpage"}
        self._sessions = [d for d in portal.dynamic if d["kind"] == "jsessionid"]
        self._apis = {d["path"]: d for d in portal.dynamic if d["kind"] == "json_api"}
        self.add_route("/*", self._answer)

    def stop(self) -> None:
        super().stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _answer(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return (
                Response(200, self.portal.robots.encode(), {"Content-Type": "text/plain"})
                if self.portal.robots
                else Response(404, b"not found", {"Content-Type": "text/plain"}, conditional=False)
            )
        if path in self.portal.redirects:
            status, location = self.portal.redirects[path]
            return Response(status, b"", {"Location": location}, conditional=False)
        if path == "/module/web/jpage/dataproxy.jsp":
            return self._dataproxy(request)
        if path.startswith("/gkmlpt/api/all/") and "gkmlpt" in self._by_kind:
            return self._gkmlpt(request)
        if path in self._apis:
            return self._json_api(request, self._apis[path])
        return self._static(request)

    def _static(self, request: Request) -> Response:
        query = request.query_string if request.method != "POST" else ""
        page = self.portal.pages.get(page_key(request.path, query))
        if page is None and query and {k for k, _ in parse_qsl(query)} <= IGNORED_PARAMS:
            page = self.portal.pages.get(page_key(request.path, ""))
        if page is None:
            return Response(
                404,
                b"<html><body><h1>404 Not Found</h1></body></html>",
                {"Content-Type": "text/html; charset=utf-8"},
                conditional=False,
            )
        response = Response(200, page.body, {"Content-Type": page.header()})
        for session in self._sessions:
            if request.path.startswith(session["path"]):
                self._session(request, response, session["jsid"])
        return response

    @staticmethod
    def _session(request: Request, response: Response, jsid: str) -> None:
        """Links carry ;jsessionid= until the JSESSIONID cookie comes back."""
        if f"JSESSIONID={jsid}" in request.headers.get("cookie", ""):
            response.body = response.body.replace(f";jsessionid={jsid}".encode(), b"")
        else:
            response.headers["Set-Cookie"] = f"JSESSIONID={jsid}; Path=/"

    def _dataproxy(self, request: Request) -> Response:
        column = self._jpage.get(request.query.get("columnid", ""))
        if column is None or (column["post_only"] and request.method != "POST"):
            return Response(200, _EMPTY_DATASTORE, _XML)
        rows: list[str] = column["records"]
        start = max(_int(request.query.get("startrecord"), 1), 1)
        end = min(_int(request.query.get("endrecord"), start + 44), len(rows))
        per_page = max(_int(request.query.get("perpage"), 15), 1)
        records = "".join(f"<record><![CDATA[{row}]]></record>\n" for row in rows[start - 1 : end])
        xml = (
            f'<?xml version="1.0" encoding="utf-8"?><datastore><nextgroup><![CDATA[]]></nextgroup>'
            f"<recordset>\n{records}</recordset><totalrecord>{len(rows)}</totalrecord>"
            f"<totalpage>{math.ceil(len(rows) / per_page)}</totalpage></datastore>"
        )
        return Response(200, xml.encode("utf-8"), _XML)

    def _gkmlpt(self, request: Request) -> Response:
        spec = self._by_kind["gkmlpt"]
        category = request.path.rstrip("/").rsplit("/", 1)[-1]
        if request.query.get("sid") != spec["sid"] or category != spec["category"]:
            return Response(200, b'{"classify":{"post_count":0},"articles":[]}', _JSON)
        size, rows = int(spec["page_size"]), spec["articles"]
        number = max(_int(request.query.get("page"), 1), 1)  # page 0 answers like page 1
        host = "http://" + request.headers.get("host", "127.0.0.1")
        articles = [
            {
                **row,
                "url": host + row["url"],
                "attachment": [{**a, "url": host + a["url"]} for a in row["attachment"]],
            }
            for row in rows[(number - 1) * size : number * size]
        ]
        body = {"classify": {"id": int(category), "post_count": len(rows)}, "articles": articles}
        return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), _JSON)

    def _json_api(self, request: Request, spec: dict[str, Any]) -> Response:
        size = max(_int(request.query.get(spec["size_param"]), 20), 1)
        number = max(_int(request.query.get(spec["page_param"]), 1), 1)
        rows = spec["rows"][(number - 1) * size : number * size]
        payload: Any = rows
        for key in reversed(spec["rows_path"].split(".")):
            payload = {key: payload}
        payload.update({"total": len(spec["rows"]), "code": 0})
        return Response(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"), _JSON)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default
