"""Report intelligence on real databases (SQLite always, PostgreSQL when one answers): year-over-year and
revision indicator changes, overdue/late once-only, coverage, reparse idempotence, CSV for Excel."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import cli
from monitor.ingest import FetchedPage, ingest_page, parse_fetched
from monitor.intel import check_overdue
from monitor.reparse import reparse
from parsers import content_hash, parse_page
from parsers.indicators import extract_indicators
from parsers.sections import missing_mandated, split_sections
from parsers.types import Indicator, ParsedPage
from scheduler.conditions import check_conditions
from storage.coverage import coverage, coverage_summary
from storage.database import Database
from storage.models import Event, IndicatorValue, Report, Version
from storage.reports import indicator_rows
from storage.sites import get_site, upsert_site

FIXTURES = Path(__file__).parent / "fixtures" / "parsers"


def add_site(db: Database, baseline_done: bool = True, **options: object) -> None:
    with db.transaction() as s:
        site, _ = upsert_site(
            s,
            {
                "id": "ts",
                "name": "泰顺县司法局",
                "region": "浙江省温州市泰顺县",
                "start_urls": ["http://x.gov.cn/"],
                "options": options,
            },
        )
        site.baseline_done = baseline_done


def ind(key: str, value: float, unit: str, scope: str = "", period: str = "") -> Indicator:
    return Indicator(
        key=key, value=value, unit=unit, text=f"{key} {value}{unit}。", scope=scope, period=period
    )


def report(
    year: int,
    indicators: list[Indicator],
    published: str | None = None,
    extra: str = "",
    agency: str = "泰顺县司法局",
) -> ParsedPage:
    title = f"{agency}{year}年法治政府建设年度报告"
    text = f"{title}\n一、主要举措和成效\n全年工作。{extra}"
    sections = split_sections(text)
    return ParsedPage(
        url="",
        title=title,
        text=text,
        published_at=published or f"{year + 1}-03-13T16:19:00",
        agency=agency,
        agency_aliases=[],
        year=year,
        is_report=True,
        confidence=0.99,
        reasons=["title"],
        indicators=indicators,
        sections=sections,
        flags=["incomplete"] if missing_mandated(sections) else [],
    )


def ingest(db: Database, url: str, p: ParsedPage, body: bytes = b"<html>raw</html>"):
    with db.transaction() as s:
        return ingest_page(s, get_site(s, "ts"), FetchedPage(url=url, body=body), p, content_hash(p.text))


def events(db: Database, kind: str) -> list[Event]:
    with db.transaction() as s:
        rows = list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))
        s.expunge_all()
        return rows


# ---------------------------------------------------------------- year over year and revisions


def test_yoy_change_fires_only_past_threshold_and_with_matching_unit_scope_period(db: Database) -> None:
    add_site(db)
    ingest(
        db,
        "http://x.gov.cn/2022.html",
        report(
            2022,
            [
                ind("reconsideration_correction_rate", 27.0, "%"),
                ind("reconsideration_received", 100, "件"),
                ind("litigation_new", 10, "件"),
                ind("mediation_cases", 500, "件", scope="全县"),
                ind("head_appearance_rate", 90.0, "%", period="第三季度"),
            ],
        ),
    )
    result = ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(
            2023,
            [
                ind("reconsideration_correction_rate", 18.1, "%"),  # −8.9 pp: notable
                ind("reconsideration_received", 120, "件"),  # +20%: below 30%
                ind("litigation_new", 15, "件"),  # +50% but only +5 件
                ind("mediation_cases", 900, "件", scope="市本级"),  # other scope: not comparable
                ind("head_appearance_rate", 100.0, "%"),  # other period: not comparable
            ],
        ),
    )
    assert result.events == ["new_report", "indicator_changed"]
    [event] = events(db, "indicator_changed")
    p = event.payload
    assert (p["key"], p["unit"], p["reason"], p["label"]) == (
        "reconsideration_correction_rate",
        "%",
        "yoy",
        "行政复议纠错率",
    )
    assert p["old"] == {"value": 27.0, "year": 2022, "version_no": 1}
    assert p["new"] == {"value": 18.1, "year": 2023, "version_no": 1}
    assert (
        p["agency"] == "泰顺县司法局" and p["year"] == 2023 and p["text"] and p["url"].endswith("2023.html")
    )


def test_yoy_counts_need_relative_and_absolute_change_and_per_key_overrides(db: Database) -> None:
    add_site(db, indicator_thresholds={"reconsideration_received": {"ratio": 0.1, "absolute": 5}})
    ingest(
        db,
        "http://x.gov.cn/2022.html",
        report(2022, [ind("reconsideration_received", 100, "件"), ind("legal_aid_cases", 100, "件")]),
    )
    ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(2023, [ind("reconsideration_received", 115, "件"), ind("legal_aid_cases", 140, "件")]),
    )
    assert sorted(e.payload["key"] for e in events(db, "indicator_changed")) == [
        "legal_aid_cases",
        "reconsideration_received",
    ]


def test_other_publisher_or_non_consecutive_year_is_not_compared(db: Database) -> None:
    add_site(db)
    ingest(db, "http://x.gov.cn/2021.html", report(2021, [ind("reconsideration_correction_rate", 50.0, "%")]))
    ingest(
        db,
        "http://x.gov.cn/gov2022.html",
        report(2022, [ind("reconsideration_correction_rate", 10.0, "%")], agency="泰顺县人民政府"),
    )
    ingest(db, "http://x.gov.cn/2023.html", report(2023, [ind("reconsideration_correction_rate", 10.0, "%")]))
    assert events(db, "indicator_changed") == []


def test_ambiguous_indicator_group_is_not_compared(db: Database) -> None:
    add_site(db)
    ingest(db, "http://x.gov.cn/2022.html", report(2022, [ind("legal_aid_cases", 100, "件")]))
    ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(2023, [ind("legal_aid_cases", 300, "件"), ind("legal_aid_cases", 20, "件")]),
    )
    assert events(db, "indicator_changed") == []


def test_revision_that_changes_a_value_fires_once_with_versions(db: Database) -> None:
    add_site(db)
    ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(2023, [ind("reconsideration_received", 100, "件"), ind("legal_aid_cases", 50, "件")]),
    )
    result = ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(
            2023,
            [ind("reconsideration_received", 98, "件"), ind("legal_aid_cases", 50, "件")],
            extra="更正。",
        ),
    )
    assert result.events == ["report_revised", "indicator_changed"]
    [event] = events(db, "indicator_changed")
    p = event.payload
    assert p["reason"] == "revision" and p["key"] == "reconsideration_received"
    assert p["old"] == {"value": 100, "year": 2023, "version_no": 1} and p["new"] == {
        "value": 98,
        "year": 2023,
        "version_no": 2,
    }
    # a further revision that leaves the numbers alone says nothing about indicators
    again = ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(
            2023,
            [ind("reconsideration_received", 98, "件"), ind("legal_aid_cases", 50, "件")],
            extra="再更正。",
        ),
    )
    assert again.events == ["report_revised"]


def test_no_indicator_events_during_baseline_unless_notify_existing(db: Database) -> None:
    add_site(db, baseline_done=False)
    ingest(db, "http://x.gov.cn/2022.html", report(2022, [ind("reconsideration_correction_rate", 27.0, "%")]))
    ingest(db, "http://x.gov.cn/2023.html", report(2023, [ind("reconsideration_correction_rate", 10.0, "%")]))
    assert events(db, "indicator_changed") == []
    add_site(db, baseline_done=False, notify_existing=True)
    ingest(db, "http://x.gov.cn/2024.html", report(2024, [ind("reconsideration_correction_rate", 30.0, "%")]))
    assert [e.payload["new"]["year"] for e in events(db, "indicator_changed")] == [2024]


# ---------------------------------------------------------------- overdue and late


def test_overdue_is_said_once_then_late_when_the_report_appears(db: Database) -> None:
    add_site(
        db,
        expected_publishers=[
            "泰顺县人民政府",
            {"name": "泰顺县市场监督管理局", "publisher_kind": "department"},
        ],
    )
    with db.transaction() as s:
        assert check_overdue(s, today=date(2024, 4, 1), year=2023) == []  # the deadline day itself is on time
    with db.transaction() as s:
        raised = check_overdue(s, today=date(2024, 4, 2))
        assert sorted(e.payload["agency"] for e in raised) == [
            "泰顺县人民政府",
            "泰顺县司法局",
            "泰顺县市场监督管理局",
        ]
        assert {e.payload["year"] for e in raised} == {2023} and {e.payload["deadline"] for e in raised} == {
            "2024-04-01"
        }
    with db.transaction() as s:
        assert check_overdue(s, today=date(2024, 4, 3)) == []  # once only
    assert check_conditions(db, today=date(2024, 5, 1)) == 0
    assert check_conditions(db, today=date(2025, 4, 2)) == 3  # next year: 2024 is due now

    result = ingest(db, "http://x.gov.cn/2023.html", report(2023, [], published="2024-05-10T09:00:00"))
    assert result.events == ["new_report", "report_published_late"]
    [late] = events(db, "report_published_late")
    assert late.payload["overdue_alerted"] is True and late.payload["on_time"] is False
    assert late.payload["deadline"] == "2024-04-01"
    # the same report seen again (or revised) is not late twice
    ingest(db, "http://x.gov.cn/2023.html", report(2023, [], published="2024-05-10T09:00:00", extra="修订。"))
    assert len(events(db, "report_published_late")) == 1


def test_on_time_report_is_not_late_and_late_page_date_is_late_without_overdue(db: Database) -> None:
    add_site(db)
    on_time = ingest(db, "http://x.gov.cn/2022.html", report(2022, [], published="2023-03-31"))
    assert "report_published_late" not in on_time.events
    late = ingest(db, "http://x.gov.cn/2023.html", report(2023, [], published="2024-06-01"))
    assert "report_published_late" in late.events
    assert events(db, "report_published_late")[0].payload["overdue_alerted"] is False


def test_overdue_waits_for_the_baseline_crawl(db: Database) -> None:
    add_site(db, baseline_done=False)
    with db.transaction() as s:
        assert check_overdue(s, today=date(2024, 6, 1)) == []


def test_coverage_lists_published_late_missing_and_completeness(db: Database) -> None:
    add_site(db, expected_publishers=["泰顺县人民政府", "泰顺县财政局"])
    with db.transaction() as s:
        other, _ = upsert_site(
            s,
            {
                "id": "other",
                "name": "杭州市司法局",
                "region": "浙江省杭州市",
                "start_urls": ["http://y.gov.cn/"],
            },
        )
        other.baseline_done = True  # crawled: its silence means something
        upsert_site(
            s,
            {
                "id": "new",
                "name": "宁波市司法局",
                "region": "浙江省宁波市",
                "start_urls": ["http://z.gov.cn/"],
            },
        )
    ingest(db, "http://x.gov.cn/own.html", report(2023, [], published="2024-03-01"))
    ingest(db, "http://x.gov.cn/gov.html", report(2023, [], published="2024-04-20", agency="泰顺县人民政府"))
    with db.transaction() as s:
        rows = coverage(s, 2023, region="浙江省温州市", today=date(2024, 6, 1))
        by = {r["publisher"]: r for r in rows}
        assert by["泰顺县司法局"]["status"] == "on_time" and by["泰顺县司法局"]["complete"] is False
        assert set(by["泰顺县司法局"]["missing_sections"]) == {"shortcomings", "responsibility", "plan"}
        assert by["泰顺县人民政府"]["status"] == "late"
        assert by["泰顺县财政局"]["status"] == "missing" and by["泰顺县财政局"]["report_id"] is None
        assert "杭州市司法局" not in by
        summary = coverage_summary(rows)
        assert (
            summary["expected"],
            summary["published"],
            summary["on_time"],
            summary["late"],
            summary["missing"],
        ) == (3, 2, 1, 1, 1)
        before_deadline = coverage(s, 2023, today=date(2024, 3, 15))
        assert {r["publisher"]: r["status"] for r in before_deadline}["杭州市司法局"] == "not_due"
        # a site never crawled successfully is not called missing: absence there proves nothing
        assert {r["publisher"]: r["status"] for r in coverage(s, 2023, today=date(2024, 6, 1))}[
            "宁波市司法局"
        ] == "unchecked"


# ---------------------------------------------------------------- reparse


def _fixture(name: str) -> tuple[str, bytes]:
    case = FIXTURES / name
    return (case / "url.txt").read_text(encoding="utf-8").strip(), (case / "page.html").read_bytes()


def _counts(db: Database) -> tuple[int, int, int, int]:
    with db.transaction() as s:
        return (
            s.scalar(select(func.count(Version.id))),
            s.scalar(select(func.count(Event.id))),
            s.scalar(select(func.count(IndicatorValue.id))),
            s.scalar(select(func.count(Report.id))),
        )


def test_reparse_updates_rows_once_and_is_idempotent(db: Database) -> None:
    add_site(db)
    url, body = _fixture("trs_dalian_004")
    fresh = parse_page(url, body, site_name="泰顺县司法局")
    # What an older parser stored: no indicators, no sections.
    stale = ParsedPage(**{**fresh.__dict__, "indicators": [], "sections": []})
    ingest(db, url, stale, body=body)
    before = _counts(db)
    with db.transaction() as s:
        assert reparse(s, everything=True) == {"updated": 1}
    versions, n_events, n_indicators, reports = _counts(db)
    assert (versions, n_events, reports) == before[:2] + before[3:] and n_indicators == len(
        fresh.indicators
    ) > 20
    with db.transaction() as s:
        r = s.scalars(select(Report)).one()
        assert r.complete is True and r.sections == ["measures", "shortcomings", "responsibility", "plan"]
        assert reparse(s, report_id=r.id) == {"unchanged": 1}
    assert _counts(db) == (versions, n_events, n_indicators, reports)


def test_reparse_with_different_clean_text_records_a_silent_version(db: Database) -> None:
    add_site(db)
    url, body = _fixture("hanweb_taishun_000")
    fresh = parse_page(url, body, site_name="泰顺县司法局")
    stale = ParsedPage(**{**fresh.__dict__, "text": fresh.text + "\n分享到：微信 微博 打开新闻客户端"})
    ingest(db, url, stale, body=body)
    with db.transaction() as s:
        assert reparse(s, everything=True) == {"new_version": 1}
    with db.transaction() as s:
        assert [e.kind for e in s.scalars(select(Event))] == ["new_report"]  # no report_revised
        latest = s.scalars(select(Version).order_by(Version.id.desc())).first()
        assert latest.version_no == 2 and latest.content_hash == content_hash(fresh.text)
    # a crawl of the same bytes afterwards is "unchanged", not a revision
    again = ingest(db, url, fresh, body=body)
    assert not again.version_created and again.events == []
    with db.transaction() as s:
        assert reparse(s, everything=True) == {"unchanged": 1}


def test_reparse_finds_a_report_the_old_classifier_missed(db: Database) -> None:
    add_site(db)
    url, body = _fixture("jiangsu_chengdong_002")
    fresh = parse_page(url, body, site_name="泰顺县司法局")
    ingest(db, url, ParsedPage(**{**fresh.__dict__, "is_report": False}), body=body)
    with db.transaction() as s:
        assert reparse(s, everything=True) == {"new_report": 1}
        [event] = s.scalars(select(Event)).all()
        assert event.kind == "new_report" and event.payload["reparse"] is True
    with db.transaction() as s:
        assert reparse(s, everything=True) == {"unchanged": 1}


def test_reparse_reads_an_attachment_with_the_content_type_the_crawl_saw(db: Database) -> None:
    """A Big5 attachment behind an extension-less URL: only its Content-Type says how to decode it."""
    add_site(db)
    para = "本市堅持依法行政，全面推進法治政府建設，行政復議案件辦理質量持續提升，依法決策機制不斷完善。" * 4
    attachment = (
        "<html><body><div><h1>某某縣2023年法治政府建設年度報告</h1>"
        + "".join(f"<p>{i}、{para}</p>" for i in range(1, 6))
        + "</div></body></html>"
    ).encode("big5")
    page = FetchedPage(
        url="http://x.gov.cn/a.html",
        content_type="text/html; charset=utf-8",
        body="<html><head><title>泰顺县2023年法治政府建设年度报告</title></head><body><p>详见附件</p>"
        "<a href='/download?id=7'>附件</a></body></html>".encode(),
        attachment_url="http://x.gov.cn/download?id=7",
        attachment_body=attachment,
        attachment_content_type="text/html; charset=big5",
    )
    parsed = parse_fetched(page, "泰顺县司法局", "浙江省温州市泰顺县")
    assert "全面推進法治政府建設" in parsed.text
    with db.transaction() as s:
        ingest_page(s, get_site(s, "ts"), page, parsed, content_hash(parsed.text))
    with db.transaction() as s:
        assert reparse(s, everything=True) == {"unchanged": 1}  # not a garbled "new_version"
        assert "全面推進法治政府建設" in s.scalars(select(Version)).one().text


# ---------------------------------------------------------------- CLI


def test_indicators_csv_has_bom_and_opens_as_utf8(db_url: str, db: Database) -> None:
    add_site(db)
    ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(
            2023,
            [
                ind("reconsideration_correction_rate", 18.1, "%"),
                ind("legal_aid_cases", 2191, "件", scope="全县"),
            ],
        ),
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "indicators", "--format", "csv", "--year", "2023"])
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["key"], r["value"], r["unit"], r["scope"]) for r in rows] == [
        ("reconsideration_correction_rate", "18.1", "%", ""),
        ("legal_aid_cases", "2191", "件", "全县"),
    ]
    assert rows[0]["label"] == "行政复议纠错率" and rows[0]["agency"] == "泰顺县司法局"
    as_json = runner.invoke(
        cli, ["--db", db_url, "indicators", "--format", "json", "--key", "legal_aid_cases"]
    )
    assert [r["value"] for r in json.loads(as_json.output)] == ["2191"]  # exact decimals as strings
    table = runner.invoke(cli, ["--db", db_url, "indicators", "--site", "ts"])
    assert "行政复议纠错率" in table.output and "18.1%" in table.output


def test_coverage_cli_checks_overdue_and_prints_summary(db_url: str, db: Database) -> None:
    add_site(db, expected_publishers=["泰顺县人民政府"])
    ingest(db, "http://x.gov.cn/2020.html", report(2020, [], published="2021-03-01"))
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "coverage", "--year", "2020", "--check", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["summary"]["on_time"] == 1 and out["summary"]["missing"] == 1 and out["overdue_raised"] == 1
    table = runner.invoke(cli, ["--db", db_url, "coverage", "--year", "2020", "--region", "浙江省"])
    assert "逾期未公开" in table.output and "按时公开" in table.output
    again = runner.invoke(cli, ["--db", db_url, "coverage", "--year", "2020", "--check", "--format", "json"])
    assert json.loads(again.output)["overdue_raised"] == 0
    with db.transaction() as s:
        assert indicator_rows(s) == []


def test_reparse_cli_needs_an_id_or_all(db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db_url, "reparse"]).exit_code == 2
    unknown = runner.invoke(cli, ["--db", db_url, "reparse", "999"])
    assert unknown.exit_code == 1 and "unknown report" in unknown.output
    ok = runner.invoke(cli, ["--db", db_url, "reparse", "--all"])
    assert ok.exit_code == 0 and "重新解析 0 个页面" in ok.output


def test_one_number_revision_raises_exactly_one_indicator_changed(db: Database) -> None:
    """Issue 10: a revision used to re-raise year-over-year changes of values it did not touch."""
    add_site(db, baseline_done=False)  # both years arrive in the quiet baseline crawl
    ingest(
        db,
        "http://x.gov.cn/2022.html",
        report(
            2022,
            [
                ind("reconsideration_received", 100, "件"),
                ind("reconsideration_correction_rate", 27.0, "%"),
                ind("legal_aid_cases", 100, "件"),
                ind("mediation_cases", 500, "件"),
            ],
        ),
    )
    first = [
        ind("reconsideration_received", 150, "件"),
        ind("reconsideration_correction_rate", 18.0, "%"),
        ind("legal_aid_cases", 200, "件"),
        ind("mediation_cases", 505, "件"),
    ]
    ingest(db, "http://x.gov.cn/2023.html", report(2023, first))
    add_site(db, baseline_done=True)
    revised = first[:3] + [ind("mediation_cases", 510, "件")]
    result = ingest(db, "http://x.gov.cn/2023.html", report(2023, revised, extra="更正。"))
    changed = events(db, "indicator_changed")
    assert [(e.payload["key"], e.payload["reason"]) for e in changed] == [("mediation_cases", "revision")]
    assert result.events.count("indicator_changed") == 1


def test_headline_values_by_default_mentions_on_request_exact_decimals(db_url: str, db: Database) -> None:
    """Issue 10: one figure per (report, key), the other mentions kept; 27845.93万元 stays exact."""
    add_site(db)
    text = (
        "全县新收行政复议案件120件，其中市本级转办案件45件。全年办理公证1520件，其中线上公证132件。"
        "各级调解组织共调解案件3117件，涉及金额达27845.93万元。"
    )
    mentions = extract_indicators(text, year=2023)
    ingest(db, "http://x.gov.cn/2023.html", report(2023, mentions))
    with db.transaction() as s:
        rows = indicator_rows(s)
        every = indicator_rows(s, mentions=True)
    assert {r["key"]: str(r["value"]) for r in rows} == {
        "reconsideration_received": "120",
        "notarizations": "1520",
        "mediation_cases": "3117",
        "mediation_amount": "278459300",
    }
    assert len(every) == 6 and {r["role"] for r in every if not r["headline"]} == {"component"}
    runner = CliRunner()
    table = runner.invoke(cli, ["--db", db_url, "indicators", "--key", "mediation_amount"])
    assert "278459300元" in table.output and "e+" not in table.output
    listed = runner.invoke(cli, ["--db", db_url, "indicators", "--mentions", "--format", "json"])
    assert sorted(r["value"] for r in json.loads(listed.output) if r["key"] == "notarizations") == [
        "132",
        "1520",
    ]
    out = runner.invoke(cli, ["--db", db_url, "indicators", "--mentions"]).output
    assert "分项" in out and "首要" in out


def test_non_report_page_stores_no_indicators(db: Database) -> None:
    """A tax bureau's news page with 咨询人次 is no report: nothing parsed, nothing stored."""
    add_site(db)
    html = (
        "<html><head><title>区税务局开展宪法宣传周活动</title></head><body><div id='zoom'>"
        "<p>宣传周期间，区税务局接待纳税人法律咨询1200人次，发放宣传资料3000份。</p></div></body></html>"
    )
    page = parse_page("http://x.gov.cn/news/1.html", html.encode())
    assert not page.is_report and page.indicators == []
    ingest(db, "http://x.gov.cn/news/1.html", page)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(IndicatorValue)) == 0


def test_revision_of_the_earlier_year_compares_only_the_changed_value_with_the_next_year(
    db: Database,
) -> None:
    add_site(db)
    ingest(
        db,
        "http://x.gov.cn/2022.html",
        report(2022, [ind("legal_aid_cases", 150, "件"), ind("mediation_cases", 100, "件")]),
    )
    ingest(
        db,
        "http://x.gov.cn/2023.html",
        report(2023, [ind("legal_aid_cases", 160, "件"), ind("mediation_cases", 300, "件")]),
    )
    assert [e.payload["key"] for e in events(db, "indicator_changed")] == ["mediation_cases"]  # yoy, once
    ingest(
        db,
        "http://x.gov.cn/2022.html",
        report(2022, [ind("legal_aid_cases", 100, "件"), ind("mediation_cases", 100, "件")], extra="更正。"),
    )
    said = [
        (e.payload["key"], e.payload["reason"], e.payload["year"]) for e in events(db, "indicator_changed")
    ]
    assert said == [
        ("mediation_cases", "yoy", 2023),
        ("legal_aid_cases", "revision", 2022),
        ("legal_aid_cases", "yoy", 2023),
    ]  # 100 → 160 is now notable; mediation said nothing new


def test_indicator_schema_matches_the_model_and_migration_0006_keeps_old_values_exact(db_url: str) -> None:
    """Rows written before 0006 (FLOAT values, no headline) come out exact and with their headline marked."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import text

    from storage.migrate import alembic_config
    from storage.models import Base

    database = Database(db_url)
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert not [d for d in diff if "indicator_values" in repr(d)], diff
    # The report is stored with today's model; its rows survive the downgrade (later migrations add columns).
    add_site(database)
    ingest(database, "http://x.gov.cn/2023.html", report(2023, []))
    cfg = alembic_config(database.engine.url.render_as_string(hide_password=False))
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")  # the revision before 0006
    with database.engine.begin() as conn:
        for value, unit in ((278459300.0, "元"), (99.78, "%"), (60.0, "次"), (143.0, "次")):
            key = (
                "mediation_amount"
                if unit == "元"
                else "mediation_success_rate"
                if unit == "%"
                else "publicity_events"
            )
            conn.execute(
                text(
                    "INSERT INTO indicator_values (report_id, version_id, key, value, unit, scope, period, "
                    "approx, text) VALUES (1, 1, :k, :v, :u, '', '', false, '')"
                ),
                {"k": key, "v": value, "u": unit},
            )
    database.migrate()
    with database.transaction() as s:
        rows = {(r.key, str(r.value)): r for r in s.scalars(select(IndicatorValue))}
        assert set(rows) == {
            ("mediation_amount", "278459300"),
            ("mediation_success_rate", "99.78"),
            ("publicity_events", "60"),
            ("publicity_events", "143"),
        }
        assert [k for k, r in rows.items() if r.headline] == [
            ("mediation_amount", "278459300"),
            ("mediation_success_rate", "99.78"),
            ("publicity_events", "143"),
        ]
        assert rows[("publicity_events", "143")].ambiguous  # 60 vs 143: a pick, flagged
    database.dispose()


def test_hostile_report_page_stores_bounded_indicator_rows(db: Database) -> None:
    """Issue 12: 4,000 × "纠错率1%，" used to become 4,000 rows each holding the 24,000-character sentence."""
    from parsers.indicators import MAX_MENTIONS, WINDOW

    add_site(db)
    html = (
        "<html><head><title>泰顺县司法局2023年法治政府建设年度报告</title></head><body><div id='zoom'>"
        "<p>一、主要举措和成效</p><p>" + "纠错率1%，" * 4000 + "</p><p>二、存在的不足和原因 无。</p>"
        "<p>三、主要负责人履行推进法治建设第一责任人职责情况 有。</p><p>四、2024年工作打算 继续。</p></div></body></html>"
    )
    page = parse_page("http://x.gov.cn/2023.html", html.encode())
    assert page.is_report
    ingest(db, "http://x.gov.cn/2023.html", page, body=html.encode())
    with db.transaction() as s:
        rows = list(s.scalars(select(IndicatorValue)))
        assert len(rows) == MAX_MENTIONS < 4000
        assert max(len(r.text) for r in rows) <= WINDOW and sum(r.headline for r in rows) == 1
