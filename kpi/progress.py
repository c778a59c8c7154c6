"""Progress against a target: completion, pace against time elapsed (序时进度) and a status.

How pace is judged depends on what the indicator is:
- a flow target ("新增150人") accumulates over the year, so by month M it should be M/12 of the way;
- a stock or ratio target ("每万名老年人拥有养老床位40张") moves from last year-end's value towards the target, so by month M
  it should have covered M/12 of that path;
- a level target (标准) and a "keep at" target (保持…以上) are met or not met at any moment;
- a ceiling ("控制在…以内") is met while the value stays at or under it.
"""

from __future__ import annotations

from dataclasses import dataclass

MET, ON_TRACK, BEHIND, SEVERELY_BEHIND, MONITOR, NO_DATA = "已达标", "正常", "滞后", "严重滞后", "仅监测", "无数据"
STATUSES = (MET, ON_TRACK, BEHIND, SEVERELY_BEHIND, MONITOR, NO_DATA)
COMPARATORS = (">=", "<=", "=", "+")


@dataclass(frozen=True)
class Thresholds:
    """How far behind the pace line (as a share of the whole year's way) counts as 滞后 and as 严重滞后."""

    behind: float = 0.05
    severely_behind: float = 0.15


@dataclass(frozen=True)
class Target:
    region_code: str
    indicator_code: str
    year: int
    comparator: str  # >= at least, <= at most, = reach/keep at, + add within the year
    value: float
    value_min: float | None = None  # ranges such as "3-5个"
    kind: str = "annual"  # annual | five_year
    keep: bool = False  # 保持: already true and must stay true
    source: str = ""


@dataclass(frozen=True)
class Progress:
    status: str
    completion: float | None  # actual progress as a share of the target (1.0 = reached)
    expected: float | None  # the share that time elapsed calls for (序时进度)
    gap: float | None  # completion - expected, negative when behind
    pace_value: float | None  # where the value should be now on the path to the target
    remaining: float | None  # how much is still missing to reach the target (in the indicator's unit)


def elapsed_share(month: int) -> float:
    """序时进度 of a month report: months elapsed ÷ 12 (data are monthly, so the month is the clock)."""
    return month / 12


def assess(value: float | None, target: Target | None, month: int, *, kind: str, direction: str,
           base: float | None = None, thresholds: Thresholds = Thresholds()) -> Progress:
    """Judge ``value`` (the indicator at the end of ``month`` of the target year) against ``target``.

    ``base`` is last year-end's value, the start of the path for stock and ratio targets; ``kind`` is the indicator's
    kind and ``direction`` its catalogue direction (monitor-only indicators are never judged).
    """
    if direction == "monitor" or target is None:
        return Progress(MONITOR, None, None, None, None, None)
    if value is None:
        return Progress(NO_DATA, None, elapsed_share(month), None, None, None)
    goal = target.value
    expected = elapsed_share(month)

    if target.comparator == "<=":
        met = value <= goal
        return Progress(MET if met else SEVERELY_BEHIND, goal / value if value else 1.0, None, None, goal,
                        None if met else value - goal)
    if kind == "level" or target.keep:
        met = value >= goal if direction != "down" else value <= goal
        return Progress(MET if met else BEHIND, value / goal if goal else None, None, None, goal,
                        None if met else goal - value)

    reached = value >= goal if direction != "down" else value <= goal
    if target.comparator == "+" or kind == "flow":
        # A flow target counts from zero each January.
        start = 0.0
    elif base is None:
        # No year-end value to start the path from: reached or not can be told, the pace cannot.
        share = value / goal if goal else None
        return Progress(MET if reached else NO_DATA, share, None, None, None, None if reached else abs(goal - value))
    else:
        start = base
    way = goal - start
    if reached:
        if way == 0 or (way < 0) != (direction == "down"):
            # Already past the target when the year began: nothing to pace.
            return Progress(MET, 1.0, expected, None, goal, 0.0)
        completion = (value - start) / way
        return Progress(MET, completion, expected, completion - expected, start + way * expected, 0.0)
    if way == 0 or (way < 0) != (direction == "down"):
        # Nothing left to add yet not reached means the value fell below where it started: plainly behind.
        return Progress(SEVERELY_BEHIND, None, expected, None, goal, abs(goal - value))
    # A value that slid back past where the year started has made no progress (not "negative progress").
    completion = max((value - start) / way, 0.0)
    gap = completion - expected
    if gap >= -thresholds.behind:
        status = ON_TRACK
    elif gap >= -thresholds.severely_behind:
        status = BEHIND
    else:
        status = SEVERELY_BEHIND
    return Progress(status, completion, expected, gap, start + way * expected, abs(goal - value))
