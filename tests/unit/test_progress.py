import pytest

from kpi.progress import (BEHIND, MET, MONITOR, NO_DATA, ON_TRACK, SEVERELY_BEHIND, Target, Thresholds, assess,
                          elapsed_share)


def T(value, comparator=">=", keep=False):
    return Target("330203000000", "X", 2026, comparator, value, keep=keep)


def test_flow_target_is_compared_with_the_elapsed_share_of_the_year():
    # 新增150人 by year end; at the end of June half the year has passed.
    p = assess(75, T(150, "+"), 6, kind="flow", direction="up")
    assert (p.status, p.completion, p.expected, p.gap) == (ON_TRACK, 0.5, 0.5, 0.0)
    assert p.pace_value == 75 and p.remaining == 75
    assert assess(60, T(150, "+"), 6, kind="flow", direction="up").status == BEHIND  # 40 % vs 50 %
    assert assess(40, T(150, "+"), 6, kind="flow", direction="up").status == SEVERELY_BEHIND  # 26.7 % vs 50 %
    assert assess(150, T(150, "+"), 6, kind="flow", direction="up").status == MET


def test_stock_target_follows_the_path_from_last_year_end():
    # 35 beds per 10,000 elderly last December, 40 targeted: by October 10/12 of the 5 should be covered.
    p = assess(39, T(40), 10, kind="ratio", direction="up", base=35)
    assert p.completion == pytest.approx(0.8) and p.expected == pytest.approx(10 / 12)
    assert p.status == ON_TRACK  # 3.3 points behind the line, within the 5-point tolerance
    assert p.pace_value == pytest.approx(35 + 5 * 10 / 12)
    assert assess(37, T(40), 10, kind="ratio", direction="up", base=35).status == SEVERELY_BEHIND
    assert assess(38.5, T(40), 10, kind="ratio", direction="up", base=35).status == BEHIND


def test_a_stock_that_fell_below_its_base_is_severely_behind():
    assert assess(34, T(40), 3, kind="stock", direction="up", base=35).status == SEVERELY_BEHIND


def test_keep_at_target_is_met_or_not_at_any_moment():
    assert assess(612, T(600, keep=True), 2, kind="stock", direction="up", base=590).status == MET
    p = assess(598, T(600, keep=True), 2, kind="stock", direction="up", base=610)
    assert p.status == BEHIND and p.remaining == 2


def test_ceiling_target():
    assert assess(0.9, T(1.0, "<="), 5, kind="ratio", direction="down").status == MET
    p = assess(1.2, T(1.0, "<="), 5, kind="ratio", direction="down")
    assert p.status == SEVERELY_BEHIND and p.remaining == pytest.approx(0.2)


def test_level_target_is_met_or_not_met():
    assert assess(1145, T(1145), 1, kind="level", direction="up").status == MET
    assert assess(1100, T(1145), 11, kind="level", direction="up").status == BEHIND


def test_monitor_only_and_missing():
    assert assess(8587, T(9000), 6, kind="stock", direction="monitor").status == MONITOR
    assert assess(100, None, 6, kind="stock", direction="up").status == MONITOR
    assert assess(None, T(40), 6, kind="ratio", direction="up", base=35).status == NO_DATA


def test_thresholds_are_configurable():
    strict = Thresholds(behind=0.01, severely_behind=0.02)
    assert assess(72, T(150, "+"), 6, kind="flow", direction="up", thresholds=strict).status == SEVERELY_BEHIND
    assert assess(72, T(150, "+"), 6, kind="flow", direction="up").status == ON_TRACK


def test_elapsed_share():
    assert [elapsed_share(m) for m in (3, 6, 12)] == [0.25, 0.5, 1.0]


def test_without_last_year_end_a_stock_target_is_judged_reached_or_not_without_pace():
    met = assess(383, T(54.5), 10, kind="ratio", direction="up", base=None)
    assert met.status == MET and met.gap is None and met.pace_value is None
    unknown = assess(40, T(54.5), 10, kind="ratio", direction="up", base=None)
    assert unknown.status == NO_DATA and unknown.remaining == pytest.approx(14.5) and unknown.expected is None


def test_a_target_already_passed_at_year_start_is_met_with_full_completion():
    p = assess(60, T(50), 4, kind="stock", direction="up", base=55)
    assert (p.status, p.completion, p.gap) == (MET, 1.0, None)
