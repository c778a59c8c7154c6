"""目标分解: a county's or city's target split across the units below it.

An amount (新增150人, 养老床位不少于6000张) is shared out in proportion to a basis — the units' 60岁以上人口, their
current value of the indicator, or equally — and the shares add up to the parent target exactly: whole-number units
(人, 张, 个) are rounded by largest remainder, so no 张 is lost or invented by rounding. A ratio, a rate or a standard
is not shared out: the parent ratio is reached when every unit reaches it, so each unit gets the parent's value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kpi import aggregate
from kpi.catalog import Indicator
from kpi.regions import Region
from kpi.targets import TargetRecord

BASES = {"pop60": "按60岁以上户籍人口", "current": "按本指标现值", "equal": "平均分配"}
BASIS_INDICATOR = {"pop60": "POP60_HJ"}
WHOLE_UNITS = {"人", "张", "个", "户", "人次", "对", "具", "例", "家", "处"}


class DecomposeError(ValueError):
    """The split cannot be made (a unit without a basis value, a zero total); the message is Chinese."""


@dataclass(frozen=True)
class Share:
    region: Region
    basis_value: float | None
    value: float
    value_min: float | None


def shares_out(ind: Indicator, parent: TargetRecord) -> bool:
    """Whether the target is an amount to share out (else every unit gets the parent's value)."""
    return ind.kind in ("stock", "flow") and ind.unit != "%" and not parent.target.keep


def split(ind: Indicator, parent: TargetRecord, units: list[Region], basis: dict[str, float | None],
          method: str) -> list[Share]:
    """The parent target's share for each unit. ``basis`` maps unit codes to their basis values (ignored for an
    equal split and for targets that are not shared out)."""
    if not units:
        raise DecomposeError("没有可分解的下级地区")
    t = parent.target
    if not shares_out(ind, parent):
        return [Share(u, basis.get(u.code), t.value, t.value_min) for u in units]
    if method == "equal":
        weights = {u.code: 1.0 for u in units}
    else:
        missing = [u.name for u in units if basis.get(u.code) is None]
        if missing:
            raise DecomposeError(f"{'、'.join(missing)}没有{BASES[method][1:]}数据，无法按此分解；可改用平均分配，"
                                 "或分解后手工修改")
        weights = {u.code: max(float(basis[u.code]), 0.0) for u in units}
    total = math.fsum(weights.values())
    if total <= 0:
        raise DecomposeError("各下级的分解基数合计为0，无法按比例分解；请改用平均分配")
    values = _apportion(t.value, [weights[u.code] / total for u in units], ind.unit in WHOLE_UNITS)
    lows = (_apportion(t.value_min, [weights[u.code] / total for u in units], ind.unit in WHOLE_UNITS)
            if t.value_min is not None else [None] * len(units))
    return [Share(u, basis.get(u.code), v, lo) for u, v, lo in zip(units, values, lows)]


def _apportion(amount: float, fractions: list[float], whole: bool) -> list[float]:
    """Split ``amount`` by ``fractions`` so the parts add up to it exactly: whole numbers by largest remainder,
    otherwise to two decimals with the rounding left on the largest part."""
    if whole and float(amount).is_integer():
        raw = [amount * f for f in fractions]
        floors = [math.floor(r) for r in raw]
        left = int(round(amount - sum(floors)))
        order = sorted(range(len(raw)), key=lambda i: raw[i] - floors[i], reverse=True)
        for i in order[:left]:
            floors[i] += 1
        return [float(v) for v in floors]
    parts = [round(amount * f, 2) for f in fractions]
    largest = max(range(len(parts)), key=lambda i: parts[i])
    parts[largest] = round(amount - math.fsum(p for i, p in enumerate(parts) if i != largest), 2)
    return parts


def rows(parent: TargetRecord, shares: list[Share], method: str) -> list[dict]:
    """The unit targets as rows for etl.targets.save, each pointing at its parent and saying how it was split."""
    t = parent.target
    basis = BASES[method]
    return [{
        "region_code": s.region.code, "indicator_code": t.indicator_code, "year": t.year, "comparator": t.comparator,
        "value": s.value, "value_min": s.value_min, "kind": t.kind, "keep": t.keep,
        "plan_attribute": parent.plan_attribute, "base_value": None, "document": parent.document,
        "sentence": parent.sentence, "parent_id": parent.target_id, "basis": basis,
    } for s in shares]


def basis_values(con, catalog, units: list[Region], method: str, code: str, period) -> dict[str, float | None]:
    """Each unit's basis value at ``period``: its 60岁以上户籍人口, or its current value of the indicator; nothing for
    an equal split."""
    if method == "equal" or not units:
        return {}
    basis_code = BASIS_INDICATOR.get(method, code)
    figs = aggregate.figures(con, catalog, [basis_code], [u.code for u in units], period)
    return {u.code: figs[(u.code, basis_code)].value for u in units}
