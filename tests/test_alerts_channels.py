"""Channel knowledge without the network: URL masking, body format, size limits, splitting."""

from __future__ import annotations

import random

import pytest

from alerting.messages import Message, render_digest
from alerting.urls import is_valid_url, mask_url, scrub
from scheduler.alerts.channels import (
    _dingtalk_markdown_broken,
    body_format_for,
    max_body_for,
    split_message,
)
from tests.test_alerts_messages import SAMPLES


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("mailto://user:p%40ss@smtp.qq.com?to=a@qq.com&from=b@qq.com", "mailto://smtp.qq.com"),
        ("mailtos://alerts:hunter2@smtp.163.com:465/?to=x@163.com", "mailtos://smtp.163.com:465"),
        ("dingtalk://abcdef0123456789/13800000000", "dingtalk://***"),
        ("dingtalk://SECsig0123@abcdef0123456789/", "dingtalk://***"),
        ("wecombot://693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", "wecombot://***"),
        ("feishu://0a1b2c3d-token", "feishu://***"),
        ("tgram://123456789:AAbbCCdd_ee/-100200300", "tgram://***"),
        ("json://127.0.0.1:8080/hook?token=abc", "json://127.0.0.1:8080"),
        ("jsons://hooks.example.org/secret/path", "jsons://hooks.example.org"),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN123", "https://open.feishu.cn"),
        ("form://[::1]:9000/x", "form://[::1]:9000"),
        ("not a url", "<无效地址>"),
        ("", "<无效地址>"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_url_never_raises_on_garbage() -> None:
    for junk in ("://", "a://@", "x://:@:/", "💥://💥", None):
        assert isinstance(mask_url(junk), str)  # type: ignore[arg-type]


def test_scrub_removes_every_secret_fragment() -> None:
    url = "mailto://alerts:hunter2secret@smtp.qq.com?to=boss@qq.com"
    text = f"login alerts:hunter2secret failed for {url} to boss@qq.com; access_token=zzz999"
    cleaned = scrub(text, url)
    for secret in ("hunter2secret", "boss@qq.com", "zzz999"):
        assert secret not in cleaned
    token_url = "dingtalk://abcdef0123456789/"
    assert "abcdef0123456789" not in scrub(
        "POST https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789", token_url
    )


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("json://127.0.0.1/hook", "markdown"),
        ("form://127.0.0.1/hook", "text"),
        ("mailto://u:p@smtp.qq.com", "markdown"),  # apprise e-mail is HTML: markdown is converted
        ("mailto://u:p@smtp.qq.com?format=text", "text"),
        ("tgram://123456789:abcdefg_hijklmnop/123", "markdown"),  # Telegram HTML mode
        ("discord://12345/abcdef", "markdown"),
        ("wecombot://key1", "text"),  # apprise posts WeCom as msgtype=text
        ("feishu://tok", "text"),
        ("lark://tok", "text"),
        ("ntfy://topic", "text"),
        ("garbage", "text"),
    ],
)
def test_body_format_for(url: str, fmt: str) -> None:
    assert body_format_for(url) == fmt


def test_dingtalk_format_follows_apprise_bug_status() -> None:
    """apprise ≤1.13.1 sends DingTalk markdown with msgtype=text, which DingTalk drops (caronc/apprise#1733)."""
    expected = "text" if _dingtalk_markdown_broken() else "markdown"
    assert body_format_for("dingtalk://abc123/?format=markdown") == expected
    assert body_format_for("dingtalk://abc123/") in ("text", expected)


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("dingtalk://abc123/", 20_000),
        ("wecombot://key1", 2_048),
        ("feishu://tok", 9_000),
        ("discord://12345/abcdef", 2_000),
        ("tgram://123456789:abcdefg_hijklmnop/123", 4_096),
        ("json://127.0.0.1/hook", 32_000),
        ("mailto://u:p@smtp.qq.com", 32_000),
    ],
)
def test_max_body_for(url: str, limit: int) -> None:
    assert max_body_for(url) == limit


def test_is_valid_url() -> None:
    assert is_valid_url("json://127.0.0.1/hook")
    assert not is_valid_url("dingtalk://")
    assert not is_valid_url("nonsense://x")


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _squash(text: str) -> str:
    return "".join(text.split())


def test_short_message_is_not_split() -> None:
    msg = Message("标题", "正文", "text")
    assert split_message(msg, 2048) == [msg]


@pytest.mark.parametrize("max_len", [200, 512, 2048, 20_000])
def test_split_digest_within_byte_limit_and_keeps_text(max_len: int) -> None:
    items = [(kind, payload) for _ in range(30) for kind, payload in SAMPLES.items()]
    digest = render_digest(items, "markdown", "本周")
    parts = split_message(digest, max_len)
    assert len(parts) > 1
    for i, part in enumerate(parts, 1):
        assert _nbytes(part.title) + 2 + _nbytes(part.body) <= max_len
        assert part.title.endswith(f"（{i}/{len(parts)}）")
        assert part.body_format == "markdown"
    assert _squash("".join(p.body for p in parts)) == _squash(digest.body)


def test_split_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"第{i}段：" + "法治政府建设" * 20 for i in range(10)]
    parts = split_message(Message("汇总", "\n\n".join(paragraphs), "text"), 1200)
    for part in parts:
        for para in part.body.split("\n\n"):
            assert para in paragraphs  # no paragraph was cut


def test_split_never_cuts_a_character() -> None:
    rng = random.Random(7)
    alphabet = "法治政府建设年度报告ab1 😀\n"
    for _ in range(50):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(100, 3000)))
        max_len = rng.randint(120, 900)
        parts = split_message(Message("标题" * rng.randint(1, 40), body, "text"), max_len)
        for part in parts:
            part.body.encode("utf-8")  # would raise on a broken surrogate / half character
            assert _nbytes(part.title) + 2 + _nbytes(part.body) <= max_len
        assert _squash("".join(p.body for p in parts)) == _squash(body)


def test_split_line_without_breaks() -> None:
    body = "法" * 5000  # 15000 bytes, no paragraph or line boundary at all
    parts = split_message(Message("t", body, "text"), 2048)
    assert "".join(p.body for p in parts) == body
    assert all(_nbytes(p.title) + 2 + _nbytes(p.body) <= 2048 for p in parts)


def test_split_rejects_impossible_limit() -> None:
    with pytest.raises(ValueError):
        split_message(Message("t" * 10, "x" * 100, "text"), 20)
