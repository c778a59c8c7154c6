"""Which catalogue indicator a plan's wording names, and which business area a figure belongs to.

Plans phrase indicators freely ("全市持证社工总量", "每万名老人拥有养老机构认知症床位数"), so an exact header
match (Catalog.match_header) is tried first, then the longest catalogue name or alias contained in the
phrase, then character-bigram similarity. A match must also agree in unit: 万元 of money never names a
count of 个. A wrong code is worse than none — the staff confirm every figure — so the threshold is high.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kpi.catalog import Catalog, Indicator
from kpi.text import normalize_header
from etl.workplan import lexicon as lx

MIN_SPECIFIC = 5       # characters: a catalogue name this long ending a phrase is specific enough on its own
MAX_QUALIFIER = 2      # characters a shorter name may be preceded by ("公办养老机构" no, "双证持证护理员" yes)
MIN_SIMILARITY = 0.8   # Dice coefficient on character bigrams, the last resort

# The gold set's areas (R7); the catalogue's own areas are the same except 基础数据 and 党建与综合.
AREAS = tuple(lx.AREA_KEYWORDS)
_UNIT_GROUPS = ({"个", "家", "所", "处", "座"}, {"人", "名"}, {"元"}, {"张", "床"}, {"户"}, {"%"}, {"人次"},
                {"对"}, {"具"}, {"例"}, {"项"})
# Verbs that create what a stock counts: "新建公益性公墓9个" is +9 on the count of cemeteries. Other verbs
# (改造, 申报, 提供…) stay in the phrase and must be part of the catalogue name to match.
CREATION_VERBS = ("新增", "新建", "新设", "新开", "新培育", "新登记", "新认定", "建成", "建设", "培育", "发展", "打造", "创建")
# Framing words that do not change what is measured.
FRAMING = ("实现", "保持", "提高", "提升", "达到", "确保", "力争", "全市", "全区", "全县", "全省", "各类", "动态", "稳步",
           "年末", "年底")
_TRAILING = ("数量", "总数", "人数", "数", "任务", "工作")


def match_indicator(catalog: Catalog, phrase: str | list[str], unit: str) -> Indicator | None:
    """The catalogue indicator a phrase names, or None when none fits well enough.

    ``phrase`` may be several wordings to try in turn (the indicator, then its shorter pre-figure part).
    In order: the phrase is a name or alias (after removing framing words such as 实现/保持/全市); a name or
    alias of at least five characters ends the phrase, or a shorter one ends it after at most two
    characters of qualifier; bigram similarity of at least 0.8. A phrase with a creation verb (新增, 新建,
    培育…) prefers a flow indicator. The unit must fit (money never names a count).
    """
    for text in ([phrase] if isinstance(phrase, str) else phrase):
        found = _match_one(catalog, text, unit)
        if found is not None:
            return found
    return None


def _match_one(catalog: Catalog, phrase: str, unit: str) -> Indicator | None:
    if not phrase:
        return None
    exact = catalog.match_header(phrase)
    if exact is not None and _unit_fits(exact.unit, unit):
        return exact
    core, creates = _core(phrase)
    if len(core) < 2:
        return None
    best: tuple[float, Indicator] | None = None
    for ind, names in _names(catalog):
        if not _unit_fits(ind.unit, unit):
            continue
        for name in names:
            name_core, name_creates = _core(name)
            if not name_core:
                continue
            if core == name_core:
                score = 3.0
            elif core.endswith(name_core) and (len(name_core) >= MIN_SPECIFIC or _is_qualifier(core[:-len(name_core)])):
                score = 2.0 + len(name_core) / 100
            elif _same_scale(core, name_core):
                score = _dice(core, name_core)
                if score < MIN_SIMILARITY:
                    continue
            else:
                continue
            if creates and ind.kind == "flow":
                score += 0.5
            elif not creates and (name_creates or ind.kind == "flow") and ind.kind != "ratio":
                score -= 0.5  # "养老床位" is not "新增养老床位"
            if best is None or score > best[0]:
                best = (score, ind)
    if best is not None and best[0] >= MIN_SIMILARITY:
        return best[1]
    return None


def _core(text: str) -> tuple[str, bool]:
    """(the phrase without quotes, framing and a leading creation verb, whether it had such a verb)."""
    key = normalize_header(re.sub(r"[“”\"'‘’「」《》]", "", text or ""))
    creates = False
    changed = True
    while changed:
        changed = False
        for word in FRAMING + CREATION_VERBS:
            if key.startswith(word) and len(key) > len(word) + 1:
                key = key[len(word):]
                creates = creates or word in CREATION_VERBS
                changed = True
    for word in _TRAILING:
        if key.endswith(word) and len(key) > len(word) + 2:
            key = key[: -len(word)]
            break
    return key, creates


def _is_qualifier(prefix: str) -> bool:
    """A short modifier ("双证", "村级") may precede a short name; a verb ("设置养老床位") may not."""
    return len(prefix) <= MAX_QUALIFIER and not any(v in prefix for v in lx.FLOW_VERBS)


def _same_scale(a: str, b: str) -> bool:
    """每千名 and 每万名 are different indicators however similar the rest of the words."""
    return {c for c in a if c in "十百千万亿"} == {c for c in b if c in "十百千万亿"}


@lru_cache(maxsize=8)
def _names_cached(catalog_id: int, catalog: Catalog) -> tuple[tuple[Indicator, tuple[str, ...]], ...]:
    return tuple((ind, tuple(dict.fromkeys((ind.name, *ind.aliases)))) for ind in catalog)


def _names(catalog: Catalog):
    return _names_cached(id(catalog), catalog)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _dice(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def _base_unit(unit: str) -> str:
    return re.sub(r"^(?:千万|百万|万|亿|千)", "", (unit or "").split("/")[0]) or unit


def _unit_fits(catalogue_unit: str, figure_unit: str) -> bool:
    a, b = _base_unit(catalogue_unit), _base_unit(figure_unit)
    if a == b:
        return True
    return any(a in group and b in group for group in _UNIT_GROUPS)


def guess_area(*texts: str) -> str | None:
    """R7: the area whose keyword appears earliest in the first text that has one (longer keyword on a tie)."""
    for text in texts:
        if not text:
            continue
        best: tuple[int, int, str] | None = None
        for area, words in lx.AREA_KEYWORDS.items():
            for word in words:
                pos = text.find(word)
                if pos >= 0 and (best is None or (pos, -len(word)) < (best[0], best[1])):
                    best = (pos, -len(word), area)
        if best is not None:
            return best[2]
    return None


def area_of(indicator: Indicator | None, *texts: str) -> str | None:
    """The matched indicator's area (catalogue), else a keyword guess over the given texts."""
    if indicator is not None and indicator.area in AREAS:
        return indicator.area
    return guess_area(*texts)
