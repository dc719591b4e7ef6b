"""Fixture pages (tests/fixtures/parsers/<case>): what a user checks on each parsed page."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from parsers import parse_page
from parsers.chrome import CHROME_STRINGS
from parsers.normalize import normalize_text
from parsers.types import ParsedPage, plain_decimal

FIXTURES = Path(__file__).parent / "fixtures" / "parsers"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())


def _load(name: str) -> tuple[ParsedPage, dict]:
    case = FIXTURES / name
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    site = (
        json.loads((case / "site.json").read_text(encoding="utf-8")) if (case / "site.json").exists() else {}
    )
    page = parse_page(
        (case / "url.txt").read_text(encoding="utf-8").strip(),
        (case / "page.html").read_bytes(),
        site_name=site.get("name"),
        region=site.get("region"),
    )
    return page, expected


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> tuple[ParsedPage, dict]:
    return _load(request.param)


def test_metadata(case: tuple[ParsedPage, dict]) -> None:
    page, exp = case
    for key in (
        "title",
        "published_at",
        "agency",
        "agency_aliases",
        "year",
        "is_report",
        "content_type",
        "attachments",
    ):
        if key in exp:
            assert getattr(page, key) == exp[key], key


def test_no_chrome_survives(case: tuple[ParsedPage, dict]) -> None:
    page, _ = case
    assert [c for c in CHROME_STRINGS if c in page.text] == []
    for word in ("浏览次数", "字体", "打印", "关闭", "ICP", "网站标识码", "首页"):
        assert word not in page.text


def test_every_body_paragraph_present(case: tuple[ParsedPage, dict]) -> None:
    page, exp = case
    text = normalize_text(page.text)
    missing = [p[:30] for p in exp.get("paragraphs", []) if normalize_text(p) not in text]
    assert missing == []


def test_sections_and_flags(case: tuple[ParsedPage, dict]) -> None:
    page, exp = case
    if exp.get("section_kinds"):
        assert [s.kind for s in page.sections] == exp["section_kinds"]
    for flag in exp.get("flags_present", []):
        assert flag in page.flags
    for flag in exp.get("flags_absent", []):
        assert flag not in page.flags


def test_split_paragraphs_rejoined(case: tuple[ParsedPage, dict]) -> None:
    page, exp = case
    for fragment in exp.get("joined", []):
        assert any(fragment in line for line in page.text.split("\n")), fragment


def _exact(value: object) -> Decimal:
    return Decimal(str(value)).normalize()


def test_indicator_gold_and_qualifiers(case: tuple[ParsedPage, dict]) -> None:
    page, exp = case
    if "indicators" not in exp:
        pytest.skip("no indicator gold for this case")
    assert all(isinstance(i.value, Decimal) for i in page.indicators)  # exact, never floats
    found = {(i.key, _exact(i.value)) for i in page.indicators}
    gold = {(k, _exact(v)) for k, v in exp["indicators"]}
    assert len(found & gold) / len(gold) >= 0.95
    assert len(found - gold) <= 1, found - gold
    by_key = {f"{i.key}:{plain_decimal(i.value)}": i for i in page.indicators}
    for ref, fields in exp.get("indicator_qualifiers", {}).items():
        ind = by_key[ref]
        for name, want in fields.items():
            got = getattr(ind, name)
            if name == "change":
                assert (
                    got
                    and got["kind"] == want["kind"]
                    and float(got["value"]) == pytest.approx(want["value"])
                )
            else:
                assert got == want, (ref, name)


def test_one_headline_per_key(case: tuple[ParsedPage, dict]) -> None:
    """The report's figure per key (docs/intelligence.md, "Headline values"); other mentions stay mentions."""
    page, exp = case
    if "headline" not in exp:
        pytest.skip("no headline gold for this case")
    heads = [i for i in page.indicators if i.headline]
    assert len(heads) == len({i.key for i in heads}) == len({i.key for i in page.indicators})
    assert {i.key: plain_decimal(i.value) for i in heads} == exp["headline"]
    assert sorted(i.key for i in heads if i.ambiguous) == sorted(exp.get("ambiguous", []))
    assert all(len(i.text) <= 120 for i in page.indicators)
