"""Deliver a :class:`Message` to one apprise URL, and what each channel can take.

apprise URLs carry secrets (tokens, passwords, webhook keys): only :func:`mask_url` output
(scheme + host) is ever logged or returned, and error text is scrubbed of every part of the URL.

Each :func:`send` builds a fresh ``apprise.Apprise`` with a single target, so one failing or
slow target never affects another; failures come back as ``SendResult(ok=False, error=...)``,
never as exceptions.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import apprise
from apprise import NotifyFormat

from alerting.messages import BodyFormat, Message, render_event
from alerting.urls import instantiate, mask_url, scrub, split_scheme

logger = logging.getLogger(__name__)
# apprise's own log lines can name a target in full; our scrubbed SendResult errors replace them
# (LogCapture still sees them: it attaches its handler to the apprise logger itself).
logging.getLogger("apprise").propagate = False

DEFAULT_MAX_BODY = 32_000  # bytes; apprise's own default body_maxlen is 32768 characters

#: Per-scheme body limits in UTF-8 bytes (title + body of one message). Sources:
#: DingTalk custom robot ~20000 bytes; WeCom group bot text messages "最长不超过2048个字节"
#: (apprise sends WeCom as msgtype=text, the 4096-byte limit is for markdown only);
#: Feishu/Lark custom bots cap the *request* at 20 KB and apprise JSON-encodes with
#: ``ensure_ascii`` (one CJK character = 6 bytes on the wire vs 3 in UTF-8), hence 9000.
_MAX_BODY_BYTES: dict[str, int] = {
    "dingtalk": 20_000,
    "wecombot": 2_048,
    "feishu": 9_000,
    "lark": 9_000,
    "tgram": 4_096,
    "discord": 2_000,
}

#: Schemes whose rendering differs from what the plugin's ``notify_format`` implies.
#: discord renders markdown natively although apprise's default is text; json receivers
#: get markdown (machine consumers may render it); form posts are plain fields.
_SCHEME_FORMAT: dict[str, BodyFormat] = {
    "discord": "markdown",
    "json": "markdown",
    "jsons": "markdown",
    "form": "text",
    "forms": "text",
}

_NOTIFY_FORMAT: dict[BodyFormat, NotifyFormat] = {
    "markdown": NotifyFormat.MARKDOWN,
    "text": NotifyFormat.TEXT,
}


def _dingtalk_markdown_broken() -> bool:
    """apprise ≤ 1.13.1 sends DingTalk markdown with ``msgtype: text`` (caronc/apprise#1733): dropped."""
    try:
        version = tuple(int(x) for x in re.findall(r"\d+", apprise.__version__)[:3])
    except ValueError:  # pragma: no cover - odd version string
        return True
    return version <= (1, 13, 1)


@dataclass(frozen=True)
class SendResult:
    """Outcome of one delivery: ``ok`` or a masked, human-readable ``error``."""

    ok: bool
    error: str | None = None


# ---------------------------------------------------------------------------------------------
# URL masking


# ---------------------------------------------------------------------------------------------
# what a channel takes


def _scheme_of(url: str) -> str:
    parts = split_scheme(url)
    return parts[0] if parts else ""


def _explicit_format(url: str) -> str | None:
    parts = split_scheme(url)
    query = urlsplit("x://" + parts[1]).query if parts else ""
    values = [v.lower() for k, v in parse_qsl(query) if k.lower() == "format"]
    return values[-1] if values else None


def body_format_for(url: str) -> BodyFormat:
    """``markdown`` where the target renders it (directly or via apprise's markdown→HTML), else ``text``.

    Follows an explicit ``?format=`` in the URL, then per-scheme knowledge, then the plugin's
    own ``notify_format`` (HTML → markdown, since apprise converts markdown to HTML).
    """
    scheme = _scheme_of(url)
    if scheme == "dingtalk" and _dingtalk_markdown_broken():
        return "text"
    explicit = _explicit_format(url)
    if explicit in ("markdown", "html"):
        return "markdown"
    if explicit == "text":
        return "text"
    if scheme in _SCHEME_FORMAT:
        return _SCHEME_FORMAT[scheme]
    plugin = instantiate(url)
    if plugin is None:
        return "text"
    return "markdown" if plugin.notify_format in (NotifyFormat.MARKDOWN, NotifyFormat.HTML) else "text"


def max_body_for(url: str) -> int:
    """Largest title + body (UTF-8 bytes) one message to ``url`` may have."""
    limit = _MAX_BODY_BYTES.get(_scheme_of(url), DEFAULT_MAX_BODY)
    plugin = instantiate(url)
    plugin_max = getattr(plugin, "body_maxlen", 0) if plugin is not None else 0
    if isinstance(plugin_max, int) and plugin_max > 0:
        limit = min(limit, plugin_max)  # apprise counts characters: as bytes it is conservative
    return limit


# ---------------------------------------------------------------------------------------------
# splitting


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, budget: int) -> tuple[str, str]:
    """Longest prefix of ``text`` within ``budget`` UTF-8 bytes (whole characters), and the rest."""
    head = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return head, text[len(head) :]


def _pieces(body: str, budget: int) -> list[tuple[str, str]]:
    """(separator before, piece) pairs: whole paragraphs, else lines, else character runs,
    each within ``budget`` bytes. Joining ``sep + piece`` gives back ``body`` exactly."""
    out: list[tuple[str, str]] = []
    for p_index, para in enumerate(body.split("\n\n")):
        sep = "\n\n" if p_index else ""
        if _nbytes(para) <= budget:
            out.append((sep, para))
            continue
        for l_index, line in enumerate(para.split("\n")):
            line_sep = "\n" if l_index else sep
            while _nbytes(line) > budget:
                head, line = _cut(line, budget)
                out.append((line_sep, head))
                line_sep = ""
            out.append((line_sep, line))
    return out


def _pack(pieces: list[tuple[str, str]], budget: int) -> list[str]:
    """Greedily fill chunks of at most ``budget`` bytes; a separator at a chunk edge is dropped."""
    chunks: list[str] = []
    current: str | None = None
    for sep, piece in pieces:
        if current is not None and _nbytes(current + sep + piece) <= budget:
            current += sep + piece
            continue
        if current is not None and current.strip():
            chunks.append(current)
        current = piece
    if current is not None and current.strip() or not chunks:
        chunks.append(current or "")
    return chunks


_TITLE_OVERHEAD = 2  # apprise joins title and body with "\r\n" on title-less channels


def split_message(msg: Message, max_len: int) -> list[Message]:
    """Split ``msg`` so each part's title + body fits ``max_len`` UTF-8 bytes.

    Splits at paragraph boundaries where possible, then at line ends, and only inside an
    over-long line between whole characters; parts are numbered "（1/3）" in the title. No text
    is lost: only the separator where a cut falls is dropped.
    """
    if _nbytes(msg.title) + _TITLE_OVERHEAD + _nbytes(msg.body) <= max_len:
        return [msg]
    title = _cut(msg.title, max(0, max_len // 4))[0]
    suffix_room = _nbytes("（9999/9999）")
    budget = max_len - _nbytes(title) - suffix_room - _TITLE_OVERHEAD
    if budget < 16:
        raise ValueError(f"max_len {max_len} leaves no room for a body")
    chunks = _pack(_pieces(msg.body, budget), budget)
    n = len(chunks)
    return [Message(f"{title}（{i}/{n}）", chunk, msg.body_format) for i, chunk in enumerate(chunks, 1)]


# ---------------------------------------------------------------------------------------------
# delivery


_RECORD = re.compile(r"^(\d+)\t([A-Z]+)\t", re.MULTILINE)


_DETAIL_PREFIXES = ("Socket Exception", "Response Details")


def _own_warnings(captured: str, thread_id: int) -> list[str]:
    """Warnings/errors logged by this thread (others may send at the same time), plus apprise's
    debug lines that carry the underlying reason (socket error, response body), clipped."""
    records = []
    marks = list(_RECORD.finditer(captured))
    for i, m in enumerate(marks):
        if int(m.group(1)) != thread_id:
            continue
        end = marks[i + 1].start() if i + 1 < len(marks) else len(captured)
        text = " ".join(captured[m.end() : end].split())
        if m.group(2) in ("WARNING", "ERROR", "CRITICAL") or text.startswith(_DETAIL_PREFIXES):
            records.append(text[:300])
    return records


def _capture() -> apprise.LogCapture:
    # DEBUG so the reason behind apprise's generic warning is seen; only our thread's lines are kept
    return apprise.LogCapture(level=logging.DEBUG, fmt="%(thread)d\t%(levelname)s\t%(message)s")


def _failure(url: str, reason: str) -> SendResult:
    error = f"{mask_url(url)}: {scrub(reason, url)}"
    logger.warning("alert delivery failed: %s", error)
    return SendResult(False, error)


def _prepare(url: str, timeout: float) -> tuple[Any | None, str]:
    with _capture() as log:
        plugin = instantiate(url)
    if plugin is None:
        reason = "; ".join(_own_warnings(log.getvalue(), threading.get_ident()))
        return None, "无效或不支持的通知地址 (invalid or unsupported apprise URL)" + (
            f": {reason}" if reason else ""
        )
    plugin.socket_connect_timeout = plugin.socket_read_timeout = float(timeout)
    if type(plugin).__name__ == "NotifyDingTalk" and _dingtalk_markdown_broken():
        plugin.notify_format = NotifyFormat.TEXT
    return plugin, ""


def _notify(plugin: Any, part: Message) -> tuple[bool, list[str]]:
    target = apprise.Apprise()
    target.add(plugin)
    with _capture() as log:
        ok = target.notify(body=part.body, title=part.title, body_format=_NOTIFY_FORMAT[part.body_format])
    return bool(ok), _own_warnings(log.getvalue(), threading.get_ident())


def send(url: str, message: Message, timeout: float = 20) -> SendResult:
    """Send ``message`` to one apprise URL; split first when it exceeds the channel's limit.

    ``timeout`` bounds each connect and each read (seconds). Never raises: an invalid URL,
    a refused connection or an HTTP error gives ``SendResult(False, masked error)``.
    """
    try:
        plugin, reason = _prepare(url, timeout)
        if plugin is None:
            return _failure(url, reason)
        parts = split_message(message, max_body_for(url))
        for index, part in enumerate(parts, 1):
            ok, warnings = _notify(plugin, part)
            if not ok:
                where = f"第{index}/{len(parts)}部分: " if len(parts) > 1 else ""
                return _failure(url, where + ("; ".join(warnings) or "发送失败 (apprise gave no reason)"))
        return SendResult(True)
    except Exception as exc:  # noqa: BLE001 - a delivery must never take the caller down
        return _failure(url, f"{type(exc).__name__}: {exc}")


SAMPLE_PAYLOAD: dict[str, Any] = {
    "site_id": "sample",
    "site_name": "fzwatch 示例站点",
    "region": "示例省示例市",
    "title": "示例市司法局2024年法治政府建设年度报告",
    "agency": "示例市司法局",
    "year": 2024,
    "published_at": "2025-03-28",
    "first_seen": "2025-03-28T10:05:00+08:00",
    "on_time": True,
    "deadline": "2025-04-01",
}


def send_test(url: str, timeout: float = 20) -> SendResult:
    """Send a sample Chinese message to ``url`` (for ``fzwatch`` test-alert commands)."""
    sample = render_event("new_report", SAMPLE_PAYLOAD, body_format_for(url))
    note = "这是一条 fzwatch 测试通知：收到即表示该通知渠道配置正确。"
    message = Message(f"【测试】{sample.title}", f"{note}\n\n{sample.body}", sample.body_format)
    return send(url, message, timeout=timeout)
