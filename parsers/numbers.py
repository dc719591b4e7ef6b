"""Numbers as reports write them: Arabic with 万/亿 magnitudes, Chinese numerals (两万余, 千余)."""

from __future__ import annotations

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
MAGNITUDES = {"万": 10_000, "亿": 100_000_000, "千": 1000, "百": 100}


def parse_cn_number(s: str) -> float | None:
    """'两万' -> 20000, '千' -> 1000, '三百五十' -> 350, '十二' -> 12; None if not a numeral."""
    if not s:
        return None
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch in ("万", "亿"):
            section += digit or 0
            total += (section or 1) * MAGNITUDES[ch]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def parse_arabic(s: str) -> float:
    return float(s.replace(",", "").replace("，", ""))
