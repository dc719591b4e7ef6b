"""Scores used by the gate: char-bigram F1 (SOURCES.md), set F1, precision/recall."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable


def _bigrams(text: str) -> Counter[str]:
    s = re.sub(r"\s+", "", text or "")
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def bigram_f1(output: str, gold: str) -> float:
    """Character-bigram F1 with all whitespace removed (realpages/SOURCES.md)."""
    a, b = _bigrams(output), _bigrams(gold)
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * p * r / (p + r)


def set_f1(found: Iterable[object], gold: Iterable[object]) -> tuple[float, float, float]:
    f, g = set(found), set(gold)
    tp = len(f & g)
    p = tp / len(f) if f else 1.0
    r = tp / len(g) if g else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def precision_recall(pairs: Iterable[tuple[bool, bool]]) -> tuple[float, float]:
    """pairs of (predicted, actual)."""
    tp = fp = fn = 0
    for pred, actual in pairs:
        tp += pred and actual
        fp += pred and not actual
        fn += actual and not pred
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)
