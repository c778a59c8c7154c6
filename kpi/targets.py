"""Targets from ``data/targets/targets.csv``: what each bureau promised for a year, per region and indicator.

Until work-plan extraction lands (it will write confirmed targets into the warehouse), targets are a hand-kept CSV in
the shape that extraction will produce: one row per (region, indicator, year, kind) with its comparator, value, the
document it came from and the sentence quoted from it — so every target on screen says where it was written down.
A bad row is refused with its line number; a file with any bad row is refused whole, so a typo never shows a page
judged against half the targets.
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kpi.catalog import Catalog
from kpi.progress import COMPARATORS, Target, Thresholds  # noqa: F401 (Thresholds is part of this module's API)
from kpi.regions import RegionIndex
from kpi.store import PROJECT_ROOT

TARGETS_ENV = "KPI_TARGETS"
COLUMNS = ("region_code", "indicator_code", "year", "comparator", "value", "value_min", "kind", "keep",
           "plan_attribute", "base_value", "document", "sentence")
REQUIRED = ("region_code", "indicator_code", "year", "comparator", "value")
KINDS = ("annual", "five_year")
COMPARATOR_NAMES = {">=": "不低于", "<=": "不超过", "=": "达到", "+": "新增"}
TRUE_WORDS = {"1", "true", "yes", "是", "y"}


def default_targets_path() -> Path:
    env = os.environ.get(TARGETS_ENV)
    return Path(env) if env else PROJECT_ROOT / "data" / "targets" / "targets.csv"


class TargetFileError(ValueError):
    """The targets file has rows that cannot be used; ``problems`` lists each with its line number, in Chinese."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"目标值文件 {path.name} 有 {len(problems)} 处问题：\n" + "\n".join(problems))


@dataclass(frozen=True)
class TargetRecord:
    """A target with where it came from."""

    target: Target
    plan_attribute: str = ""  # 约束性 / 预期性 (five-year targets)
    base_value: float | None = None  # the 2025 base of a five-year target
    document: str = ""
    sentence: str = ""
    line: int = 0

    @property
    def text(self) -> str:
        """The target as a bureau writes it: 不低于 40, 新增 150, 3～5."""
        t = self.target
        value = f"{t.value_min:g}～{t.value:g}" if t.value_min is not None else f"{t.value:g}"
        return f"{'保持' if t.keep else COMPARATOR_NAMES[t.comparator]} {value}"


class TargetBook:
    """All targets, looked up by (region, indicator, year, kind)."""

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


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("，", ""))


def parse_targets(text: str, catalog: Catalog, regions: RegionIndex, path: Path | None = None) -> TargetBook:
    """Parse the CSV text; raises TargetFileError listing every bad row."""
    name = path.name if path else "targets.csv"
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise TargetFileError(path or Path(name), [f"缺少列：{'、'.join(missing)}（应有列：{'、'.join(COLUMNS)}）"])
    problems: list[str] = []
    records: list[TargetRecord] = []
    seen: dict[tuple, int] = {}
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        bad: list[str] = []
        region = regions.get(row["region_code"]) if row["region_code"] else None
        if region is None:
            bad.append(f"地区代码“{row['region_code']}”不在区划表中")
        code = row["indicator_code"]
        if code not in catalog:
            bad.append(f"指标代码“{code}”不在指标目录中")
        try:
            year = int(row["year"])
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            bad.append(f"年度“{row['year']}”不是四位年份")
            year = 0
        comparator = row["comparator"]
        if comparator not in COMPARATORS:
            bad.append(f"比较方式“{comparator}”无效，应为 >=、<=、= 或 +")
        values: dict[str, float | None] = {}
        for column in ("value", "value_min", "base_value"):
            raw = row.get(column, "")
            if not raw:
                values[column] = None
                continue
            try:
                values[column] = _number(raw)
            except ValueError:
                bad.append(f"{column} 列的“{raw}”不是数字")
                values[column] = None
        if values["value"] is None and row["value"] == "":
            bad.append("目标值为空")
        kind = row.get("kind") or "annual"
        if kind not in KINDS:
            bad.append(f"目标类型“{kind}”无效，应为 annual（年度）或 five_year（五年规划）")
        if values["value_min"] is not None and values["value"] is not None and values["value_min"] > values["value"]:
            bad.append("区间下限大于上限")
        key = (region.code if region else row["region_code"], code, year, kind)
        if not bad and key in seen:
            bad.append(f"与第{seen[key]}行重复（同一地区、指标、年度和类型只能有一个目标）")
        if bad:
            problems.append(f"第{line}行：" + "；".join(bad))
            continue
        seen[key] = line
        target = Target(region.code, code, year, comparator, values["value"], values["value_min"], kind,
                        keep=row.get("keep", "").lower() in TRUE_WORDS, source=row.get("document", ""))
        records.append(TargetRecord(target, row.get("plan_attribute", ""), values["base_value"],
                                    row.get("document", ""), row.get("sentence", ""), line))
    if problems:
        raise TargetFileError(path or Path(name), problems)
    return TargetBook(records, path)


def load_targets(catalog: Catalog, regions: RegionIndex, path: Path | None = None) -> TargetBook:
    """The targets file (``$KPI_TARGETS`` or data/targets/targets.csv); an empty book when there is none."""
    path = Path(path) if path else default_targets_path()
    if not path.exists():
        return TargetBook([], path)
    return parse_targets(path.read_text(encoding="utf-8-sig"), catalog, regions, path)


def default_thresholds_path() -> Path:
    return default_targets_path().with_name("status.toml")


def load_thresholds(path: Path | None = None) -> Thresholds:
    """The status thresholds from data/targets/status.toml (beside the targets file); the defaults when absent.
    Raises TargetFileError for values that are not shares between 0 and 1 in the right order."""
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
