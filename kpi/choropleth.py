"""Classed colours for a choropleth: class breaks (quantiles or natural breaks), a palette that respects the indicator's
direction, the legend, and each map cell's fill and tooltip text.

A monitor-only indicator (低保对象人数) gets a neutral palette: more is neither better nor worse. A unit that did not
report is grey and says 未报送 — never the lightest class, which would read as "lowest".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kpi import display
from kpi.catalog import Indicator
from kpi.ranking import RankRow

METHODS = {"quantile": "分位数", "natural": "自然断点"}
# ColorBrewer sequential schemes, light to dark.
BLUES = [(239, 243, 255), (189, 215, 231), (107, 174, 214), (49, 130, 189), (8, 81, 156)]
PURPLES = [(242, 240, 247), (203, 201, 226), (158, 154, 200), (117, 107, 177), (84, 39, 143)]
MISSING_RGB = (205, 205, 205)
MAX_CLASSES = 5


@dataclass(frozen=True)
class LegendEntry:
    rgb: tuple[int, int, int]
    label: str


def quantile_breaks(values: list[float], k: int) -> list[float]:
    """Upper bounds of k classes holding about equal numbers of units."""
    ordered = sorted(values)
    n = len(ordered)
    return [ordered[min(n - 1, math.ceil(n * (i + 1) / k) - 1)] for i in range(k)]


def natural_breaks(values: list[float], k: int) -> list[float]:
    """Upper bounds of the k classes minimising the within-class sum of squared deviations (Jenks), by dynamic
    programming — exact, and cheap for the few dozen units a map shows."""
    ordered = sorted(values)
    n = len(ordered)
    prefix, prefix_sq = [0.0], [0.0]
    for v in ordered:
        prefix.append(prefix[-1] + v)
        prefix_sq.append(prefix_sq[-1] + v * v)

    def cost(i: int, j: int) -> float:  # units i..j-1
        s, sq, m = prefix[j] - prefix[i], prefix_sq[j] - prefix_sq[i], j - i
        return sq - s * s / m

    best = [[math.inf] * (n + 1) for _ in range(k + 1)]
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            for i in range(c - 1, j):
                total = best[c - 1][i] + cost(i, j)
                if total < best[c][j]:
                    best[c][j], cut[c][j] = total, i
    bounds, j = [], n
    for c in range(k, 0, -1):
        bounds.append(ordered[j - 1])
        j = cut[c][j]
    return bounds[::-1]


def breaks(values: list[float], method: str = "quantile", k: int = MAX_CLASSES) -> list[float]:
    """Distinct upper class bounds (fewer classes when there are fewer distinct values)."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    k = min(k, len(distinct))
    bounds = natural_breaks(values, k) if method == "natural" else quantile_breaks(values, k)
    return sorted(set(bounds))


def palette(ind: Indicator, k: int) -> list[tuple[int, int, int]]:
    """Light to dark; for a "lower is better" indicator the dark end is the best, so the same scheme reads the same
    way: darker = better, except for monitor-only indicators, which are shaded in a neutral purple."""
    scheme = PURPLES if ind.direction == "monitor" else BLUES
    picked = [scheme[round(i * (len(scheme) - 1) / max(k - 1, 1))] for i in range(k)] if k > 1 else [scheme[-2]]
    return picked[::-1] if ind.direction == "down" else picked


def class_of(value: float, bounds: list[float]) -> int:
    for i, upper in enumerate(bounds):
        if value <= upper:
            return i
    return len(bounds) - 1


def legend(ind: Indicator, bounds: list[float]) -> list[LegendEntry]:
    colours = palette(ind, len(bounds))
    entries, lower = [], None
    for colour, upper in zip(colours, bounds):
        low = display.number(lower, ind.unit) if lower is not None else None
        high = display.number(upper, ind.unit)
        entries.append(LegendEntry(colour, f"≤ {high}" if low is None else f"{low} – {high}"))
        lower = upper
    entries.append(LegendEntry(MISSING_RGB, "未报送"))
    return entries


def paint(features: dict, rows: list[RankRow], ind: Indicator, method: str = "quantile"
          ) -> tuple[dict, list[LegendEntry]]:
    """A copy of the view's FeatureCollection whose properties also hold ``fill`` (RGBA), ``value_text``,
    ``target_text``, ``status``, ``rank_text`` and ``reporting_text`` for the tooltip; and the legend."""
    by_code = {r.region.code: r for r in rows}
    values = [r.figure.value for r in rows if r.figure.value is not None]
    bounds = breaks(values, method)
    colours = palette(ind, len(bounds)) if bounds else []
    painted = []
    for feature in features["features"]:
        props = dict(feature["properties"])
        row = by_code.get(props["code"])
        value = row.figure.value if row else None
        rgb = colours[class_of(value, bounds)] if value is not None and bounds else MISSING_RGB
        props.update({
            "fill": [*rgb, 230],
            "value_text": display.value_with_unit(value, ind.unit) if value is not None else "未报送",
            "target_text": f"{row.target.text} {ind.unit}" if row and row.target else "无目标值",
            "status": row.progress.status if row else "无数据",
            "rank_text": f"第 {row.rank} 名" if row and row.rank else "—",
            "reporting_text": display.reporting(row.figure.reporting, row.figure.expected) if row else "",
        })
        painted.append({**feature, "properties": props})
    return {"type": "FeatureCollection", "features": painted}, legend(ind, bounds)
