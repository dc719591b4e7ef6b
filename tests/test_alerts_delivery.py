"""Real delivery through apprise to local receivers on 127.0.0.1 (no internet).

- ``json://`` and ``form://`` go to :class:`HttpReceiver` unchanged;
- ``mailto://`` goes to :class:`SmtpReceiver` over plain SMTP (``mode=insecure``);
- DingTalk, WeCom bot, Feishu and Lark have their API host hard-coded in apprise (no URL option
  overrides it), so these tests patch the plugin class's endpoint attribute (``notify_url``) to
  the local receiver: apprise still builds its real payload and POSTs it over a real socket,
  and the test checks the JSON that arrives.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.lark import NotifyLark
from apprise.plugins.wecombot import NotifyWeComBot

from alerting.messages import Message, render_digest, render_event
from scheduler.alerts.channels import body_format_for, send, send_test, split_message
from tests.receivers import HttpReceiver, SmtpReceiver
from tests.test_alerts_messages import INDICATOR, REPORT, SAMPLES


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


def test_json_delivery(http: HttpReceiver) -> None:
    msg = render_event("indicator_changed", INDICATOR, body_format_for(http.url_json))
    result = send(http.url_json, msg)
    assert result.ok and result.error is None
    (req,) = http.requests
    assert req.method == "POST" and req.path == "/hook"
    assert req.json["title"] == msg.title
    assert req.json["message"] == msg.body
    assert "行政复议纠错率：27% → 18.1%（2023年度 → 2024年度）" in req.json["message"]


def test_form_delivery(http: HttpReceiver) -> None:
    msg = render_event("new_report", REPORT, body_format_for(http.url_form))
    assert send(http.url_form, msg).ok
    (req,) = http.requests
    assert req.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert req.form["title"] == "【新报告】大连市司法局2024年法治政府建设年度报告"
    assert "是否按时：按时" in req.form["message"]


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_mail_delivery_utf8(smtp: SmtpReceiver, fmt: str) -> None:
    url = smtp.url(to="reader@example.org") + ("&format=text" if fmt == "text" else "")
    assert body_format_for(url) == fmt
    msg = render_event("new_report", REPORT, fmt)  # type: ignore[arg-type]
    result = send(url, msg)
    assert result.ok, result.error
    (mail,) = smtp.messages
    assert mail.subject == msg.title
    assert mail.rcpt_tos == ["reader@example.org"]
    plain = mail.text("plain")
    assert "大连市司法局2024年法治政府建设年度报告" in plain
    assert str(REPORT["url"]) in plain  # the link survives in the plain-text part too
    if fmt == "markdown":
        assert f'href="{REPORT["url"]}"' in mail.text("html")


def test_mail_bad_password_is_a_masked_failure(smtp: SmtpReceiver) -> None:
    url = smtp.url().replace(smtp.password, "wrong-pass-123")
    result = send(url, render_event("new_report", REPORT))
    assert not result.ok
    assert result.error and result.error.startswith(f"mailto://127.0.0.1:{smtp.port}")
    assert "wrong-pass-123" not in result.error and smtp.user not in result.error
    assert "535" in result.error  # the SMTP reply behind apprise's generic warning is kept
    assert not smtp.messages


def test_failing_target_reports_masked_error(http: HttpReceiver) -> None:
    http.fail_next(1, 500)
    url = f"json://hookuser:Sup3rSecretPw@127.0.0.1:{http.port}/hook/tok-9f8e7d?token=qq-secret-77"
    result = send(url, render_event("new_report", REPORT))
    assert not result.ok
    assert result.error is not None
    assert "500" in result.error and "receiver told to fail" in result.error
    assert result.error.startswith(f"json://127.0.0.1:{http.port}:")
    for secret in ("hookuser", "Sup3rSecretPw", "tok-9f8e7d", "qq-secret-77"):
        assert secret not in result.error
    http.fail_next(1, 503)
    assert "503" in (send(http.url_json, render_event("new_report", REPORT)).error or "")


def test_connection_refused_is_a_failure_not_an_exception() -> None:
    with HttpReceiver() as gone:
        url = gone.url_json
    result = send(url, render_event("new_report", REPORT), timeout=2)
    assert not result.ok and result.error


@pytest.mark.parametrize("url", ["", "not-a-url", "nonsense://abc", "dingtalk://", "mailto://"])
def test_invalid_url_is_a_clear_failure(url: str) -> None:
    result = send(url, render_event("new_report", REPORT))
    assert not result.ok
    assert result.error and "invalid or unsupported apprise URL" in result.error


def test_slow_target_times_out_without_delaying_others(http: HttpReceiver) -> None:
    with HttpReceiver() as fast:
        http.slow_next(1, 4.0)
        msg = render_event("new_report", REPORT)
        with ThreadPoolExecutor(2) as pool:
            started = time.monotonic()
            slow_future = pool.submit(send, http.url_json, msg, 1.0)
            fast_future = pool.submit(send, fast.url_json, msg, 1.0)
            fast_result = fast_future.result()
            fast_elapsed = time.monotonic() - started
            slow_result = slow_future.result()
        assert fast_result.ok and fast_elapsed < 1.0
        assert not slow_result.ok
        assert time.monotonic() - started < 3.5  # bounded by the 1 s read timeout, not the 4 s delay


def test_concurrent_failures_do_not_leak_into_other_results(http: HttpReceiver) -> None:
    """apprise logs to one global logger; each send must only report its own thread's warnings."""
    with HttpReceiver() as good:
        http.fail_next(20, 500)
        msg = render_event("site_failing", SAMPLES["site_failing"])
        urls = [http.url_json if i % 2 else good.url_json for i in range(20)]
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda u: send(u, msg), urls))
        good_port = good.port
    for url, result in zip(urls, results, strict=True):
        if str(good_port) in url:
            assert result.ok and result.error is None
        else:
            assert not result.ok and "500" in (result.error or "")
            assert str(good_port) not in (result.error or "")


def test_send_splits_what_the_channel_cannot_take(
    http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("scheduler.alerts.channels").alerts.channels._MAX_BODY_BYTES, "json", 600)
    digest = render_digest([(k, p) for k, p in SAMPLES.items()] * 3, "markdown", "本周")
    assert send(http.url_json, digest).ok
    assert len(http.requests) == len(split_message(digest, 600)) > 1
    for i, req in enumerate(http.requests, 1):
        assert req.json["title"].endswith(f"（{i}/{len(http.requests)}）")
        assert len((req.json["title"] + "\r\n" + req.json["message"]).encode()) <= 600


def test_send_test_message(http: HttpReceiver) -> None:
    assert send_test(http.url_json).ok
    (req,) = http.requests
    assert req.json["title"].startswith("【测试】")
    assert "fzwatch 测试通知" in req.json["message"]


# --- China-specific channels: real POST to the local receiver with apprise's endpoint patched ---


def test_dingtalk_delivery(http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoint patched (apprise hard-codes oapi.dingtalk.com); payload as DingTalk would get it."""
    monkeypatch.setattr(NotifyDingTalk, "notify_url", http.base + "/robot/send?access_token={token}")
    url = "dingtalk://abcdef0123456789/"
    msg = render_event("new_report", REPORT, body_format_for(url))
    assert send(url, msg).ok
    (req,) = http.requests
    assert req.query["access_token"] == "abcdef0123456789"
    body = req.json
    assert body["msgtype"] == "text", "apprise 1.13 only sends msgtype=text correctly"
    assert body["text"]["content"].startswith(msg.title)
    assert "大连市司法局" in body["text"]["content"]


def test_dingtalk_signed_and_markdown_request_downgraded(
    http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `format=markdown` DingTalk URL would be silently dropped by DingTalk with apprise ≤1.13.1, so send()
    downgrades to text; the signing secret produces timestamp + sign query parameters."""
    monkeypatch.setattr(NotifyDingTalk, "notify_url", http.base + "/robot/send?access_token={token}")
    url = "dingtalk://SECabc123@abcdef0123456789/?format=markdown"
    assert send(url, render_event("report_overdue", SAMPLES["report_overdue"], body_format_for(url))).ok
    (req,) = http.requests
    assert req.query["timestamp"] and req.query["sign"]
    assert req.json["msgtype"] == "text" and "text" in req.json
    assert "逾期未公开" in req.json["text"]["content"]


def test_dingtalk_failure_hides_token(http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NotifyDingTalk, "notify_url", http.base + "/robot/send?access_token={token}")
    http.fail_next(1, 500)
    result = send("dingtalk://abcdef0123456789/", render_event("new_report", REPORT))
    assert not result.ok and "abcdef0123456789" not in (result.error or "")
    assert result.error and result.error.startswith("dingtalk://***")


def test_wecombot_delivery(http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoint patched (apprise hard-codes qyapi.weixin.qq.com); WeCom text content ≤ 2048 bytes."""
    monkeypatch.setattr(NotifyWeComBot, "notify_url", http.base + "/cgi-bin/webhook/send?key={key}")
    monkeypatch.setattr(
        NotifyWeComBot, "request_rate_per_sec", 0
    )  # parts are throttled 5.5 s apart otherwise
    url = "wecombot://693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa"
    digest = render_digest([(k, p) for k, p in SAMPLES.items()] * 4, body_format_for(url), "本周")
    assert send(url, digest).ok
    assert len(http.requests) > 1
    for req in http.requests:
        assert req.query["key"] == "693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa"
        assert req.json["msgtype"] == "text"
        assert len(req.json["text"]["content"].encode("utf-8")) <= 2048
    joined = "".join(r.json["text"]["content"] for r in http.requests)
    assert "行政复议纠错率" in joined and "站点恢复" in joined


def test_feishu_delivery(http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoint patched (apprise hard-codes open.feishu.cn); each request body stays under Feishu's 20 KB."""
    monkeypatch.setattr(NotifyFeishu, "notify_url", http.base + "/open-apis/bot/v2/hook/{token}/")
    monkeypatch.setattr(NotifyFeishu, "request_rate_per_sec", 0)
    url = "feishu://0a1b2c3d-tok"
    digest = render_digest([(k, p) for k, p in SAMPLES.items()] * 20, body_format_for(url), "本月")
    assert send(url, digest).ok
    assert len(http.requests) > 1
    for req in http.requests:
        assert req.path == "/open-apis/bot/v2/hook/0a1b2c3d-tok/"
        assert req.json["msg_type"] == "text"
        assert len(req.raw) < 20 * 1024  # ensure_ascii JSON: one CJK char is 6 bytes on the wire
    assert "逾期公开" in http.requests[0].json["content"]["text"]


def test_lark_delivery(http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoint patched (apprise hard-codes open.larksuite.com); Lark prepends the title to the text."""
    monkeypatch.setattr(NotifyLark, "notify_url", http.base + "/open-apis/bot/v2/hook/")
    monkeypatch.setattr(NotifyLark, "request_rate_per_sec", 0)  # apprise's Lark throttles twice per send
    msg = render_event("indicator_changed", INDICATOR, body_format_for("lark://tok-123"))
    assert send("lark://tok-123", msg).ok
    (req,) = http.requests
    assert req.path == "/open-apis/bot/v2/hook/tok-123"
    assert req.json["content"]["text"].startswith(msg.title + "\n")
    assert "27% → 18.1%" in req.json["content"]["text"]


def test_every_kind_delivers_as_json(http: HttpReceiver) -> None:
    for kind, payload in SAMPLES.items():
        assert send(http.url_json, render_event(kind, payload, "markdown")).ok
    assert [r.json["title"] for r in http.requests] == [render_event(k, p).title for k, p in SAMPLES.items()]


def test_message_dataclass_is_what_gets_sent(http: HttpReceiver) -> None:
    msg = Message("【测试】标题", "第一行\n\n第二行 🙂", "text")
    assert send(http.url_json, msg).ok
    assert http.requests[0].json["message"] == "第一行\n\n第二行 🙂"
