"""Units as they appear in civil-affairs tables, and conversion to the catalogue unit.

Incoming sheets put the unit in the header ("养老床位数(万张)"), in a 单位 column, or nowhere; the
same indicator arrives as 元 in one file and 万元 in the next, and 低保标准 as 元/人·月 or 元/人·年.
Every value is converted to its catalogue unit on import, so the conversions live here, as data.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# unit -> (dimension, size in the dimension's base unit). Two units convert only when they share a
# dimension; anything not listed converts only to itself. Counts of different things (个/家/所,
# 人/人次, 户/人) are deliberately separate dimensions: a 家 of one table is not a 个 of another.
UNITS: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0),
    "千元": ("money", 1e3),
    "万元": ("money", 1e4),
    "亿元": ("money", 1e8),
    "人": ("persons", 1.0),
    "万人": ("persons", 1e4),
    "名": ("persons_named", 1.0),  # 护理员/社工 counted as 名 in plans; kept apart so a mislabel shows
    "人次": ("person_times", 1.0),
    "万人次": ("person_times", 1e4),
    "张": ("beds", 1.0),
    "万张": ("beds", 1e4),
    "户": ("households", 1.0),
    "万户": ("households", 1e4),
    "对": ("couples", 1.0),
    "万对": ("couples", 1e4),
    "具": ("bodies", 1.0),
    "万具": ("bodies", 1e4),
    "个": ("units_ge", 1.0),
    "万个": ("units_ge", 1e4),
    "家": ("units_jia", 1.0),
    "所": ("units_suo", 1.0),
    "处": ("units_chu", 1.0),
    "例": ("cases", 1.0),
    "单": ("filings", 1.0),
    "项": ("items", 1.0),
    "%": ("percent", 1.0),
    "‰": ("permille", 1.0),
    "倍": ("times", 1.0),
    # Benefit standards. 低保标准 is published per month in some places and per year in others
    # (北京 2022-03: 城市 1245.0 元/人·月, 农村 14940.0 元/人·年 = 1245 × 12). Work plans write
    # "630元/月" and "1.374万元/人/年" for the same per-person standard, so those spellings join too.
    "元/人·月": ("money_per_person_month", 1.0),
    "元/人·年": ("money_per_person_month", 1 / 12),
    "万元/人·年": ("money_per_person_month", 1e4 / 12),
    "元/月": ("money_per_person_month", 1.0),
    "元/年": ("money_per_person_month", 1 / 12),
    # Provision per elderly population. National statistics used 每千名老年人 until 2020.
    "张/万老年人": ("beds_per_elderly", 1.0),
    "张/千老年人": ("beds_per_elderly", 10.0),
    "人/万老年人": ("persons_per_elderly", 1.0),
    "人/千老年人": ("persons_per_elderly", 10.0),
}

# Characters a bare unit is made of; lets "(张/万人)" read as a unit but "(社区)" stay part of a name.
_UNIT_CHARS = re.compile(r"^[万亿千百元人次张个户家所处对具例单项名座条场%‰倍/·老年月]+$")
_PER_PERSON = re.compile(r"^(万?元)/\(?人[/.·•・‧∙⋅*]?(月|年)\)?$")
_PER_PERSON_REVERSED = re.compile(r"^(万?元)/(月|年)/人$")
_UNIT_LABEL = re.compile(r"单位\s*[:：]\s*")
_TRAILING_BRACKET = re.compile(r"^(.*?)\s*[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]\s*$", re.S)


@lru_cache(maxsize=4096)  # called per cell by the loader; units repeat
def normalize_unit(u: str) -> str:
    """Return the one spelling used for a unit, so equal units compare equal.

    Only spelling is normalised (full-width forms, separators of per-person rates); different
    units are never merged here — that is conversion_factor's job.
    """
    text = unicodedata.normalize("NFKC", u or "")
    text = re.sub(r"\s+", "", text)
    text = _UNIT_LABEL.sub("", text)
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    m = _PER_PERSON.match(text) or _PER_PERSON_REVERSED.match(text)
    if m:
        return f"{m.group(1)}/人·{m.group(2)}"
    return text


def looks_like_unit(text: str) -> bool:
    """A unit, known or at least made only of unit characters — how a units row or a 单位 column is recognised."""
    unit = normalize_unit(text)
    return bool(unit) and (unit in UNITS or bool(_UNIT_CHARS.match(unit)))


def split_header(text: str) -> tuple[str, str | None]:
    """Split a column or row header into (name, unit), unit None when the header carries none.

    Accepts "名称(单位)" with any bracket style, "名称/单位", "名称 单位:万元" and a unit on its own
    line. A trailing bracket that is not unit-like ("村(社区)") stays in the name.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    name, unit = text, None

    labelled = _UNIT_LABEL.search(text)
    if labelled:
        name = text[: labelled.start()]
        unit = text[labelled.end():]
        name = re.sub(r"[\s(\[【〔,;，；]+$", "", name)
        unit = re.sub(r"[)\]】〕]\s*$", "", unit)
    else:
        m = _TRAILING_BRACKET.match(text)
        if m and looks_like_unit(m.group(2)):
            name, unit = m.group(1), m.group(2)
        elif "\n" in text and looks_like_unit(text.rsplit("\n", 1)[1]):
            name, unit = text.rsplit("\n", 1)
        else:
            for i, ch in enumerate(text):
                if ch == "/" and i > 0 and normalize_unit(text[i + 1:]) in UNITS:
                    name, unit = text[:i], text[i + 1:]
                    break

    # A line break inside a header cell is layout (Excel wrap), not a word boundary.
    name = re.sub(r"\s*\n\s*", "", name)
    name = re.sub(r"\s+", " ", name).strip()
    unit = normalize_unit(unit) if unit is not None else None
    return name, (unit or None)


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float | None:
    """Factor to multiply a value in from_unit by to express it in to_unit; None if not convertible."""
    a, b = normalize_unit(from_unit), normalize_unit(to_unit)
    if a == b:
        return 1.0
    if a not in UNITS or b not in UNITS:
        return None
    (dim_a, size_a), (dim_b, size_b) = UNITS[a], UNITS[b]
    if dim_a != dim_b:
        return None
    return size_a / size_b


# Counting words a work plan uses for what a catalogue counts in 个 (家 for institutions, 所 for homes, 处 for sites).
_COUNT_WORDS = {"个", "家", "所", "处", "座", "项"}
_PERSON_WORDS = {"人", "名"}
_YEARLY = re.compile(r"年标准|每人每年|/人/年|/年|每年")


def to_catalog_unit(value: float, written: str | None, catalog_unit: str, context: str = ""
                    ) -> tuple[float | None, str]:
    """A figure as written in a document ("1.374万元/人/年", "4万人", "20张" of 每万名老年人…) in the catalogue's unit,
    with a note when something was assumed; None when the units do not fit together (the reader must decide).

    ``context`` is the sentence: a bare 元 for a monthly standard is read as yearly when the sentence says 年标准.
    """
    unit = normalize_unit(written or "")
    target = normalize_unit(catalog_unit)
    if not unit:
        return value, "原文未写单位，按目录单位"
    factor = conversion_factor(unit, target)
    if factor is not None:
        return round(value * factor, 6), "" if factor == 1 else f"由{unit}换算"
    if target == "元/人·月" and unit in ("元", "万元"):
        scale = 1e4 if unit == "万元" else 1.0
        if _YEARLY.search(context):
            return round(value * scale / 12, 2), f"按年标准（{unit}/人·年）换算为月标准"
        return value * scale, f"原文单位为{unit}，按每人每月"
    if "/" in target:  # 每万名老年人拥有…20张: the figure is already per 10,000
        head = target.split("/")[0]
        if unit == head or (head in _PERSON_WORDS and unit in _PERSON_WORDS):
            return value, ""
    if target in _COUNT_WORDS and unit in _COUNT_WORDS or target in _PERSON_WORDS and unit in _PERSON_WORDS:
        return value, ""
    for word_set in (_COUNT_WORDS, _PERSON_WORDS):  # 万 with a counting word: 1.2万户, 4万名
        if unit.startswith("万") and unit[1:] in word_set and target in word_set:
            return value * 1e4, f"由{unit}换算"
    return None, f"原文单位“{unit}”与目录单位“{target}”不一致，请核对"
