"""The 月报's Chinese sentences, from templates.

A sentence never formats a number: it quotes the strings of the report's own table row (kpi.report.content.Row),
so every number in the text is character for character the number in the table. Wording follows the status of the
indicator against its annual target (kpi.progress): met, on pace or ahead, behind, severely behind, no data, and for
indicators without a target (仅监测) only the changes on last month and last year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpi.periods import Period
from kpi.progress import BEHIND, MET, MONITOR, NO_DATA, ON_TRACK, SEVERELY_BEHIND
from kpi.regions import Region

if TYPE_CHECKING:
    from kpi.report.content import Change, MapSection, Row

# How the summary names each status's count.
STATUS_WORDS = {MET: "已达标", ON_TRACK: "进度正常", BEHIND: "滞后", SEVERELY_BEHIND: "严重滞后", NO_DATA: "暂无法判断"}


def where(region: Region) -> str:
    """How a report names its own region in a sentence: 全省, 全市, 全区, 全县, 全镇, 全乡, 全街道."""
    return "全" + ("街道" if region.name.endswith("街道") else region.name[-1])


def quantity(number: str, unit: str) -> str:
    """65.2% · 49.95张/万老年人"""
    return f"{number}{unit}"


def delta_unit(unit: str) -> str:
    """A change of a percentage is in percentage points."""
    return "个百分点" if unit == "%" else unit


def compared(label: str, change: Change, row: Row) -> str:
    """较上年末提高1.8个百分点 · 较上月增加1,204张 · 与上年同期持平 · "" when not comparable."""
    if change.missing:
        return ""
    if change.sign == 0:
        return f"与{label}持平"
    rate = row.indicator.kind in ("ratio", "level") or row.indicator.unit == "%"
    up, down = ("提高", "下降") if rate else ("增加", "减少")
    return f"较{label}{up if change.sign > 0 else down}{quantity(change.text, delta_unit(row.indicator.unit))}"


def pace(row: Row) -> str:
    """The pace clause of a target still to be reached."""
    status, gap = row.status, row.card.progress.gap
    if status == SEVERELY_BEHIND:
        return "进度严重滞后于序时进度"
    if status == BEHIND:
        return "进度滞后于序时进度"
    if status == NO_DATA:
        return "缺少上年末数据，暂无法判断是否符合序时进度"
    if gap is not None and gap > 0:
        return "进度快于序时进度"
    if gap is not None and gap < 0:
        return "进度略慢于序时进度，仍属正常"
    return "进度与序时进度同步"


def _joined(*parts: str) -> str:
    return "，".join(p for p in parts if p)


def indicator(row: Row, period: Period, where_: str) -> str:
    """One sentence on one indicator, e.g. 截至2026年10月，全市养老机构护理型床位占比65.2%，较上年末提高1.8个百分点，
    距年度目标68.0%尚差2.8个百分点，进度滞后于序时进度。"""
    ind, card = row.indicator, row.card
    unit, d_unit = ind.unit, delta_unit(ind.unit)
    opening = f"截至{period.label}，{where_}{ind.name}"
    t = quantity(row.target_number, unit)
    if not row.has_data:
        if card.target is not None and row.status != MONITOR:
            return f"{period.label}，{where_}{ind.name}暂无数据，无法判断年度目标{t}的完成进度。"
        return f"{period.label}，{where_}{ind.name}暂无数据。"

    v = quantity(row.value, unit)
    if card.target is None or row.status == MONITOR:
        if ind.kind == "flow":
            month = f"其中本月{quantity(row.previous.text, unit)}" if row.previous.sign > 0 else ""
            return opening + _joined(f"本年累计{v}", month, compared("上年同期", row.last_year, row)) + "。"
        if ind.kind == "level":
            return opening + _joined(f"为{v}", compared("上年同期", row.last_year, row)) + "。"
        return opening + _joined(v, compared("上月", row.previous, row), compared("上年同期", row.last_year, row)) + "。"

    goal = card.target.target
    r = quantity(row.remaining, d_unit)
    if goal.comparator == "<=":
        if row.status == MET:
            return opening + _joined(v, f"控制在年度目标{t}以内") + "。"
        return opening + _joined(v, f"超出年度目标{t}", f"超出{r}") + "。"
    if ind.kind == "level" or goal.keep:
        lower = ind.direction == "down"
        if row.status == MET:
            reached = f"保持在年度目标{t}以{'下' if lower else '上'}" if goal.keep else f"达到年度目标{t}"
            return opening + _joined(v, reached) + "。"
        return opening + _joined(v, f"{'高' if lower else '低'}于年度目标{t}", f"尚差{r}") + "。"
    if ind.kind == "flow" or goal.comparator == "+":
        if ind.kind == "flow":
            base = f"本年累计{v}"
            aim = f"年度目标{t}"
        else:  # a "新增" target on a stock is judged on the increase since last year-end
            base = _joined(v, compared("上年末", row.year_start, row))
            aim = f"年度新增目标{t}"
        if row.status == MET:
            return opening + _joined(base, f"已完成{aim}（完成{row.completion}）") + "。"
        return opening + _joined(base, f"完成{aim}的{row.completion}", pace(row)) + "。"
    base = _joined(v, compared("上年末", row.year_start, row))
    if row.status == MET:
        return opening + _joined(base, f"已达到年度目标{t}") + "。"
    if not any(ch in "123456789" for ch in row.remaining):  # short by less than the last decimal shown
        towards = f"已接近年度目标{t}"
    elif ind.direction == "down":
        towards = f"距年度目标{t}还需降低{r}"
    else:
        towards = f"距年度目标{t}尚差{r}"
    return opening + _joined(base, towards, pace(row)) + "。"


def summary(rows: tuple[Row, ...], behind: tuple[Row, ...], period: Period, where_: str) -> str:
    """The opening paragraph: how many headline indicators are in each status, and which are behind pace."""
    judged = [r for r in rows if r.card.target is not None and r.status != MONITOR]
    opening = f"截至{period.label}，{where_}纳入本月报的{len(rows)}项主要指标中"
    if not judged:
        return opening + "，均没有已确认的年度目标，以下仅列示监测数据。"
    counts = {status: sum(r.status == status for r in judged) for status in STATUS_WORDS}
    parts = "，".join(f"{word}{counts[status]}项" for status, word in STATUS_WORDS.items() if counts[status])
    text = f"{opening}，{len(judged)}项设有年度目标：{parts}"
    monitored = len(rows) - len(judged)
    if monitored:
        text += f"；另有{monitored}项仅监测"
    text += "。"
    if behind:
        names = "、".join(f"{r.indicator.name}（{r.status}）" for r in behind)
        return text + f"落后于序时进度的指标有：{names}，需重点关注。"
    return text + "设有年度目标的指标均未落后于序时进度。"


def map_text(section: MapSection) -> str:
    """Which sub-region is highest and lowest on the map's indicator, and how many did not report."""
    level, name = section.level_name, section.indicator.name
    reported = [u for u in section.units if u.value is not None]
    missing = len(section.units) - len(reported)
    if not reported:
        return f"各{level}均未报送{name}。"
    high = max(reported, key=lambda u: u.value)
    low = min(reported, key=lambda u: u.value)
    unit = section.indicator.unit
    text = f"分{level}看，{name}以{high.name}最高（{quantity(high.text, unit)}）"
    if low is not high:
        text += f"，{low.name}最低（{quantity(low.text, unit)}）"
    if missing:
        text += f"；{missing}个{level}未报送"
    return text + "。"
