"""Numbers as reports write them: Arabic with 万/亿 magnitudes, Chinese numerals (两万余, 千余).

Values are exact :class:`~decimal.Decimal` s: 27845.93万元 is 278459300 元, not 2.78459e+08.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
MAGNITUDES = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000), "百": Decimal(100)}
# Longer runs are identifiers, phone or account numbers, or hostile input; never a reported figure.
MAX_DIGITS = 16


def parse_cn_number(s: str) -> Decimal | None:
    """'两万' -> 20000, '千' -> 1000, '三百五十' -> 350, '十二' -> 12; None if not a numeral."""
    if not s or len(s) > MAX_DIGITS:
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
            total += (section or 1) * int(MAGNITUDES[ch])
            section, digit = 0, None
        else:
            return None
    return Decimal(total + section + (digit or 0))


def parse_arabic(s: str) -> Decimal | None:
    """'1,516' -> 1516, '27845.93' -> 27845.93 (exact); None for an over-long or malformed run."""
    digits = s.replace(",", "").replace("，", "")
    if not digits or len(digits) > MAX_DIGITS + 5:
        return None
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def plain_decimal(value: Decimal) -> str:
    """'278459300', '99.78', '0.902': positional notation, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def json_number(value: Decimal) -> int | float:
    """A JSON number whose text is the exact decimal: an int when integral, else the float whose
    shortest repr is the decimal's text (reports give at most a few decimals)."""
    return int(value) if value == value.to_integral_value() else float(plain_decimal(value))
