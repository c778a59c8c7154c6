"""What the app's pages show, built from kpi.store as plain values and frames with Chinese column names.

No Streamlit here (kpi never imports it): the pages cache these results per data version and only draw them.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from kpi import display, store
from kpi.catalog import DIRECTION_NAMES, KIND_NAMES
from kpi.regions import LEVEL_NAMES, LEVELS

LOAD_STATUS_NAMES = {"active": "有效", "reverted": "已撤销"}
SEVERITY_NAMES = {"error": "错误", "warning": "提示"}

INDICATOR_COLUMNS = ["中文名", "代码", "业务领域", "单位", "类型", "分子/分母", "方向", "规划属性", "口径", "频率", "统计口径"]
HISTORY_COLUMNS = ["批次", "文件", "导入时间", "导入人", "数值个数", "提示数", "状态", "数据版本", "示例数据"]


class WarehouseUnreadable(RuntimeError):
    """The warehouse file exists but DuckDB cannot read it (damaged, truncated, or not a warehouse at all)."""


def snapshot(wh: store.Warehouse) -> tuple[store.FileIdentity, int]:
    """The identity of the warehouse file and the data version of the snapshot a reader now gets: what the app keys
    its cached results on. Raises store.WarehouseMissing, or WarehouseUnreadable for a file DuckDB cannot read."""
    ident = wh.identity()
    try:
        version = store.current_version(wh.connect())
    except duckdb.Error as exc:
        raise WarehouseUnreadable(f"{wh.path}: {exc}") from exc
    if ident is None:  # the file vanished between the two calls; connect() raises when it is gone
        raise store.WarehouseMissing(str(wh.path))
    return ident, version


def freshness(con: duckdb.DuckDBPyConnection, version: int | None = None) -> dict:
    """What the frame shows on every page, as of ``version``: the data version, when it was written, and how many
    loads in force are demo data."""
    return store.freshness(con, version)


def summary(con: duckdb.DuckDBPyConnection, version: int | None = None) -> dict:
    """``store.status`` as of ``version`` plus the region counts in display order, with Chinese level names."""
    info = store.status(con, version)
    info["region_counts"] = [(LEVEL_NAMES[level], info["regions"].get(level, 0)) for level in LEVELS]
    return info


def indicator_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The catalogue as the warehouse holds it, one row per indicator in catalogue order, in Chinese."""
    ind = store.list_indicators(con)
    names = dict(zip(ind["code"], ind["name"]))

    def parts(row) -> str:
        if row.kind != "ratio":
            return ""
        scale = f" ×{row.scale:g}" if row.scale and row.scale != 1 else ""
        return f"{names.get(row.numerator, row.numerator)} / {names.get(row.denominator, row.denominator)}{scale}"

    return pd.DataFrame({
        "中文名": ind["name"],
        "代码": ind["code"],
        "业务领域": ind["area"],
        "单位": ind["unit"],
        "类型": ind["kind"].map(KIND_NAMES).fillna(ind["kind"]),
        "分子/分母": [parts(row) for row in ind.itertuples()],
        "方向": ind["direction"].map(DIRECTION_NAMES).fillna(ind["direction"]),
        "规划属性": ind["plan_attribute"].fillna(""),
        "口径": ind["basis"].fillna(""),
        "频率": ind["frequency"].fillna(""),
        "统计口径": ind["definition"].fillna(""),
    }, columns=INDICATOR_COLUMNS)


def load_state(status: str, reverted_at, reverted_by) -> str:
    """有效, or 已撤销 with when and by whom."""
    if status != "reverted":
        return LOAD_STATUS_NAMES.get(status, status)
    when = f"{reverted_at:%Y-%m-%d %H:%M}" if pd.notna(reverted_at) else ""
    detail = " ".join(part for part in (when, reverted_by or "") if part)
    return f"已撤销（{detail}）" if detail else "已撤销"


def load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every load, newest first: the display columns plus ``load_id``, ``status``, ``file_name`` and
    ``archive_path`` for the page's per-load actions."""
    loads = store.list_loads(con, limit=None)
    table = pd.DataFrame({
        "批次": loads["load_id"].map(lambda n: f"#{n}"),
        "文件": loads["file_name"],
        "导入时间": loads["loaded_at"],
        "导入人": loads["loaded_by"].fillna(""),
        "数值个数": loads["values_loaded"],
        "提示数": loads["warnings"],
        "状态": [load_state(r.status, r.reverted_at, r.reverted_by) for r in loads.itertuples()],
        "数据版本": loads["version"].map(lambda v: f"v{v}"),
        "示例数据": loads["is_demo"].fillna(False).astype(bool),
    }, columns=HISTORY_COLUMNS)
    for column in ("load_id", "status", "file_name", "archive_path"):
        table[column] = loads[column]
    return table


def load_warnings(con: duckdb.DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """The warnings recorded with one load (errors never get in: a file with errors is not loaded)."""
    msgs = store.load_messages(con, load_id)
    return pd.DataFrame({
        "级别": msgs["severity"].map(SEVERITY_NAMES).fillna(msgs["severity"]),
        "工作表": msgs["sheet"].fillna(""),
        "行": msgs["row"].astype("Int64"),
        "列": msgs["col"].fillna(""),
        "问题": msgs["message"],
    })


# ---- dashboard tables ---------------------------------------------------------------------------------------------


def ranking_frame(rows, ind) -> pd.DataFrame:
    """kpi.ranking rows as the indicator page lists them; a ratio shows its summed numerator and denominator."""
    data = {
        "排名": [r.rank for r in rows],
        "地区": [r.region.name for r in rows],
        "本期值": [r.figure.value for r in rows],
    }
    if ind.kind == "ratio":
        data["分子"] = [r.figure.numerator for r in rows]
        data["分母"] = [r.figure.denominator for r in rows]
    data["已报单位"] = [display.reporting(r.figure.reporting, r.figure.expected) or "—" for r in rows]
    data["目标"] = [r.target.text if r.target else "—" for r in rows]
    data["完成"] = [display.percent(r.progress.completion) if r.target else "—" for r in rows]
    data["状态"] = [r.progress.status for r in rows]
    frame = pd.DataFrame(data)
    frame["排名"] = frame["排名"].astype("Int64")
    return frame


def loads_frame(loads: pd.DataFrame) -> pd.DataFrame:
    """The loads behind a figure: batch, file, when, who, data version."""
    return pd.DataFrame({
        "批次": loads["load_id"].map(lambda n: f"#{n}"),
        "文件": loads["file_name"],
        "导入时间": loads["loaded_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
        "导入人": loads["loaded_by"].fillna(""),
        "数据版本": loads["version"].map(lambda v: f"v{v}"),
        "状态": loads["status"].map(LOAD_STATUS_NAMES).fillna(loads["status"]),
    })


def sources_frame(sources: pd.DataFrame, catalog) -> pd.DataFrame:
    """kpi.provenance.figure_sources rows: each unit's value with the file, sheet and cell it was read from."""
    return pd.DataFrame({
        "指标": sources["indicator_code"].map(lambda c: catalog.get(c).name),
        "地区": sources["region_name"],
        "报告期": sources["period"].map(lambda d: f"{d:%Y-%m}"),
        "数值": sources["value"],
        "原始值": sources["raw_value"].fillna(""),
        "原始单位": sources["raw_unit"].fillna(""),
        "批次": sources["load_id"].map(lambda n: f"#{n}"),
        "文件": sources["file_name"],
        "工作表": sources["sheet"].fillna(""),
        "单元格": sources["cell"].fillna(""),
    })


def attention_frame(cards) -> pd.DataFrame:
    """The 需关注 list: indicators behind pace, with how far behind and how much is still missing."""
    return pd.DataFrame({
        "状态": [c.progress.status for c in cards],
        "指标": [c.indicator.name for c in cards],
        "现值": [display.value_with_unit(c.measured, c.indicator.unit) for c in cards],
        "目标": [f"{c.target.text} {c.indicator.unit}" for c in cards],
        "序时应达": [display.number(c.progress.pace_value, c.indicator.unit) for c in cards],
        "完成": [display.percent(c.progress.completion) for c in cards],
        "与序时进度相比": [display.points(c.progress.gap) for c in cards],
        "尚差": [display.value_with_unit(c.progress.remaining, c.indicator.unit) for c in cards],
    })
