"""Quality gate: fails when a parser score drops below its pinned floor (tests/eval/baseline.json)."""

from __future__ import annotations

import json

import pytest

from tests.eval.corpus import RealPagesMissing
from tests.eval.score import BASELINE, score


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    try:
        return score()
    except RealPagesMissing as exc:  # scoring only the synthetic fixtures would pass on too little
        pytest.fail(str(exc))


BASELINE_ITEMS = [
    (k, v) for k, v in json.loads(BASELINE.read_text(encoding="utf-8")).items() if isinstance(v, dict)
]


@pytest.mark.parametrize(("metric", "bound"), BASELINE_ITEMS, ids=[k for k, _ in BASELINE_ITEMS])
def test_score_within_floor(scores: dict[str, float], metric: str, bound: dict[str, float]) -> None:
    if metric not in scores:
        pytest.skip(f"{metric} needs ../shared/realpages")
    value = scores[metric]
    if "min" in bound:
        assert value >= bound["min"], f"{metric} fell to {value:.4f} (floor {bound['min']})"
    if "max" in bound:
        assert value <= bound["max"], f"{metric} rose to {value:.4f} (ceiling {bound['max']})"


def test_we_beat_plain_trafilatura(scores: dict[str, float]) -> None:
    assert scores["body_f1_mean"] > scores["body_f1_mean_trafilatura"]


def test_gate_refuses_to_score_without_the_real_pages(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("FZWATCH_REALPAGES", str(tmp_path / "nowhere"))
    with pytest.raises(RealPagesMissing, match="FZWATCH_REALPAGES"):
        score()


def test_gate_scores_the_real_pages(scores: dict[str, float]) -> None:
    assert scores["pages_with_gold_text"] >= 80  # 7 fixtures + 76 real pages
    assert scores["pages_with_metadata_gold"] >= 30
