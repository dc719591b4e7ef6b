"""`fzwatch web`: the Flask app (pages + JSON API) and its production server (waitress).

Flask because the project already ships it and the app is server-rendered pages plus a small API;
spectree adds request validation and the OpenAPI document from pydantic models (see docs/web.md)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, Response, render_template, request
from flask import json as flask_json
from waitress import serve as waitress_serve
from werkzeug.exceptions import HTTPException, SecurityError

from storage.database import Database
from storage.health import STATE_LABELS
from web import api, security
from web.labels import beijing, event_label, safe_url
from web.pages import pages

logger = logging.getLogger(__name__)

ERROR_ZH = {
    400: ("请求有误", "请求的参数不正确。"),
    401: ("需要登录", "请先登录。"),
    403: ("禁止访问", "没有权限执行此操作。"),
    404: ("页面不存在", "找不到您要的页面或报告。"),
    405: ("方法不允许", "不支持此请求方法。"),
    413: ("请求过大", "提交的内容太大。"),
    415: ("格式不支持", "请求体须为 JSON。"),
    422: ("参数无效", "请求的参数不符合要求。"),
    500: ("服务器错误", "服务器内部出错，请稍后再试。"),
}


def allowed_hosts(bind_host: str) -> list[str]:
    """Host header allow-list: loopback names, the bound address, and FZWATCH_WEB_HOSTS (comma-separated)."""
    extra = [h.strip() for h in os.environ.get("FZWATCH_WEB_HOSTS", "").split(",") if h.strip()]
    return list(dict.fromkeys([*security.LOOPBACK_HOSTS, bind_host, *extra]))


def create_app(
    db: Database, token: str | None = None, bind_host: str = "127.0.0.1", secret: str | None = None
) -> Flask:
    """The app over ``db``. ``token`` authorizes writes (Bearer or login); reads need a login too when
    ``bind_host`` is not loopback."""
    app = Flask(__name__)
    app.config.update(FZWATCH_DB=db, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    security.install(app, token, security.is_loopback(bind_host), allowed_hosts(bind_host), secret)
    app.register_blueprint(pages)
    api.install(app)
    app.jinja_env.filters.update(
        bj=beijing, safe_url=safe_url, state_zh=lambda s: STATE_LABELS.get(s, s), event_zh=event_label
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    return app


def _error(code: int, detail: str | None = None) -> Any:
    title, message = ERROR_ZH.get(code, ("出错了", "请求未能完成。"))
    if request.path.startswith("/api/"):
        return flask_json.jsonify(error=detail or message), code
    return render_template("error.html", code=code, title=title, message=detail or message), code


def _http_error(exc: HTTPException) -> Any:
    if isinstance(exc, SecurityError):  # untrusted Host: no URL adapter, so no template either
        return Response("主机名不在允许列表中（可用 FZWATCH_WEB_HOSTS 添加）。", 400, mimetype="text/plain")
    code = exc.code or 500
    # Our own abort(…, description=…) messages are Chinese; werkzeug's defaults are English.
    detail = exc.description if exc.description and exc.description != type(exc).description else None
    return _error(code, detail)


def _server_error(exc: Exception) -> Any:
    logger.exception("unhandled error on %s", request.path)
    return _error(500)


def serve(app: Flask, host: str, port: int, threads: int = 8) -> None:
    """waitress: threads for concurrent readers, timeouts against slow clients."""
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=60,
        cleanup_interval=30,
        connection_limit=200,
        max_request_body_size=4 * 1024 * 1024,
        ident="fzwatch",
    )
