"""Access control and response hardening.

- Reading needs no login when the app is bound to loopback; otherwise every request needs it.
- Every write (any method but GET/HEAD/OPTIONS) needs ``Authorization: Bearer <token>`` or a login
  session plus the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
- The token is FZWATCH_WEB_TOKEN (``fzwatch web`` makes a one-off token on loopback when unset).

Flask-WTF would bring WTForms for one hidden field; the CSRF check is a few lines with
``secrets``/``hmac`` and is kept here.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, request, session, url_for

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# ECharts writes style attributes into tooltips through innerHTML, hence 'unsafe-inline' for styles
# only; scripts are our own files (no inline script, no eval).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class AuthRequired(Exception):
    """The request needs a token or a login session."""


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def _bearer_ok(token: str | None) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return bool(token and given) and hmac.compare_digest(given.encode(), str(token).encode())


def check_login(token: str | None, password: str) -> bool:
    return bool(token and password) and hmac.compare_digest(password.encode(), str(token).encode())


def _csrf_ok() -> bool:
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    return bool(given and expected) and hmac.compare_digest(given.encode(), str(expected).encode())


def _same_origin() -> bool:
    """A cookie-authenticated write must come from our own pages (defence in depth next to CSRF)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def authorize() -> None:
    """before_request: decide whether the request may proceed; sets g.user ('token'|'session'|None)."""
    token = current_app.config.get("FZWATCH_TOKEN")
    g.user = "token" if _bearer_ok(token) else ("session" if session.get("user") else None)
    if request.endpoint in ("static", "pages.login", "pages.logout") or request.path == "/api/openapi.json":
        return
    writing = request.method not in SAFE_METHODS
    if g.user is None and (writing or current_app.config.get("READ_NEEDS_LOGIN")):
        raise AuthRequired()
    if writing and g.user == "session" and not (_csrf_ok() and _same_origin()):
        abort(403, description="CSRF 校验失败，请刷新页面后重试。")


def harden(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")  # no-referrer would make Origin "null"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(
    app: Flask, token: str | None, loopback: bool, hosts: list[str], secret: str | None = None
) -> None:
    app.config.update(
        FZWATCH_TOKEN=token,
        READ_NEEDS_LOGIN=not loopback,
        TRUSTED_HOSTS=hosts,
        SECRET_KEY=secret or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    app.before_request(authorize)
    app.after_request(harden)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.errorhandler(AuthRequired)
    def _auth_required(_: AuthRequired) -> Any:
        if request.path.startswith("/api/"):
            return jsonify(
                error="需要令牌：请在 Authorization 头中提供 Bearer 令牌（FZWATCH_WEB_TOKEN）。"
            ), 401
        return redirect(url_for("pages.login", next=request.full_path if request.method == "GET" else "/"))
