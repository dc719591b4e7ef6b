"""Subscriptions and notifications from the command line, as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scheduler.delivery import drain
from storage.database import Database
from storage.events import emit_event
from storage.sites import get_site
from tests.crawl_helpers import REPO, crawl_env
from tests.receivers import HttpReceiver
from tests.test_cli import fz

SECRET = "pw-Zq81xx"


def listed(db_url: str) -> list[dict]:
    r = fz(db_url, "subscriptions", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_subscribe_with_every_filter_then_edit_and_unsubscribe(sqlite_url: str) -> None:
    fz(
        sqlite_url,
        "sites",
        "add",
        "http://127.0.0.1:8001/",
        "--name",
        "泰顺县司法局",
        "--id",
        "taishun-sfj",
        "--notify-existing",
    )
    url = f"mailtos://alerts:{SECRET}@smtp.qq.com?to=team@example.org"
    r = fz(
        sqlite_url,
        "subscribe",
        url,
        "--site",
        "taishun-sfj",
        "--event",
        "new_report,indicator_changed",
        "--region",
        "浙江省温州市",
        "--agency",
        "司法局",
        "--year",
        "2024",
        "--indicator",
        "reconsideration_correction_rate:5",
        "--indicator",
        "litigation_new",
        "--keyword",
        "行政复议",
        "--digest",
        "weekly@mon 09:00",
        "--name",
        "周报",
    )
    assert r.returncode == 0 and "已创建订阅 1（每周一 09:00汇总）" in r.stdout, r.stderr
    [sub] = listed(sqlite_url)
    assert sub["targets"] == ["mailtos://smtp.qq.com"] and sub["name"] == "周报"
    assert sub["filters"] == {
        "events": ["new_report", "indicator_changed"],
        "sites": ["taishun-sfj"],
        "region_prefix": "浙江省温州市",
        "agency_contains": "司法局",
        "year": 2024,
        "indicator_keys": {"reconsideration_correction_rate": 5.0, "litigation_new": None},
        "keywords": ["行政复议"],
    }
    assert sub["mode"] == "digest"
    assert sub["digest"] == {"every": "weekly", "at": "09:00", "weekday": "mon", "tz": "Asia/Shanghai"}
    table = fz(sqlite_url, "subscriptions").stdout
    assert (
        "reconsideration_correction_rate≥5" in table and "每周一 09:00汇总" in table and SECRET not in table
    )

    r = fz(
        sqlite_url,
        "subscriptions",
        "edit",
        "1",
        "--clear",
        "year",
        "--clear",
        "keywords",
        "--digest",
        "daily@07:30",
        "--tz",
        "Asia/Urumqi",
        "--region",
        "浙江省",
    )
    assert r.returncode == 0 and "已修改订阅 1" in r.stdout and SECRET not in r.stdout, r.stderr
    [sub] = listed(sqlite_url)
    assert "year" not in sub["filters"] and "keywords" not in sub["filters"]
    assert sub["filters"]["region_prefix"] == "浙江省" and sub["filters"]["agency_contains"] == "司法局"
    assert sub["digest"] == {"every": "daily", "at": "07:30", "tz": "Asia/Urumqi"}
    assert fz(sqlite_url, "subscriptions", "edit", "1", "--immediate").returncode == 0
    assert listed(sqlite_url)[0]["mode"] == "immediate"
    assert fz(sqlite_url, "unsubscribe", "1").returncode == 0
    assert listed(sqlite_url) == []


def test_subscription_mistakes_are_one_line(sqlite_url: str) -> None:
    for args, needle in [
        (["subscribe", "json://127.0.0.1/x", "--digest", "hourly"], "invalid digest"),
        (["subscribe", "json://127.0.0.1/x", "--indicator", "litigation_new:many"], "must be a number"),
        (["subscribe", "json://127.0.0.1/x", "--indicator", "fy_typo"], "unknown indicator key(s) fy_typo"),
        (["subscribe", "json://127.0.0.1/x", "--site", "nowhere"], "unknown site 'nowhere'"),
        (["subscribe", f"nonsense://user:{SECRET}@host/"], "not a valid apprise URL"),
        (["subscriptions", "edit", "9", "--year", "2024"], "unknown subscription 9"),
        (["subscriptions", "load", "/nonexistent.yaml"], "cannot read file"),
    ]:
        r = fz(sqlite_url, *args)
        assert r.returncode in (1, 2) and needle in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr and SECRET not in r.stderr + r.stdout


def test_yaml_subscriptions_load_update_and_deactivate(sqlite_url: str, tmp_path: Path) -> None:
    declared = tmp_path / "subscriptions.yaml"
    declared.write_text(
        "subscriptions:\n"
        "  - name: 运维\n    url: json://127.0.0.1:9/ops?token=${OPS_TOKEN}\n"
        "    events: [site_failing, site_blocked, site_recovered]\n"
        "  - name: 周报\n    url: form://127.0.0.1:9/weekly\n"
        "    digest: {every: weekly, at: '09:00', weekday: fri}\n",
        encoding="utf-8",
    )
    env_db = sqlite_url
    os.environ["OPS_TOKEN"] = SECRET
    try:
        assert "格式正确" in fz(env_db, "subscriptions", "load", str(declared), "--check").stdout
        assert listed(env_db) == []
        r = fz(env_db, "subscriptions", "load", str(declared))
        assert r.returncode == 0 and "新增 2" in r.stdout, r.stderr
        subs = {s["name"]: s for s in listed(env_db)}
        assert subs["周报"]["mode"] == "digest" and subs["运维"]["source"] == "yaml"
        assert SECRET not in fz(env_db, "subscriptions").stdout
        r = fz(env_db, "subscriptions", "edit", str(subs["运维"]["id"]), "--year", "2024")
        assert r.returncode == 1 and "edit the file" in r.stderr
        declared.write_text(
            "subscriptions:\n  - name: 运维\n    url: json://127.0.0.1:9/ops\n    events: [site_failing]\n",
            encoding="utf-8",
        )
        r = fz(env_db, "subscriptions", "load", str(declared))
        assert "新增 0" in r.stdout and "停用 1" in r.stdout
        [ops] = listed(env_db)
        assert ops["id"] == subs["运维"]["id"] and ops["filters"]["events"] == ["site_failing"]
        declared.write_text(
            "subscriptions:\n  - name: 运维\n    url: json://127.0.0.1:9/ops\n    evnets: [x]\n",
            encoding="utf-8",
        )
        r = fz(env_db, "subscriptions", "load", str(declared))
        assert r.returncode == 1 and "未知的键 'evnets'" in r.stderr
    finally:
        os.environ.pop("OPS_TOKEN", None)


def test_notify_test_and_log_never_show_the_secret(sqlite_url: str) -> None:
    with HttpReceiver() as receiver:
        good = f"json://hook:{SECRET}@127.0.0.1:{receiver.port}/hook"
        assert fz(sqlite_url, "subscribe", good).returncode == 0
        r = fz(sqlite_url, "notify", "test", "1")
        assert r.returncode == 0 and f"json://127.0.0.1:{receiver.port}：发送成功" in r.stdout
        assert receiver.requests[0].json["title"].startswith("【测试】")
        receiver.fail_next(1, 500)
        r = fz(sqlite_url, "notify", "test", "1")
        assert r.returncode == 1 and "发送失败" in r.stdout and "500" in r.stdout
        assert SECRET not in r.stdout + r.stderr

        db = Database(sqlite_url)
        fz(sqlite_url, "sites", "add", "http://127.0.0.1:8001/", "--name", "泰顺县司法局", "--id", "ts")
        with db.transaction() as s:
            emit_event(
                s,
                "site_failing",
                get_site(s, "ts"),
                {"site_id": "ts", "site_name": "泰顺县司法局", "error": "HTTP 503", "failures": 3},
            )
        db.dispose()
        receiver.fail_next(1, 503)
        db = Database(sqlite_url)
        stats = drain(db)
        db.dispose()
        port = receiver.port
    assert stats.retried == 1
    log = fz(sqlite_url, "notify", "log", "--failed")
    assert (
        log.returncode == 0 and "site_failing" in log.stdout and "503" in log.stdout and "下次" in log.stdout
    )
    assert f"json://127.0.0.1:{port}" in log.stdout and SECRET not in log.stdout + log.stderr
    as_json = json.loads(fz(sqlite_url, "notify", "log", "--failed", "--json").stdout)
    assert (
        as_json[0]["status"] == "pending"
        and as_json[0]["attempts"] == 1
        and SECRET not in json.dumps(as_json)
    )


def test_daemon_loads_declared_subscriptions_at_start_and_on_change(sqlite_url: str, tmp_path: Path) -> None:
    declared = tmp_path / "subscriptions.yaml"
    declared.write_text("subscriptions:\n  - name: 甲\n    url: json://127.0.0.1:9/a\n", encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "daemon",
        "--sync-seconds",
        "1",
        "--subscriptions",
        str(declared),
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=crawl_env(sqlite_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and [s["name"] for s in listed(sqlite_url)] != ["甲"]:
            time.sleep(0.3)
        assert [s["name"] for s in listed(sqlite_url)] == ["甲"]
        declared.write_text("subscriptions:\n  - name: 乙\n    url: json://127.0.0.1:9/b\n", encoding="utf-8")
        while time.monotonic() < deadline and [s["name"] for s in listed(sqlite_url)] != ["乙"]:
            time.sleep(0.3)
        assert [s["name"] for s in listed(sqlite_url)] == ["乙"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "subscriptions:\n  - name: 丙\n    mode: dialy\n    url: json://127.0.0.1:9/c\n", encoding="utf-8"
    )
    r = subprocess.run(
        [*cmd[:-1], str(broken)],
        check=False,
        cwd=REPO,
        env=crawl_env(sqlite_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1 and "mode 必须是 immediate 或 digest" in r.stderr and "Traceback" not in r.stderr
