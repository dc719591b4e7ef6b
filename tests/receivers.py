"""Real local receivers for alert tests: an HTTP webhook and an SMTP server on 127.0.0.1.

Both bind port 0 (a free port) and record what arrives, so apprise delivers over real sockets
without touching the internet. Use them as context managers (or call ``start``/``stop``).
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


@dataclass
class HttpRequest:
    """One request as received: method, path (with query), headers, raw and parsed body."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, delay = self.server.owner._next_behaviour()
        self.server.owner._record(self._parse(raw))
        if delay:
            time.sleep(delay)
        body = self.server.owner.response_body if status == 200 else b'{"error": "receiver told to fail"}'
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def _parse(self, raw: bytes) -> HttpRequest:
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = HttpRequest(self.command, self.path, headers, raw)
        ctype = headers.get("content-type", "")
        if raw and "json" in ctype:
            req.json = json.loads(raw.decode("utf-8"))
        elif raw and "x-www-form-urlencoded" in ctype:
            req.form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        return req

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HttpReceiver


class HttpReceiver:
    """A threaded webhook receiver on 127.0.0.1 that records requests.

    ``fail_next(n, status)`` answers the next ``n`` requests with ``status`` (500, 503…);
    ``slow_next(n, seconds)`` delays the next ``n`` responses.
    """

    def __init__(self, response_body: bytes = b'{"errcode": 0, "errmsg": "ok", "code": 0}') -> None:
        self.response_body = response_body
        self.requests: list[HttpRequest] = []
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> HttpReceiver:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "receiver not started"
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` (for plugins whose endpoint is patched to point here)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url_json(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    @property
    def url_form(self) -> str:
        return f"form://127.0.0.1:{self.port}/hook"

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * n)

    def slow_next(self, n: int = 1, seconds: float = 5.0) -> None:
        with self._lock:
            self._delays.extend([seconds] * n)

    def _next_behaviour(self) -> tuple[int, float]:
        with self._lock:
            status = self._failures.pop(0) if self._failures else 200
            delay = self._delays.pop(0) if self._delays else 0.0
        return status, delay

    def _record(self, req: HttpRequest) -> None:
        with self._lock:
            self.requests.append(req)


@dataclass
class ReceivedMail:
    """One SMTP transaction: envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["subject"])

    def text(self, subtype: str = "plain") -> str:
        """The decoded body part of ``subtype`` ("plain" or "html")."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""


class _SmtpHandler:
    def __init__(self, owner: SmtpReceiver) -> None:
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.owner.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpReceiver:
    """An aiosmtpd server on 127.0.0.1 (plain SMTP, AUTH accepted without TLS) recording messages."""

    def __init__(self, user: str = "alerts", password: str = "s3cret-pass") -> None:
        self.user, self.password = user, password
        self.messages: list[ReceivedMail] = []
        self._controller: Controller | None = None

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        login = getattr(auth_data, "login", b"") or b""
        password = getattr(auth_data, "password", b"") or b""
        ok = login.decode() == self.user and password.decode() == self.password
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 235/535

    def start(self) -> SmtpReceiver:
        self._controller = Controller(
            _SmtpHandler(self),
            hostname="127.0.0.1",
            port=_free_port(),  # aiosmtpd's start-up self-check cannot use port 0
            authenticator=self._auth,
            auth_require_tls=False,
            auth_required=False,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._controller is not None, "receiver not started"
        return int(self._controller.port)

    def url(self, to: str = "reader@example.org", sender: str = "fzwatch@example.org") -> str:
        """apprise ``mailto://`` URL for this server: plain SMTP (``mode=insecure``), login, from, to."""
        return (
            f"mailto://{self.user}:{self.password}@127.0.0.1:{self.port}?mode=insecure&from={sender}&to={to}"
        )
