"""The indicator catalogue: the one registry of what each KPI is, how it aggregates, and how it is recognised.

The data lives in data/catalog/indicators.csv so that bureau staff can edit it in Excel; this module
reads it, refuses it with every problem listed if it is inconsistent, and answers questions about it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kpi.text import normalize_header
from kpi.units import UNITS, normalize_unit, split_header

PROJECT_ROOT = Path(__file__).parents[1]
DEFAULT_PATH = PROJECT_ROOT / "data" / "catalog" / "indicators.csv"

COLUMNS = (
    "code", "name", "area", "unit", "kind", "numerator", "denominator", "scale", "direction",
    "plan_attribute", "basis", "definition", "aliases", "form_codes", "frequency",
)
AREAS = ("基础数据", "养老服务", "社会救助", "儿童福利", "社会组织", "慈善社工", "社会事务", "基层治理")
KINDS = ("stock", "flow", "ratio", "level")
DIRECTIONS = ("up", "down", "monitor")
KIND_NAMES = {"stock": "时点数", "flow": "本年累计", "ratio": "比率", "level": "标准"}
DIRECTION_NAMES = {"up": "越高越好", "down": "越低越好", "monitor": "仅监测"}
PLAN_ATTRIBUTES = ("约束性", "预期性")
FREQUENCIES = ("月", "季", "年")
RATIO_SCALES = (1.0, 100.0, 1000.0, 10000.0)

_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
_FORM_CODE = re.compile(r"^[A-Z]{2,5}\d{4,}$")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    area: str
    unit: str
    kind: str
    numerator: str | None
    denominator: str | None
    scale: float | None
    direction: str
    plan_attribute: str | None
    basis: str | None
    definition: str
    aliases: tuple[str, ...]
    form_codes: tuple[str, ...]
    frequency: str

    @property
    def is_ratio(self) -> bool:
        return self.kind == "ratio"


class CatalogError(ValueError):
    """The catalogue file is wrong; `problems` holds one Chinese line per cell to fix."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(f"指标目录有 {len(problems)} 处错误，请修改后重新加载：\n" + "\n".join(problems))


class Catalog:
    """Indicators in file order, with lookups by code, by header text and by ratio part."""

    def __init__(self, indicators: list[Indicator]):
        self._by_code = {i.code: i for i in indicators}
        self._by_key: dict[str, Indicator] = {}
        self._by_form_code: dict[str, Indicator] = {}
        for ind in indicators:
            for text in (ind.name, *ind.aliases):
                self._by_key[normalize_header(text)] = ind
            for form_code in ind.form_codes:
                self._by_form_code[form_code] = ind

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Indicator:
        """The indicator with this code; KeyError if the catalogue has none."""
        return self._by_code[code]

    def match_header(self, text: str) -> Indicator | None:
        """Recognise an incoming row or column header, or an official form code written alone.

        The unit, hierarchy prefix, whitespace and full-width forms are ignored; otherwise the
        match is exact on a name or alias — guessing between similar indicators is worse than
        reporting the header as unknown.
        """
        name, _unit = split_header(text)
        found = self._by_key.get(normalize_header(name))
        if found is None:
            key = normalize_header(text).upper()
            found = self._by_form_code.get(key) or self._by_code.get(key)
        return found

    def parts(self, code: str) -> tuple[Indicator, Indicator]:
        """(numerator, denominator) of a ratio; ValueError for an indicator that is not a ratio."""
        ind = self.get(code)
        if not ind.is_ratio:
            raise ValueError(f"{code} 不是比率指标，没有分子分母")
        return self._by_code[ind.numerator], self._by_code[ind.denominator]

    def ratios_using(self, code: str) -> list[Indicator]:
        """Ratios that must be recomputed when this indicator's values change."""
        return [i for i in self if i.is_ratio and code in (i.numerator, i.denominator)]

    def areas(self) -> list[str]:
        return list(dict.fromkeys(i.area for i in self))


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the catalogue CSV; raise CatalogError listing every problem found."""
    path = Path(path) if path is not None else DEFAULT_PATH
    shown = _display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError([f"{shown}：文件不存在"]) from None
    except UnicodeDecodeError:
        raise CatalogError([
            f"{shown}：不是 UTF-8 编码。在 Excel 中请用“另存为 → CSV UTF-8(逗号分隔)”保存"
        ]) from None

    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CatalogError([f"{shown} 第1行(表头)：缺少列 {'、'.join(missing)}；列应依次为 {','.join(COLUMNS)}"])

    problems: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for index, raw in enumerate(reader):
        line = index + 2  # the row number Excel shows: row 1 is the header
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        if raw.get(None):
            problems.append(f"{shown} 第{line}行：比表头多出 {len(raw[None])} 个单元格；"
                            "单元格内的英文逗号需用引号括起来，或改用中文逗号")
            continue
        rows.append((line, row))

    def problem(line: int, column: str, reason: str) -> None:
        problems.append(f"{shown} 第{line}行「{column}」列：{reason}")

    first_row_of: dict[str, int] = {}
    for line, row in rows:
        code = row["code"]
        if not _CODE.match(code):
            problem(line, "code", f"编码“{code}”应为大写英文字母、数字和下划线(如 EC_BED_TOTAL)")
        elif code in first_row_of:
            problem(line, "code", f"编码“{code}”与第{first_row_of[code]}行重复")
        else:
            first_row_of[code] = line

    indicators: list[Indicator] = []
    row_of: dict[str, int] = {}
    for line, row in rows:
        ind = _parse_row(line, row, problem)
        if ind is not None and ind.code not in row_of:
            indicators.append(ind)
            row_of[ind.code] = line

    by_code = {i.code: i for i in indicators}
    for ind in indicators:
        line = row_of[ind.code]
        if not ind.is_ratio:
            continue
        for column, part_code in (("numerator", ind.numerator), ("denominator", ind.denominator)):
            part = by_code.get(part_code)
            if part_code is None:
                continue  # already reported as empty
            if part is None:
                problem(line, column, f"“{part_code}”不是目录中的指标编码")
            elif part.kind in ("ratio", "level"):
                problem(line, column, f"“{part_code}”是{KIND_NAMES[part.kind]}指标；比率的分子分母须为"
                                      "时点数或本年累计，才能逐级合计后重算")
        denominator = by_code.get(ind.denominator)
        if denominator is not None and denominator.basis and ind.basis != denominator.basis:
            problem(line, "basis",
                    f"分母 {denominator.code} 的口径是“{denominator.basis}”，本行应填同一口径")

    owner: dict[str, tuple[str, int, str]] = {}
    for ind in indicators:
        line = row_of[ind.code]
        for column, texts in (("name", (ind.name,)), ("aliases", ind.aliases)):
            for text in texts:
                key = normalize_header(text)
                if not key:
                    continue
                if key in owner and owner[key][0] != ind.code:
                    other_code, other_line, other_text = owner[key]
                    problem(line, column, f"“{text}”与第{other_line}行 {other_code} 的“{other_text}”相同，表头无法区分")
                else:
                    owner.setdefault(key, (ind.code, line, text))
    form_owner: dict[str, tuple[str, int]] = {}
    for ind in indicators:
        for form_code in ind.form_codes:
            if form_code in form_owner and form_owner[form_code][0] != ind.code:
                other_code, other_line = form_owner[form_code]
                problem(row_of[ind.code], "form_codes", f"报表代码“{form_code}”已用于第{other_line}行 {other_code}")
            form_owner.setdefault(form_code, (ind.code, row_of[ind.code]))

    if not rows:
        problems.append(f"{shown}：没有任何指标")
    if problems:
        raise CatalogError(problems)
    return Catalog(indicators)


def _parse_row(line: int, row: dict[str, str], problem: Callable[[int, str, str], None]) -> Indicator | None:
    """Check one row's own cells (nothing that needs other rows) and build its Indicator."""
    def check(ok: bool, column: str, reason: str) -> None:
        if not ok:
            problem(line, column, reason)

    code, kind, unit = row["code"], row["kind"], row["unit"]
    check(bool(row["name"]), "name", "中文名不能为空")
    check(split_header(row["name"])[1] is None, "name", f"中文名“{row['name']}”含单位；单位写在 unit 列")
    check(row["area"] in AREAS, "area", f"业务领域“{row['area']}”应为 {'、'.join(AREAS)} 之一")
    check(kind in KINDS, "kind", f"类型“{kind}”应为 {_choices(KIND_NAMES)} 之一")
    check(row["direction"] in DIRECTIONS, "direction",
          f"方向“{row['direction']}”应为 {_choices(DIRECTION_NAMES)} 之一")
    check(row["plan_attribute"] in ("", *PLAN_ATTRIBUTES), "plan_attribute",
          f"规划属性“{row['plan_attribute']}”应为 {'、'.join(PLAN_ATTRIBUTES)} 或留空")
    check(row["frequency"] in FREQUENCIES, "frequency", f"频率“{row['frequency']}”应为 月、季、年 之一")
    check(bool(row["definition"]), "definition", "统计口径不能为空")
    check(unit in UNITS and normalize_unit(unit) == unit, "unit",
          f"单位“{unit}”不在 kpi/units.py 的单位表中(或写法不规范，应写作“{normalize_unit(unit)}”)")

    scale: float | None = None
    if kind == "ratio":
        check(bool(row["numerator"]), "numerator", "比率指标必须填写分子指标编码")
        check(bool(row["denominator"]), "denominator", "比率指标必须填写分母指标编码")
        try:
            scale = float(row["scale"])
        except ValueError:
            scale = None
        check(scale in RATIO_SCALES, "scale", f"比率的倍数“{row['scale']}”应为 1、100、1000 或 10000")
        implied = 100.0 if unit == "%" else 10000.0 if "/万" in unit else 1000.0 if "/千" in unit else None
        if implied is not None and scale in RATIO_SCALES:
            check(scale == implied, "scale", f"单位为“{unit}”的比率倍数应为 {implied:g}")
    else:
        for column in ("numerator", "denominator", "scale"):
            check(not row[column], column, f"只有比率指标填写此列，{code} 的类型是“{kind}”")

    aliases = tuple(a.strip() for a in row["aliases"].split("|") if a.strip())
    for alias in aliases:
        check(split_header(alias)[1] is None, "aliases", f"别名“{alias}”含单位；别名只写名称，单位写在 unit 列")
    form_codes = tuple(c.strip().upper() for c in row["form_codes"].split("|") if c.strip())
    for form_code in form_codes:
        check(bool(_FORM_CODE.match(form_code)), "form_codes", f"报表代码“{form_code}”格式不对(应如 JZH011310000)")

    # A row with bad cells still takes part in the cross-row checks, so one pass reports everything.
    if not _CODE.match(code):
        return None
    return Indicator(
        code=code, name=row["name"], area=row["area"], unit=unit, kind=kind,
        numerator=row["numerator"] or None, denominator=row["denominator"] or None, scale=scale,
        direction=row["direction"], plan_attribute=row["plan_attribute"] or None,
        basis=row["basis"] or None, definition=row["definition"], aliases=aliases,
        form_codes=form_codes, frequency=row["frequency"],
    )


def _choices(names: dict[str, str]) -> str:
    return "、".join(f"{key}({label})" for key, label in names.items())


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)
