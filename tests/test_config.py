"""Config is checked where it enters (config/): every problem of a file at once, with its line and a
suggestion, the same rules for the CLI, the web API and the daemon; a bad site never stops the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import environment_problems
from scheduler.daemon import Daemon
from scheduler.registry import RegistryError, parse_registry, validate_site
from storage.database import Database
from storage.sites import upsert_site
from tests.crawl_helpers import REPO, crawl_env

BAD_REGISTRY = """\
sites:
  - id: good-one
    name: 甲县人民政府
    start_urls: [http://127.0.0.1:8001/]
  - id: typo
    name: 乙县人民政府
    start_urls: [http://127.0.0.1:8002/]
    options:
      page_budjet: 300
  - id: deep
    name: 丙县人民政府
    start_urls: [http://127.0.0.1:8003/]
    options: {max_depth: deep}
  - id: badcron
    name: 丁县人民政府
    start_urls: [http://127.0.0.1:8004/]
    cron: "0 25 * * *"
"""


def fz(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=crawl_env(db_url, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_registry_lists_every_problem_with_its_line_and_a_suggestion() -> None:
    with pytest.raises(RegistryError) as caught:
        parse_registry(BAD_REGISTRY, "bad.yaml")
    lines = str(caught.value).splitlines()
    assert lines == [
        "bad.yaml 第9行 sites[1].options.page_budjet：未知的键 'page_budjet'（是否应为 page_budget？）",
        "bad.yaml 第13行 sites[2].options.max_depth：必须是整数，而不是 'deep'",
        lines[2],
    ]
    assert lines[2].startswith("bad.yaml 第17行 sites[3].cron：cron 表达式无效 '0 25 * * *'")


def test_one_entry_from_flags_or_the_api_follows_the_same_rules() -> None:
    entry = {
        "name": "甲",
        "start_urls": "http://127.0.0.1:8001/",
        "interval": "6h",
        "options": {"max_depth": "3"},
    }
    spec = validate_site(entry)
    assert spec["interval_seconds"] == 6 * 3600 and spec["options"] == {"max_depth": 3}
    with pytest.raises(RegistryError, match="抓取间隔无效 'often'"):
        validate_site({**entry, "interval": "often"})
    with pytest.raises(RegistryError, match=r"未知的键 'nmae'（是否应为 name？）"):
        validate_site({**entry, "nmae": "x"})


def test_a_bad_stored_site_is_reported_and_the_others_are_scheduled(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.transaction() as s:
        for n in range(3):  # written as an older fzwatch did, unchecked
            upsert_site(
                s,
                {
                    "id": f"s{n}",
                    "name": f"站{n}",
                    "start_urls": [f"http://127.0.0.1:800{n}/"],
                    "interval_seconds": 86400,
                    "cron": "0 25 * * *" if n == 1 else None,
                },
            )
    daemon = Daemon(db)
    try:
        daemon.sync_sites()
        assert sorted(j.id for j in daemon.scheduler.get_jobs()) == ["site:s0", "site:s2"]
        assert "cron 表达式无效" in daemon.invalid_sites["s1"]
        listed = {r["id"]: r for r in json.loads(fz(sqlite_url, "sites", "list", "--json").stdout)}
        assert listed["s1"]["state"] == "invalid" and "cron" in listed["s1"]["verdict_reason"]
        assert listed["s0"]["state"] != "invalid"
    finally:
        daemon.deliverer.close(wait=False)
        db.dispose()


def test_cli_import_refuses_the_file_and_names_each_line(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_REGISTRY, encoding="utf-8")
    r = fz(sqlite_url, "sites", "import", str(bad))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert (
        "第9行" in r.stderr and "page_budget？" in r.stderr and "第13行" in r.stderr and "第17行" in r.stderr
    )
    assert json.loads(fz(sqlite_url, "sites", "list", "--json").stdout) == []  # nothing written


def test_subscriptions_naming_an_unknown_site_fail_the_check(sqlite_url: str, tmp_path: Path) -> None:
    assert (
        fz(sqlite_url, "sites", "add", "http://127.0.0.1:8001/", "--name", "甲", "--id", "known").returncode
        == 0
    )
    declared = tmp_path / "subs.yaml"
    declared.write_text(
        "subscriptions:\n  - name: 甲\n    url: json://127.0.0.1:9/a\n"
        "    sites: [known, nowhere]\n    yaer: 2024\n",
        encoding="utf-8",
    )
    r = fz(sqlite_url, "subscriptions", "load", str(declared), "--check")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "第4行 subscriptions[0].sites[1]：未知站点 'nowhere'" in r.stderr
    assert "第5行 subscriptions[0].yaer：未知的键 'yaer'（是否应为 year？）" in r.stderr


def test_a_misspelt_or_unusable_setting_stops_the_command(sqlite_url: str) -> None:
    r = fz(sqlite_url, "sites", "list", FZWATCH_WEB_TOKNE="x", FZWATCH_LEASE_SECONDS="soon")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "FZWATCH_WEB_TOKNE：未知的环境变量（是否应为 FZWATCH_WEB_TOKEN？）" in r.stderr
    assert "FZWATCH_LEASE_SECONDS：值无效 'soon'" in r.stderr
    problems = environment_problems(
        {"FZWATCH_PAGE_BUDGET": "300", "FZWATCH_SEASON_MONTHS": "13", "FZWATCH_TEST_PG": "postgresql://x"}
    )
    assert [p.path[0] for p in problems] == ["FZWATCH_PAGE_BUDGET", "FZWATCH_SEASON_MONTHS"]
