"""Numbers as work plans write them: Arabic (also full-width), Chinese numerals, 万/亿 multipliers, ranges.

Values stay in the written unit (README of the gold set, R5): "4.9万人" is 4.9 with unit 万人, so a
trailing 万 or 亿 belongs to the unit, not to the value. Chinese numerals are converted ("一百五十" → 150,
"两千" → 2000, "三万五千" → 35000); one that ends in 万/亿 ("五万人") keeps that multiplier in the unit, like
its Arabic spelling.
"""

from __future__ import annotations

import re

# Full-width digits and signs mapped one-to-one, so offsets in the mapped text equal offsets in the original.
FULL_WIDTH = str.maketrans("０１２３４５６７８９％．～－", "0123456789%.~-")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

# An Arabic number: digits with an optional decimal part; a thousands separator only as ",ddd" groups.
ARABIC = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
CHINESE = re.compile(f"[{CN_CHARS}]+")


def parse_arabic(text: str) -> float:
    return float(text.translate(FULL_WIDTH).replace(",", ""))


def parse_chinese(text: str) -> float | None:
    """Value of a Chinese numeral, or None when the characters are not one well-formed number.

    Well-formed means what a writer of figures produces: "十二", "二十", "一百五十", "一千零五", "三万五千",
    "两千". Runs such as "十四五" (a plan name), "二十大" cut to "二十" is fine, but "三三" or "五十五五" are not.
    """
    if not text or any(c not in CN_CHARS for c in text):
        return None
    total = 0
    section = 0      # the part below the current 万/亿
    digit: int | None = None
    last_small = 10_000  # small units must descend within a section: 千 > 百 > 十
    last_big = 10 ** 12
    zero_seen = False
    for char in text:
        if char in CN_DIGITS:
            if digit is not None:
                return None  # two digits in a row ("三三", "十四五")
            value = CN_DIGITS[char]
            if value == 0:
                zero_seen = True
                digit = None
                continue
            digit = value
        elif char in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[char]
            if unit >= last_small:
                return None
            section += (digit if digit is not None else 1) * unit
            digit, last_small, zero_seen = None, unit, False
        else:
            unit = CN_BIG_UNITS[char]
            if unit >= last_big:
                return None
            section += digit or 0
            if section == 0:
                section = 1 if total == 0 else 0
                if section == 0:
                    return None
            total += section * unit
            section, digit, last_small, last_big, zero_seen = 0, None, 10_000, unit, False
    if digit is not None:
        if last_small != 10_000 and last_small > 10 and not zero_seen:
            # "一百五" means 150 in speech; figures in plans are written out in full, so refuse the shorthand.
            return None
        section += digit
    return float(total + section)


def split_multiplier(numeral: str) -> tuple[str, str]:
    """'一百五十万' → ('一百五十', '万'): a trailing 万/亿 moves to the unit, as for '150万元'."""
    if len(numeral) > 1 and numeral[-1] in CN_BIG_UNITS and numeral[:-1][-1:] not in CN_BIG_UNITS:
        return numeral[:-1], numeral[-1]
    return numeral, ""
