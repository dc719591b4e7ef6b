"""Network policy (issue 12, SSRF): what may be registered and what a crawl may ask for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.netpolicy import PolicyError, check_url, in_origins, site_origins
from scheduler.registry import RegistryError, validate_site
from storage.database import Database
from storage.models import CrawlRun, Document, Report
from tests.crawl_helpers import REPO, crawl_env, register_site, run_crawl
from tests.portals.server import PortalServer, Request, Response

# The forms an attacker (or a careless registry entry) uses to reach internal services.
INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.5.4/",
    "http://[::1]/",
    "http://0x7f.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://127.1/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:127.0.0.1]/",
    "http://metadata.google.internal/",
    "http://metadata/computeMetadata/v1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://127.0.0.1:8080/",
]
ALWAYS_REFUSED = [
    "http://169.254.169.254/",
    "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "file:///etc/passwd",
    "ftp://example.gov.cn/",
    "gopher://127.0.0.1:6379/_",
    "http://[::1/x.pdf",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(PolicyError):
        check_url(url, private_ok=False)


@pytest.mark.parametrize("url", ALWAYS_REFUSED)
def test_metadata_link_local_and_other_schemes_are_refused_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(PolicyError) as info:
        check_url(url, private_ok=True)
    assert info.value.reason_zh  # users are told why, in Chinese


def test_public_and_allowed_private_addresses_pass() -> None:
    assert check_url("http://www.ts.gov.cn/col/col1/index.html", private_ok=False)
    assert check_url("https://8.8.8.8/", private_ok=False)
    assert check_url("http://127.0.0.1:8001/", private_ok=True)
    assert check_url("http://10.1.2.3/", private_ok=True)


def test_origin_is_host_and_port() -> None:
    origins = site_origins(
        ["http://www.a.gov.cn/index.html", "http://127.0.0.1:8001/"], ["b.gov.cn", "c.gov.cn:8080"]
    )
    assert in_origins("https://www.a.gov.cn/x.html", origins), (
        "http -> https on the same host is the same site"
    )
    assert in_origins("http://127.0.0.1:8001/a", origins)
    assert not in_origins("http://127.0.0.1:8002/a", origins), "another port is another site"
    assert not in_origins("http://www.a.gov.cn:8080/a", origins)
    assert in_origins("http://b.gov.cn/a", origins) and in_origins("http://c.gov.cn:8080/a", origins)
    assert not in_origins("http://c.gov.cn/a", origins)
    assert not in_origins("http://evil.example/a", origins)


def _entry(url: str, **options: object) -> dict[str, object]:
    return {"id": "x", "name": "某县人民政府", "start_urls": [url], "options": options}


def test_registry_refuses_internal_urls_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FZWATCH_ALLOW_PRIVATE", "0")
    for url in INTERNAL:
        with pytest.raises(RegistryError):
            validate_site(_entry(url))
    base = "http://www.ts.gov.cn/"
    for options in (
        {"allowed_hosts": ["169.254.169.254"]},
        {"allowed_hosts": ["10.0.0.1"]},
        {"search_url": "http://metadata.google.internal/?q={q}"},
        {"list_apis": [{"url": "http://192.168.1.1/api?page={page}"}]},
    ):
        with pytest.raises(RegistryError):
            validate_site(_entry(base, **options))
    assert validate_site(_entry(base, allowed_hosts=["sfj.ts.gov.cn"]))["id"] == "x"


def test_registry_allows_loopback_only_when_the_operator_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FZWATCH_ALLOW_PRIVATE", "1")
    assert validate_site(_entry("http://127.0.0.1:8001/"))["start_urls"] == ["http://127.0.0.1:8001/"]
    with pytest.raises(RegistryError):
        validate_site(_entry("http://169.254.169.254/"))


def test_sites_add_refuses_metadata_url_with_one_chinese_line(sqlite_url: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "sites", "add", "http://169.254.169.254/latest/", "--name", "x"],
        cwd=REPO,
        env=crawl_env(sqlite_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "不允许抓取" in proc.stderr + proc.stdout


def _site_dir(tmp_path: Path, index: str) -> Path:
    site = tmp_path / "portal"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (site / "index.html").write_text(index, encoding="utf-8")
    return site


REPORT = (
    "<html><head><title>某县2023年法治政府建设年度报告</title></head><body><div id='zoom'>"
    + "<p>一、2023年主要举措和成效。我县坚持依法行政，推进法治政府建设。</p>" * 20
    + "<p>二、存在的不足和原因。</p><p>三、党政主要负责人履行推进法治建设第一责任人职责情况。</p>"
    + "<p>四、2024年主要安排。</p></div></body></html>"
)


def test_crawl_never_follows_a_redirect_or_link_to_another_host_or_port(
    tmp_path: Path, sqlite_url: str
) -> None:
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    (other_dir / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (other_dir / "report.html").write_text(REPORT, encoding="utf-8")
    other_host = PortalServer(other_dir, host="127.0.0.2").start()  # another address: another host
    other_port = PortalServer(other_dir, host="127.0.0.1").start()  # same host, another port
    try:
        index = (
            "<html><head><title>某县人民政府</title></head><body><ul>"
            "<li><a href='/go/report.html'>某县2023年法治政府建设年度报告</a></li>"
            f"<li><a href='{other_port.url('/report.html')}'>某县2022年法治政府建设年度报告</a></li>"
            "</ul></body></html>"
        )
        with PortalServer(_site_dir(tmp_path, index)) as server:
            server.add_route(
                "/go/report.html",
                lambda _r: Response(
                    302, b"", {"Location": other_host.url("/report.html")}, conditional=False
                ),
            )
            register_site(sqlite_url, "policy", "某县人民政府", server.url("/index.html"))
            summary = run_crawl(sqlite_url, "policy")
            assert server.count("/go/report.html") >= 1, "the allowed page itself is fetched"
        assert other_host.requests == [], "a 302 to another host is refused, not followed"
        assert other_port.requests == [], "a link to the same host on another port is not followed"
        assert summary["status"] == "ok"
        db = Database(sqlite_url)
        with db.transaction() as s:
            assert s.scalar(select(func.count(Report.id))) == 0
            assert s.scalar(select(func.count(Document.id))) == 0
        db.dispose()
    finally:
        other_host.stop()
        other_port.stop()


def test_crawl_of_a_loopback_site_is_refused_unless_allowed(tmp_path: Path, sqlite_url: str) -> None:
    def never(_request: Request) -> Response:
        raise AssertionError("no request may reach the server")

    with PortalServer(_site_dir(tmp_path, "<html><body>x</body></html>")) as server:
        register_site(sqlite_url, "loop", "某县人民政府", server.url("/index.html"))
        summary = run_crawl(sqlite_url, "loop", FZWATCH_ALLOW_PRIVATE="0")
        assert server.requests == []
    assert summary["status"] == "failed"
    assert "network policy" in _last_error(sqlite_url)


def _last_error(db_url: str) -> str:
    db = Database(db_url)
    with db.transaction() as s:
        error = s.scalar(select(CrawlRun.error).order_by(CrawlRun.id.desc()).limit(1))
    db.dispose()
    return str(error)
