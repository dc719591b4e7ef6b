"""Quality scores of the parsers on the labeled corpus; ``python -m tests.eval.score`` prints a table.

Compares our pipeline with plain ``trafilatura.extract`` on the same pages. The gate
(tests/test_quality_gate.py) fails when a score drops below its floor in baseline.json.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from statistics import mean
from typing import Any

import trafilatura

from parsers import classify_title, parse_page
from parsers.chrome import CHROME_STRINGS
from parsers.decode import decode_body
from tests.eval.corpus import Case, RealPagesMissing, fixture_cases, realpage_cases, titles
from tests.eval.metrics import bigram_f1, precision_recall, set_f1

BASELINE = Path(__file__).with_name("baseline.json")
PER_PAGE: list[dict[str, Any]] = []  # the last run's verdicts per page (publisher, date, year, class)


def chrome_left(text: str, gold: str) -> int:
    """Chrome strings in the output that the gold does not contain itself."""
    return sum(1 for c in CHROME_STRINGS if c in text and c not in gold)


def _indicator_pairs(items: list) -> set[tuple[str, Decimal]]:
    """Exact comparison: gold numbers are read through their decimal text (99.78 is 99.78)."""
    return {(k, Decimal(str(v)).normalize()) for k, v in items}


def score(include_realpages: bool = True) -> dict[str, float]:
    cases: list[Case] = list(fixture_cases()) + (list(realpage_cases()) if include_realpages else [])
    body_ours, body_traf, chrome_ours, chrome_traf = [], [], 0, 0
    real_tuning, real_held_out = [], []
    exact: dict[str, list[bool]] = {"title": [], "published_at": [], "year": [], "agency": []}
    per_page: list[dict[str, Any]] = []
    cls_pairs: list[tuple[bool, bool]] = []
    ind_found: set[tuple[str, str, Decimal]] = set()
    ind_gold: set[tuple[str, str, Decimal]] = set()
    head_found: set[tuple[str, str, Decimal]] = set()
    head_gold: set[tuple[str, str, Decimal]] = set()
    for case in cases:
        page = parse_page(
            case.url, case.body, site_name=case.site.get("name"), region=case.site.get("region")
        )
        if case.gold_text is not None:
            # Same decoded string as ours, so the comparison is about extraction, not charset sniffing.
            traf = trafilatura.extract(decode_body(case.body), url=case.url) or ""
            body_ours.append(bigram_f1(page.text, case.gold_text))
            if case.name.startswith("realpage:"):
                (real_held_out if case.held_out else real_tuning).append(body_ours[-1])
            body_traf.append(bigram_f1(traf, case.gold_text))
            chrome_ours += chrome_left(page.text, case.gold_text)
            chrome_traf += chrome_left(traf, case.gold_text)
        exp = case.expected
        row: dict[str, Any] = {"case": case.name}
        for key, results in exact.items():
            if key in exp:
                results.append(getattr(page, key) == exp[key])
                row[key] = results[-1]
        if "is_report" in exp:
            cls_pairs.append((page.is_report, exp["is_report"]))
            row["is_report"] = page.is_report == exp["is_report"]
        if len(row) > 1:
            per_page.append(row)
        if "indicators" in exp:
            ind_found |= {
                (case.name, k, v) for k, v in _indicator_pairs([(i.key, i.value) for i in page.indicators])
            }
            ind_gold |= {(case.name, k, v) for k, v in _indicator_pairs(exp["indicators"])}
        if "headline" in exp:
            heads = [(i.key, i.value) for i in page.indicators if i.headline]
            head_found |= {(case.name, k, v) for k, v in _indicator_pairs(heads)}
            head_gold |= {(case.name, k, v) for k, v in _indicator_pairs(list(exp["headline"].items()))}
    page_p, page_r = precision_recall(cls_pairs)  # whole pages: title and body
    cls_pairs += [(classify_title(t).is_report, True) for t in titles("reports.txt")]
    cls_pairs += [(classify_title(t).is_report, False) for t in titles("near_misses.txt")]
    cls_p, cls_r = precision_recall(cls_pairs)
    PER_PAGE[:] = per_page
    ind_p, ind_r, ind_f = set_f1(ind_found, ind_gold)
    head_p, head_r, head_f = set_f1(head_found, head_gold)
    return {
        "pages_with_gold_text": float(len(body_ours)),
        "classification_precision": cls_p,
        "classification_recall": cls_r,
        "page_classification_precision": page_p,
        "page_classification_recall": page_r,
        "pages_with_metadata_gold": float(len(per_page)),
        "body_f1_mean": mean(body_ours) if body_ours else 0.0,
        "body_f1_mean_trafilatura": mean(body_traf) if body_traf else 0.0,
        "chrome_strings_left": float(chrome_ours),
        "chrome_strings_left_trafilatura": float(chrome_traf),
        "title_exact": mean(exact["title"]),
        "date_exact": mean(exact["published_at"]),
        "year_exact": mean(exact["year"]),
        "publisher_accuracy": mean(exact["agency"]),
        "indicator_precision": ind_p,
        "indicator_recall": ind_r,
        "indicator_f1": ind_f,
        "headline_precision": head_p,
        "headline_recall": head_r,
        "headline_f1": head_f,
    } | _realpage_scores(real_tuning, real_held_out)


def _realpage_scores(tuning: list[float], held_out: list[float]) -> dict[str, float]:
    """Body F1 on ../shared/realpages: all, the tuning part and the held-out part (none if absent)."""
    if not tuning + held_out:
        return {}
    return {
        "body_f1_realpages": mean(tuning + held_out),
        "body_f1_realpages_tuning": mean(tuning) if tuning else 0.0,
        "body_f1_realpages_held_out": mean(held_out) if held_out else 0.0,
    }


def main() -> int:
    try:
        scores = score()
    except RealPagesMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for row in PER_PAGE:
        wrong = [k for k, ok in row.items() if k != "case" and not ok]
        if wrong:
            print(f"WRONG {row['case']}: {', '.join(wrong)}")
    floors = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    print(f"{'metric':36s} {'ours':>8s} {'floor':>8s}")
    for key, value in scores.items():
        bound = floors.get(key) if isinstance(floors.get(key), dict) else {}
        floor = bound.get("min", bound.get("max"))
        print(f"{key:36s} {value:8.4f} {'' if floor is None else f'{floor:8.4f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
