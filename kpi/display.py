"""How numbers are written on screen, in one place so every page, the big screen and the report agree.

Counts are whole numbers with thousands separators; money in 万元 and per-10,000 ratios keep the decimals a bureau
quotes; a missing figure is "—", never 0.
"""

from __future__ import annotations

from kpi.progress import BEHIND, MET, MONITOR, NO_DATA, ON_TRACK, SEVERELY_BEHIND

MISSING = "—"
# Streamlit badge colours per status; monitor-only and missing are grey: they are never judged good or bad.
STATUS_COLORS = {MET: "green", ON_TRACK: "blue", BEHIND: "orange", SEVERELY_BEHIND: "red", MONITOR: "gray",
                 NO_DATA: "gray"}
# The same as RGB, for the map and charts.
STATUS_RGB = {MET: (46, 125, 50), ON_TRACK: (25, 118, 210), BEHIND: (239, 108, 0), SEVERELY_BEHIND: (198, 40, 40),
              MONITOR: (158, 158, 158), NO_DATA: (189, 189, 189)}
_WHOLE_UNITS = {"人", "张", "个", "户", "人次", "对", "具", "例", "家", "处"}


def decimals(unit: str, value: float) -> int:
    if unit in _WHOLE_UNITS and float(value).is_integer():
        return 0
    if unit in _WHOLE_UNITS:
        return 1
    if unit == "%" or "/" in unit or unit.startswith("万"):
        return 1 if abs(value) >= 10 or unit == "%" else 2
    return 2 if abs(value) < 100 else 0


def number(value: float | None, unit: str = "") -> str:
    """The value without its unit: 12,345 · 49.95 · 86.2."""
    if value is None:
        return MISSING
    return f"{value:,.{decimals(unit, value)}f}"


def value_with_unit(value: float | None, unit: str) -> str:
    if value is None:
        return MISSING
    return f"{number(value, unit)}{unit}" if unit == "%" else f"{number(value, unit)} {unit}"


def metric(value: float | None, unit: str) -> tuple[str, str]:
    """(value text, label suffix) for a metric tile: short units stay with the number (2,334 张); long ones
    (张/万老年人) go to the label, so the number is never cut off."""
    if len(unit) <= 2:
        return value_with_unit(value, unit), ""
    return number(value, unit), f"（{unit}）"


def change(delta: float | None, unit: str) -> str | None:
    """A signed change: +1,204 张 · −0.8 个百分点 (a change of a rate is in percentage points, not %)."""
    if delta is None:
        return None
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    text = number(abs(delta), unit)
    return f"{sign}{text} 个百分点" if unit == "%" else f"{sign}{text} {unit}"


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0.853) as 85.3%."""
    return MISSING if share is None else f"{share * 100:.{digits}f}%"


def points(gap: float | None) -> str:
    """A gap against the pace line (−0.12) as 落后 12.0 个百分点 / 超前 3.0 个百分点."""
    if gap is None:
        return MISSING
    return f"{'落后' if gap < 0 else '超前'} {abs(gap) * 100:.1f} 个百分点"


def reporting(reporting_: int, expected: int) -> str:
    """Completeness of an aggregate: 已报 148/163."""
    return f"已报 {reporting_}/{expected}" if expected else ""
