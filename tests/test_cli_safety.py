"""Safe operations (issue 12): no silent overwrite, no silent deletion, no silent new database, and the
schema is migrated only by `fzwatch db upgrade` (or the daemon's first start on an empty database)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from storage.database import Database
from storage.models import Report, Site
from tests.crawl_helpers import REPO, crawl_env, run_crawl
from tests.portals.server import PortalServer


def fz(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=crawl_env(db_url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


def test_sites_add_never_overwrites_silently(sqlite_url: str) -> None:
    assert (
        fz(
            sqlite_url,
            "sites",
            "add",
            "http://127.0.0.1:9/",
            "--name",
            "某县司法局",
            "--region",
            "浙江省温州市某县",
            "--id",
            "x",
        ).returncode
        == 0
    )
    error = _one_line_error(
        fz(sqlite_url, "sites", "add", "http://127.0.0.1:9/b", "--name", "别的", "--id", "x")
    )
    assert "已存在" in error and "--update" in error
    proc = fz(sqlite_url, "sites", "add", "http://127.0.0.1:9/c", "--id", "x", "--update", "--interval", "6h")
    assert proc.returncode == 0, proc.stderr
    db = Database(sqlite_url)
    with db.transaction() as s:
        site = s.get(Site, "x")
        assert site is not None
        assert (site.name, site.region, site.start_urls, site.interval_seconds) == (
            "某县司法局",
            "浙江省温州市某县",
            ["http://127.0.0.1:9/c"],
            6 * 3600,
        ), "fields not given are kept"
    db.dispose()


def test_sites_remove_asks_and_keeps_reports_unless_purge(sqlite_url: str) -> None:
    with PortalServer("nextpage") as server:
        assert (
            fz(
                sqlite_url, "sites", "add", server.url("/xwzx/tzgg/"), "--name", "新蒲新区", "--id", "np"
            ).returncode
            == 0
        )
        assert run_crawl(sqlite_url, "np")["status"] == "ok"
    db = Database(sqlite_url)

    def reports() -> int:
        with db.transaction() as s:
            return int(s.scalar(select(func.count(Report.id))))

    found = reports()
    assert found >= 1
    refused = fz(sqlite_url, "sites", "remove", "np", stdin="n\n")
    assert refused.returncode == 1 and "已取消" in refused.stderr
    assert fz(sqlite_url, "sites", "remove", "np", stdin="y\n").returncode == 0
    assert reports() == found, "a removed site keeps its reports"
    listed = fz(sqlite_url, "sites", "list").stdout
    assert "已停用" in listed
    assert fz(sqlite_url, "sites", "remove", "np", "--purge", "--yes").returncode == 0
    assert reports() == 0
    db.dispose()


def test_a_typo_in_the_sqlite_path_is_an_error_not_a_new_database(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'no-such-dir' / 'fzwatch.sqlite3'}"
    error = _one_line_error(fz(missing, "reports"))
    assert "数据库目录不存在" in error
    assert not (tmp_path / "no-such-dir").exists()
    typo = f"sqlite:///{tmp_path / 'fzwatc.sqlite3'}"
    assert "数据库文件不存在" in _one_line_error(fz(typo, "sites", "list"))
    assert not (tmp_path / "fzwatc.sqlite3").exists()


def test_db_upgrade_create_makes_private_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'fzwatch.sqlite3'}"
    proc = fz(url, "db", "upgrade", "--create")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "fzwatch.sqlite3").st_mode) == 0o600
    assert fz(url, "sites", "list").returncode == 0
    assert "已是最新" in fz(url, "db", "upgrade").stdout


def test_only_db_upgrade_migrates(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    error = _one_line_error(fz(sqlite_url, "reports"))
    assert "比本程序" in error and "旧" in error and "fzwatch db upgrade" in error
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001", (
            "nothing migrated"
        )
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    assert "新" in _one_line_error(fz(sqlite_url, "sites", "list"))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert fz(sqlite_url, "reports").returncode == 0
    db.dispose()


def test_terminal_escapes_in_crawled_titles_never_reach_the_terminal(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    title = "某县2023年法治政府建设年度报告\x1b]0;pwned\x07\x1b[31m\u202e"
    body = "<p>一、主要举措和成效。依法行政。</p>" * 30
    page.write_text(
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
        encoding="utf-8",
    )
    for args in (["extract", str(page)], ["extract", str(page), "--json"]):
        proc = subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "FZWATCH_DB": "sqlite://"},
        )
        assert proc.returncode == 0, proc.stderr
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout and "\u202e" not in proc.stdout
        assert "法治政府建设年度报告" in proc.stdout


def test_json_output_is_strict() -> None:
    import json

    from cli.context import json_line

    line = json_line({"a": float("inf"), "b": [float("nan"), 1.5], "c": "x\x1by"})
    assert json.loads(line, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name))) == {
        "a": None,
        "b": [None, 1.5],
        "c": "xy",
    }


def test_a_failed_site_is_one_line_with_its_reason(sqlite_url: str, tmp_path: Path) -> None:
    """Issue 12: no Twisted traceback in a foreground crawl; refused and HTTP 500 are told apart."""
    from tests.crawl_helpers import register_site
    from tests.portals.server import Response

    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    with PortalServer(site) as server:
        server.add_route("/index.html", lambda _r: Response(500, b"oops", conditional=False))
        register_site(sqlite_url, "broken", "某县人民政府", server.url("/index.html"))
        register_site(sqlite_url, "down", "某镇人民政府", "http://127.0.0.1:9/")
        proc = fz(sqlite_url, "crawl", "broken", "down")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) <= 6, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith(("broken", "down"))}
    assert "HTTP 500" in rows["broken"] and "连接被拒绝" in rows["down"]
    listed = fz(sqlite_url, "sites", "list").stdout
    assert "首页无法访问：HTTP 500" in listed and "首页无法访问：连接被拒绝" in listed


def test_unknown_filter_values_and_absurd_years_are_errors(sqlite_url: str) -> None:
    from tests.crawl_helpers import register_site

    register_site(sqlite_url, "ts", "泰顺县司法局", "http://127.0.0.1:9/")
    for args, needle in (
        (["reports", "--site", "no-such"], "unknown site"),
        (["reports", "--year", "1899"], "不合理"),
        (["indicators", "--key", "no_such_key"], "未知的指标键"),
        (["indicators", "--year", "3024"], "不合理"),
        (["coverage", "--year", "2023", "--region", "火星省"], "没有地区"),
        (["coverage", "--year", "99999"], "不合理"),
    ):
        assert needle in _one_line_error(fz(sqlite_url, *args)), args
    assert fz(sqlite_url, "reports", "--year", "2023").returncode == 0
    assert fz(sqlite_url, "coverage", "--year", "2023", "--region", "浙江省").returncode == 0
