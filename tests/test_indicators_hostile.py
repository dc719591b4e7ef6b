"""Hostile report text (issue 12): indicator extraction stays linear and its output bounded.

Work is bounded by counting what comes out (rows, characters per row), never by timing: the old
extractor stored 4,000 rows each holding a 24,000-character sentence for 4,000 × "纠错率1%，".
"""

from __future__ import annotations

import re

import pytest

from parsers import documents, indicators
from parsers.indicators import MAX_MENTIONS, WINDOW, extract_indicators

REPEATED = "全县行政复议纠错率1%，" * 12_000
ADVERSARIAL = {
    "repeated_rates": REPEATED,
    "cn_numeral_run": "一" * 50_000 + "人",
    "cn_numeral_run_before_yu": "培训" + "一" * 50_000 + "余人次",
    "em_quad_run": "1" + "\u2001" * 50_000 + "月新收行政复议案件5件",
    "em_quad_in_brackets": "（" + "\u2001" * 50_000 + "件）",
    "digit_run": "新收行政复议案件" + "9" * 50_000 + "件",
    "separators": "截至" + "，" * 50_000 + "全县新收行政复议案件5件",
    "table_like": ("指标 2023年 2022年\n" + "行政复议新收案件（件） 1 2\n" * 5_000),
}


@pytest.mark.timeout(120)  # a guard against a hang only; the assertions count output, not seconds
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_hostile_text_gives_bounded_output(name: str) -> None:
    found = extract_indicators(ADVERSARIAL[name], year=2023)
    assert len(found) <= MAX_MENTIONS
    assert all(len(i.text) <= WINDOW for i in found)
    assert sum(len(i.text) for i in found) <= MAX_MENTIONS * WINDOW
    assert len({i.key for i in found if i.headline}) == len([i for i in found if i.headline])


def test_repeated_rate_sentence_is_capped_with_short_provenance() -> None:
    found = extract_indicators(REPEATED, year=2023)
    assert len(found) == MAX_MENTIONS  # 12,000 mentions in one sentence: the first MAX_MENTIONS kept
    assert {i.key for i in found} == {"reconsideration_correction_rate"}
    assert all(i.text and "纠错率1%" in i.text for i in found)
    assert max(len(i.text) for i in found) <= WINDOW < len(REPEATED)
    [head] = [i for i in found if i.headline]
    assert str(head.value) == "1" and not head.ambiguous  # every mention agrees


MODULE_PATTERNS = [
    (module, name)
    for module in (indicators, documents)
    for name in dir(module)
    if isinstance(getattr(module, name), re.Pattern) and isinstance(getattr(module, name).pattern, str)
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("module", "pattern"), MODULE_PATTERNS, ids=[f"{m.__name__}.{n}" for m, n in MODULE_PATTERNS]
)
def test_every_module_pattern_scans_adversarial_runs(module: object, pattern: str) -> None:
    """Each compiled pattern of parsers/indicators.py and parsers/documents.py over every adversarial run
    (search, match and fullmatch, as the code uses them): finditer terminates, never re-reports a position."""
    rx = getattr(module, pattern)
    for text in ADVERSARIAL.values():
        ends = [m.end() for m in rx.finditer(text)]
        assert len(ends) <= len(text) + 1
        assert ends == sorted(ends)
        rx.fullmatch(text)


def test_chinese_numeral_matches_only_at_the_start_of_a_run() -> None:
    """The numeral branch starts at a run's first character: no restart at each of 50,000 positions."""
    starts = [m.start("n") for m in indicators._NUM_RE.finditer("一" * 50_000 + "余人") if m.group("n")]
    assert starts == [0]
    assert [m for m in indicators._NUM_RE.finditer("一" * 50_000 + "人") if m.group("n")] == []
