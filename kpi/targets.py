"""Targets: what each bureau promised for a year (or for 2030, the 十五五 plan), per region and indicator.

Targets live in the warehouse (table ``targets``), versioned like data: every change — proposed from a work plan,
edited, confirmed, dropped, split to townships — is a new revision made by one event, so a page can always say where a
target came from (the document and the sentence quoted from it) and who confirmed it when. Only confirmed targets judge
progress. This module reads them and checks rows; ``etl.targets`` writes them.

A row is checked the same way wherever it comes from (a CSV or xlsx import, the 目标管理 page's table, the
extractor), and a batch with any bad row is refused whole, so a typo never leaves half a plan confirmed.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kpi import sql, store
from kpi.catalog import Catalog
from kpi.progress import COMPARATORS, Target, Thresholds
from kpi.regions import RegionIndex
from kpi.store import PROJECT_ROOT
from kpi.units import to_catalog_unit

TARGETS_ENV = "KPI_TARGETS"
# The columns of a targets file (CSV or xlsx) and of the page's table, in order.
COLUMNS = ("region_code", "indicator_code", "year", "comparator", "value", "value_min", "kind", "keep",
           "plan_attribute", "base_value", "document", "sentence")
REQUIRED = ("region_code", "indicator_code", "year", "comparator", "value")
# Chinese headers accepted in an import (and written by the export), beside the English ones.
COLUMN_NAMES = {"region_code": "地区代码", "indicator_code": "指标代码", "year": "年度", "comparator": "比较方式",
                "value": "目标值", "value_min": "区间下限", "kind": "目标类型", "keep": "保持", "plan_attribute": "属性",
                "base_value": "基期值", "document": "来源文件", "sentence": "原文"}
KINDS = ("annual", "five_year")
KIND_NAMES = {"annual": "年度目标", "five_year": "五年规划目标（2030年）"}
COMPARATOR_NAMES = {">=": "不低于", "<=": "不超过", "=": "达到", "+": "新增"}
STATES = ("proposed", "confirmed", "dropped")
STATE_NAMES = {"proposed": "待确认", "confirmed": "已确认", "dropped": "已删除"}
TRUE_WORDS = {"1", "true", "yes", "是", "y", "保持"}
PLAN_ATTRIBUTES = ("", "约束性", "预期性")


def default_targets_path() -> Path:
    """The demo targets file loaded into the demo warehouse ($KPI_TARGETS overrides it)."""
    env = os.environ.get(TARGETS_ENV)
    return Path(env) if env else PROJECT_ROOT / "data" / "targets" / "targets.csv"


class TargetFileError(ValueError):
    """Rows that cannot be used; ``problems`` lists each with its line number, in Chinese."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path, self.problems = Path(path), problems
        super().__init__(f"目标值文件 {self.path.name} 有 {len(problems)} 处问题：\n" + "\n".join(problems))


@dataclass(frozen=True)
class TargetRecord:
    """A target with where it came from and where it stands."""

    target: Target
    plan_attribute: str = ""  # 约束性 / 预期性 (five-year targets)
    base_value: float | None = None  # the 2025 base of a five-year target
    document: str = ""
    sentence: str = ""
    line: int = 0
    target_id: int | None = None
    state: str = "confirmed"
    parent_id: int | None = None  # the county/city target this one was split from
    basis: str = ""  # how it was split

    @property
    def text(self) -> str:
        """The target as a bureau writes it: 不低于 40, 新增 150, 3～5."""
        t = self.target
        value = f"{t.value_min:g}～{t.value:g}" if t.value_min is not None else f"{t.value:g}"
        return f"{'保持' if t.keep else COMPARATOR_NAMES[t.comparator]} {value}"


class TargetBook:
    """Targets looked up by (region, indicator, year, kind)."""

    def __init__(self, records: list[TargetRecord], path: Path | None = None):
        self.path = path
        self.records = records
        self._by_key = {(r.target.region_code, r.target.indicator_code, r.target.year, r.target.kind): r
                        for r in records}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, region_code: str, indicator_code: str, year: int, kind: str = "annual") -> TargetRecord | None:
        return self._by_key.get((region_code, indicator_code, year, kind))

    def for_region(self, region_code: str, year: int, kind: str = "annual") -> dict[str, TargetRecord]:
        return {r.target.indicator_code: r for r in self.records
                if r.target.region_code == region_code and r.target.year == year and r.target.kind == kind}


# ---- checking rows -------------------------------------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _number(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(str(value).replace(",", "").replace("，", "").strip())


def check_row(row: dict, catalog: Catalog, regions: RegionIndex) -> tuple[dict | None, list[str]]:
    """One target row (English or Chinese column names, text or typed values) as a clean dict of COLUMNS, or the
    reasons it cannot be used, in Chinese."""
    lineage = {k: row[k] for k in ("parent_id", "basis") if row.get(k) is not None}  # a split keeps its parent
    row = {en: row.get(en, row.get(zh)) for en, zh in COLUMN_NAMES.items()}
    bad: list[str] = []
    region = None if _blank(row["region_code"]) else regions.get(str(row["region_code"]).strip().split(".")[0])
    if region is None:
        bad.append(f"地区代码“{'' if _blank(row['region_code']) else row['region_code']}”不在区划表中")
    code = "" if _blank(row["indicator_code"]) else str(row["indicator_code"]).strip().upper()
    if code not in catalog:
        bad.append(f"指标代码“{code}”不在指标目录中" if code else "没有对应的指标（请选择指标）")
    try:
        year = int(_number(row["year"]))
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        bad.append(f"年度“{'' if _blank(row['year']) else row['year']}”不是四位年份")
        year = 0
    comparator = "" if _blank(row["comparator"]) else str(row["comparator"]).strip()
    if comparator not in COMPARATORS:
        bad.append(f"比较方式“{comparator}”无效，应为 >=、<=、= 或 +")
    values: dict[str, float | None] = {}
    for column in ("value", "value_min", "base_value"):
        if _blank(row[column]):
            values[column] = None
            continue
        try:
            values[column] = _number(row[column])
        except ValueError:
            bad.append(f"{COLUMN_NAMES[column]}“{row[column]}”不是数字")
            values[column] = None
    if values["value"] is None and _blank(row["value"]):
        bad.append("目标值为空")
    kind = "annual" if _blank(row["kind"]) else str(row["kind"]).strip()
    kind = {v: k for k, v in KIND_NAMES.items()}.get(kind, kind)
    if kind not in KINDS:
        bad.append(f"目标类型“{kind}”无效，应为 annual（年度）或 five_year（五年规划）")
    if values["value_min"] is not None and values["value"] is not None and values["value_min"] > values["value"]:
        bad.append("区间下限大于目标值")
    if code in catalog and values["value"] is not None:
        unit = catalog.get(code).unit
        if unit == "%" and not 0 <= values["value"] <= 100:
            bad.append(f"“{catalog.get(code).name}”的单位是%，目标值{values['value']:g}不在0～100之间")
    attribute = "" if _blank(row["plan_attribute"]) else str(row["plan_attribute"]).strip()
    if attribute not in PLAN_ATTRIBUTES:
        bad.append(f"属性“{attribute}”无效，应为约束性或预期性")
    if bad:
        return None, bad
    keep = row["keep"] is True or (not _blank(row["keep"]) and str(row["keep"]).strip().lower() in TRUE_WORDS)
    return {
        "region_code": region.code, "indicator_code": code, "year": year, "comparator": comparator,
        "value": values["value"], "value_min": values["value_min"], "kind": kind, "keep": keep,
        "plan_attribute": attribute, "base_value": values["base_value"],
        "document": "" if _blank(row["document"]) else str(row["document"]).strip(),
        "sentence": "" if _blank(row["sentence"]) else str(row["sentence"]).strip(),
        **lineage,
    }, []


PLAN_YEAR = 2030  # the 十五五 plan's target year: a target for it is a five-year target


def kind_for(year: int | None) -> str:
    return "five_year" if year == PLAN_YEAR else "annual"


def in_catalog_unit(catalog: Catalog, code: str, value: float, value_min: float | None, written_unit: str | None,
                    sentence: str) -> tuple[float | None, float | None, str]:
    """(value, lower bound, note) of a figure read from a document, in indicator ``code``'s catalogue unit; the value
    is None when the units do not fit together (the note says why)."""
    unit = catalog.get(code).unit
    converted, note = to_catalog_unit(value, written_unit, unit, sentence)
    low = None if value_min is None else to_catalog_unit(value_min, written_unit, unit, sentence)[0]
    return converted, low, note


def from_document(region: str, code: str, year: int | None, comparator: str, value, value_min, document: str,
                  sentence: str) -> dict:
    """A target row (check_row's input) for a figure read from a work plan: its kind follows its year, and a sentence
    that says 保持 makes it a keep-at target."""
    return {"region_code": region, "indicator_code": code, "year": year, "comparator": comparator, "value": value,
            "value_min": value_min, "kind": kind_for(year), "keep": "保持" in (sentence or ""),
            "plan_attribute": "", "base_value": None, "document": document, "sentence": sentence}


def key_of(row: dict) -> tuple:
    return row["region_code"], row["indicator_code"], row["year"], row["kind"]


def check_rows(rows: list[dict], catalog: Catalog, regions: RegionIndex, first_line: int = 2,
               where: str = "第{line}行") -> tuple[list[dict], list[str]]:
    """Check every row; (clean rows, problems naming each bad row). Two rows for the same region, indicator, year and
    kind are a problem too: a target has one value."""
    clean, problems, seen = [], [], {}
    for line, row in enumerate(rows, start=first_line):
        if all(_blank(v) for v in row.values()):
            continue
        record, bad = check_row(row, catalog, regions)
        if record is not None and key_of(record) in seen:
            bad = [f"与{where.format(line=seen[key_of(record)])}重复（同一地区、指标、年度和类型只能有一个目标）"]
        if bad:
            problems.append(where.format(line=line) + "：" + "；".join(bad))
            continue
        seen[key_of(record)] = line
        clean.append(record)
    return clean, problems


def record_of(row: dict, line: int = 0, **extra) -> TargetRecord:
    target = Target(row["region_code"], row["indicator_code"], int(row["year"]), row["comparator"], row["value"],
                    row["value_min"], row["kind"], keep=bool(row["keep"]), source=row["document"] or "")
    return TargetRecord(target, row["plan_attribute"] or "", row["base_value"], row["document"] or "",
                        row["sentence"] or "", line, **extra)


# ---- files ---------------------------------------------------------------------------------------------------------


def parse_targets(text: str, catalog: Catalog, regions: RegionIndex, path: Path | None = None) -> TargetBook:
    """A targets CSV; raises TargetFileError listing every bad row."""
    name = path or Path("targets.csv")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = set(reader.fieldnames or [])
    missing = [c for c in REQUIRED if c not in fields and COLUMN_NAMES[c] not in fields]
    if missing:
        raise TargetFileError(name, [f"缺少列：{'、'.join(missing)}（应有列：{'、'.join(COLUMNS)}）"])
    clean, problems = check_rows(list(reader), catalog, regions)
    if problems:
        raise TargetFileError(name, problems)
    return TargetBook([record_of(r) for r in clean], path)


def load_targets(catalog: Catalog, regions: RegionIndex, path: Path | None = None) -> TargetBook:
    """A targets CSV (default ``$KPI_TARGETS`` or data/targets/targets.csv); an empty book when there is none."""
    path = Path(path) if path else default_targets_path()
    if not path.exists():
        return TargetBook([], path)
    return parse_targets(path.read_text(encoding="utf-8-sig"), catalog, regions, path)


def default_thresholds_path() -> Path:
    return PROJECT_ROOT / "data" / "targets" / "status.toml"


def load_thresholds(path: Path | None = None) -> Thresholds:
    """The status thresholds from data/targets/status.toml; the defaults when absent. Raises TargetFileError for
    values that are not shares between 0 and 1 in the right order."""
    path = Path(path) if path else default_thresholds_path()
    if not path.exists():
        return Thresholds()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TargetFileError(path, [f"无法读取：{exc}"]) from exc
    defaults = Thresholds()
    behind = data.get("behind", defaults.behind)
    severe = data.get("severely_behind", defaults.severely_behind)
    if not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in (behind, severe)) or behind > severe:
        raise TargetFileError(path, ["behind 与 severely_behind 应为 0 到 1 之间的小数，且 behind 不大于 severely_behind"])
    return Thresholds(float(behind), float(severe))


# ---- the warehouse -------------------------------------------------------------------------------------------------


def current_targets(con: duckdb.DuckDBPyConnection, version: int | None = None) -> pd.DataFrame:
    """Every target's newest revision at ``version`` (default: now), whatever its state; empty before any target."""
    if version is None:
        version = store.current_version(con)
    try:
        return con.execute(sql.TARGETS_AS_OF, {"version": version}).df()
    except duckdb.CatalogException:  # a warehouse from before targets were stored
        return pd.DataFrame(columns=["target_id", *COLUMNS, "state"])


def _records(frame: pd.DataFrame) -> list[TargetRecord]:
    out = []
    for row in frame.to_dict("records"):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        out.append(record_of(clean, target_id=int(clean["target_id"]), state=clean["state"],
                             parent_id=None if clean.get("parent_id") is None else int(clean["parent_id"]),
                             basis=clean.get("basis") or ""))
    return out


def book(con: duckdb.DuckDBPyConnection, version: int | None = None) -> TargetBook:
    """The confirmed targets in force at ``version``: the ones progress is judged against."""
    frame = current_targets(con, version)
    return TargetBook(_records(frame[frame.state == "confirmed"]) if len(frame) else [])


def proposed(con: duckdb.DuckDBPyConnection, version: int | None = None) -> list[TargetRecord]:
    frame = current_targets(con, version)
    return _records(frame[frame.state == "proposed"]) if len(frame) else []


def history(con: duckdb.DuckDBPyConnection, target_id: int) -> pd.DataFrame:
    return con.execute(sql.TARGET_HISTORY, {"target_id": target_id}).df()
