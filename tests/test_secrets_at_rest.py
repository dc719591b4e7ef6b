"""Secrets at rest (issue 12): apprise URLs are encrypted in the database with a key kept outside it, and
error text from a target never carries the credential in any encoding."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import JSON, select, text, type_coerce

from alerting.urls import scrub
from storage.database import Database
from storage.events import emit_event
from storage.models import OutboxItem, Subscription
from storage.secrets import KEY_FILE_ENV
from storage.subscriptions import add_subscription, list_subscriptions
from tests.crawl_helpers import REPO, crawl_env

SECRET_URL = "mailtos://alice:S3cretPass%21@smtp.example.org?to=team@example.org"


def test_urls_are_encrypted_in_the_database_and_read_back(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "keys" / "secret.key"))
    db = Database(sqlite_url)
    with db.transaction() as s:
        add_subscription(s, [SECRET_URL, "json://127.0.0.1:9/hook?token=abcdef123456"], {})
    raw = Path(sqlite_url.removeprefix("sqlite:///")).read_bytes()
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT urls FROM subscriptions")).scalar()
    for secret in (b"S3cretPass", b"alice", b"abcdef123456"):
        assert secret not in raw and secret.decode() not in str(stored)
    with db.transaction() as s:
        [sub] = list_subscriptions(s)
        assert sub.urls[0] == SECRET_URL
    key = tmp_path / "keys" / "secret.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    db.dispose()


def test_a_wrong_key_is_a_clear_error_not_garbage(sqlite_url: str, tmp_path: Path) -> None:
    env_a = {KEY_FILE_ENV: str(tmp_path / "a.key")}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "subscribe", "json://127.0.0.1:9/hook?token=abc123"],
        cwd=REPO,
        env=crawl_env(sqlite_url, **env_a),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    env_b = {KEY_FILE_ENV: str(tmp_path / "b.key")}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "subscriptions"],
        cwd=REPO,
        env=crawl_env(sqlite_url, **env_b),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "无法解密" in proc.stderr


def test_db_upgrade_encrypts_rows_written_in_plaintext(sqlite_url: str, tmp_path: Path) -> None:
    db = Database(sqlite_url)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subscriptions (name, urls, filters, mode, digest, source, active, created_at)"
                " VALUES ('old', '[\"json://127.0.0.1:9/x?token=plain999\"]', '{}', 'immediate', '{}',"
                " 'cli', 1, '2024-01-01 00:00:00')"
            )
        )
    env = {KEY_FILE_ENV: str(tmp_path / "k.key")}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "db", "upgrade"],
        cwd=REPO,
        env=crawl_env(sqlite_url, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and "已加密 1" in proc.stdout, proc.stdout + proc.stderr
    with db.engine.connect() as conn:
        assert "plain999" not in str(conn.execute(text("SELECT urls FROM subscriptions")).scalar())
    with db.transaction() as s:
        raw = s.execute(select(type_coerce(Subscription.urls, JSON))).scalar()
        assert "fernet" in raw
        assert s.scalar(select(Subscription.target_count)) == 1, "the count of targets is filled too"
    db.dispose()


def test_announcements_are_queued_without_the_secret_key(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawl worker has the database URL but not the key: queuing an announcement must not need it."""
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "daemon" / "secret.key"))
    db = Database(sqlite_url)
    with db.transaction() as s:
        add_subscription(s, [SECRET_URL, "json://127.0.0.1:9/hook?token=abcdef123456"], {})
        add_subscription(s, ["json://127.0.0.1:9/other"], {"events": ["site_failing"]})
    worker_key = tmp_path / "worker" / "secret.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(worker_key))
    with db.transaction() as s:
        event = emit_event(s, "new_report", None, {"title": "2024年度法治政府建设工作报告"})
        assert event is not None
        queued = s.scalars(select(OutboxItem).where(OutboxItem.event_id == event.id)).all()
        assert sorted(item.target for item in queued) == [0, 1], "one row per target of the matching one"
    assert not worker_key.exists(), "the key was never asked for"
    db.dispose()


def test_error_bodies_are_scrubbed_in_every_encoding() -> None:
    basic = base64.b64encode(b"alice:S3cretPass!").decode()
    echoed = (
        f"401 for Authorization: Basic {basic}; user alice pass S3cretPass! "
        f"or S3cretPass%21 in {SECRET_URL} and S3cretPass%2521"
    )
    cleaned = scrub(echoed, SECRET_URL)
    for leak in (basic, "S3cretPass", "alice:"):
        assert leak not in cleaned, cleaned
