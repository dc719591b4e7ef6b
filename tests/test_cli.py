"""The CLI as a user runs it: real subprocesses, real database, fixture portal on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawl_helpers import REPO, crawl_env
from tests.portals.server import SITES_DIR, PortalServer
from tests.receivers import HttpReceiver

EXPECTED = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))


def fz(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=crawl_env(db_url),
        capture_output=True,
        text=True,
        input=stdin,
        timeout=180,
        check=False,
    )


def test_sites_add_import_list_remove(sqlite_url: str, tmp_path: Path) -> None:
    r = fz(
        sqlite_url,
        "sites",
        "add",
        "http://127.0.0.1:8001/",
        "--name",
        "泰顺县司法局",
        "--region",
        "浙江省温州市泰顺县",
        "--id",
        "taishun-sfj",
    )
    assert r.returncode == 0 and "taishun-sfj" in r.stdout
    reg = tmp_path / "sites.yaml"
    reg.write_text(
        "sites:\n  - id: taishun-sfj\n    name: 泰顺县司法局\n    start_urls: [http://127.0.0.1:8002/]\n"
        "    interval: 6h\n  - name: 鹤山市司法局\n    start_urls: http://www.heshan.gov.cn/\n",
        encoding="utf-8",
    )
    r = fz(sqlite_url, "sites", "import", str(reg))
    assert r.returncode == 0 and "新增 1" in r.stdout and "更新 1" in r.stdout
    listed = json.loads(fz(sqlite_url, "sites", "list", "--json").stdout)
    by_id = {s["id"]: s for s in listed}
    assert by_id["taishun-sfj"]["interval_seconds"] == 6 * 3600 and "heshan-gov-cn" in by_id
    assert fz(sqlite_url, "sites", "remove", "heshan-gov-cn", "--purge", "--yes").returncode == 0
    assert [s["id"] for s in json.loads(fz(sqlite_url, "sites", "list", "--json").stdout)] == ["taishun-sfj"]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["crawl", "no-such-site"], 1, "unknown site 'no-such-site'"),
        (["sites", "add", "ftp://x", "--name", "a"], 1, "网址无效 'ftp://x'"),
        (["show", "999"], 1, "unknown report 999"),
        (["unsubscribe", "42"], 1, "unknown subscription 42"),
        (["subscribe", "notaurl"], 2, "not a valid apprise URL"),
        (["subscribe", "json://127.0.0.1/x", "--event", "nonsense"], 2, "unknown event"),
        (["sites", "import", "/nonexistent.yaml"], 1, "no such file"),
        (["crawl"], 2, "name one or more sites"),
        (["frobnicate"], 2, "No such command"),
    ],
)
def test_user_mistakes_give_one_clear_line(sqlite_url: str, args: list[str], code: int, needle: str) -> None:
    r = fz(sqlite_url, *args)
    assert r.returncode == code
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    r = fz("postgresql://nobody@127.0.0.1:1/none", "sites", "list")
    assert r.returncode == 1 and "cannot reach database" in r.stderr and "Traceback" not in r.stderr


def test_bad_registry_file_names_the_problem(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sites:\n  - id: x\n    name: a\n    start_urls: [http://a.gov.cn/]\n    interval: often\n",
        encoding="utf-8",
    )
    r = fz(sqlite_url, "sites", "import", str(bad))
    assert (
        r.returncode == 1
        and "抓取间隔无效 'often'" in r.stderr
        and "bad.yaml 第5行 sites[0].interval" in r.stderr
    )


def test_subscriptions_hide_secrets(sqlite_url: str) -> None:
    url = "mailto://user:s3cretpass@smtp.example.gov.cn?to=a@example.gov.cn"
    assert fz(sqlite_url, "subscribe", url, "--event", "new_report").returncode == 0
    out = fz(sqlite_url, "subscriptions").stdout + fz(sqlite_url, "subscriptions", "--json").stdout
    assert "s3cretpass" not in out and "smtp.example.gov.cn" in out
    assert fz(sqlite_url, "unsubscribe", "1").returncode == 0
    assert json.loads(fz(sqlite_url, "subscriptions", "--json").stdout) == []


def test_crawl_reports_show_and_alerts_from_the_cli(sqlite_url: str) -> None:
    with PortalServer("trs") as portal, HttpReceiver() as receiver:
        fz(
            sqlite_url,
            "sites",
            "add",
            portal.url(EXPECTED["home"]),
            "--name",
            EXPECTED["site_name"],
            "--id",
            "trs",
        )
        assert fz(sqlite_url, "subscribe", receiver.url_json, "--site", "trs").returncode == 0
        first = fz(sqlite_url, "crawl", "trs", "--json")
        assert first.returncode == 0, first.stderr
        summary = json.loads(first.stdout)["crawls"][0]
        assert summary["reports_seen"] == len(EXPECTED["reports"])
        assert receiver.requests == []  # baseline crawl
        target = EXPECTED["reports"][0]
        portal.replace_text(target["url"], "</p>", "</p><p>补充说明：本报告已更新。</p>")
        second = fz(sqlite_url, "crawl", "trs")
        assert second.returncode == 0 and "通知：已发送 1" in second.stdout
        assert len(receiver.requests) == 1 and "补充说明" in receiver.requests[0].json["message"]
    reports = json.loads(fz(sqlite_url, "reports", "--json").stdout)
    assert {"id", "site", "url", "title", "agency", "year", "published_at", "first_seen", "versions"} <= set(
        reports[0]
    )
    revised = next(r for r in reports if r["title"] == target["title"])
    assert revised["versions"] == 2
    shown = fz(sqlite_url, "show", str(revised["id"]), "--versions", "--diff").stdout
    assert "+补充说明：本报告已更新。" in shown and "版本：" in shown
    table = fz(sqlite_url, "reports", "--year", str(target["year"])).stdout
    assert target["title"] in table
    log = fz(sqlite_url, "notify", "log").stdout
    assert "已发送" in log and "report_revised" in log


def test_extract_single_and_batch(tmp_path: Path) -> None:
    page = SITES_DIR / "trs" / EXPECTED["reports"][0]["url"].lstrip("/")
    r = fz(
        "sqlite:///" + str(tmp_path / "x.db"),
        "extract",
        str(page),
        "--url",
        "http://www.ts.gov.cn" + EXPECTED["reports"][0]["url"],
        "--json",
    )
    data = json.loads(r.stdout)
    assert data["is_report"] is True and data["year"] == EXPECTED["reports"][0]["year"]
    assert data["title"] == EXPECTED["reports"][0]["title"]
    for key in ("url", "text", "published_at", "agency", "sections", "indicators", "attachments"):
        assert key in data
    listing = tmp_path / "list.tsv"
    rows = [
        f"{SITES_DIR / 'trs' / r['url'].lstrip('/')}\thttp://www.ts.gov.cn{r['url']}"
        for r in EXPECTED["reports"]
    ]
    listing.write_text("\n".join(rows + ["/missing.html\thttp://x/"]) + "\n", encoding="utf-8")
    out = fz("sqlite:///" + str(tmp_path / "x.db"), "extract", "--batch", str(listing)).stdout.splitlines()
    parsed = [json.loads(line) for line in out]
    assert [p.get("is_report") for p in parsed[:-1]] == [True] * len(EXPECTED["reports"])
    assert "cannot read" in parsed[-1]["error"]


def test_bundled_registry_is_valid() -> None:
    from scheduler.registry import bundled_registry_files, load_registry_file

    files = bundled_registry_files()
    specs = [s for f in files for s in load_registry_file(f)]
    assert len(specs) >= 10
    assert {"taishun-sfj", "heshan-sfj", "dalian-sfj"} <= {s["id"] for s in specs}
    assert len({s["id"] for s in specs}) == len(specs), "ids unique across files"
    assert all(u.split("/")[2].endswith(".gov.cn") for s in specs for u in s["start_urls"])
