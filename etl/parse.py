"""Recognise a sheet's layout and turn it into observations, each pointing back at the cell it came from.

Three layouts arrive at a bureau:
(a) ``township_table`` — one row per township/district, one column per indicator, title rows above, one or two header
    rows, maybe a units row and a 序号/栏次 row, a 合计 row, notes below;
(b) ``official_form`` — the 民政统计 form: rows of indicators with 指标名称 | 单位 | 代码 | 数量 columns, one region per
    sheet named in the header block (地区编码 or 填报单位);
(c) ``tidy`` — long rows of region, indicator, period, value (and optionally unit).
Nothing is dropped silently: every cell either becomes an observation, is reported as a problem, or is a kind of cell
the layout defines as decoration (titles, totals, notes).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from etl.clean import CellError, parse_number, parse_period, text_of
from etl.problems import ERROR, WARNING, Problem, column_letter
from etl.read import Sheet
from kpi.catalog import Catalog, Indicator
from kpi.regions import Region, RegionIndex
from kpi.units import conversion_factor, looks_like_unit, normalize_unit, split_header

HEADER_SCAN_ROWS = 25
LAYOUT_NAMES = {"township_table": "乡镇报表", "official_form": "民政统计报表", "tidy": "长表", None: "未识别"}

REGION_HEADERS = {"乡镇", "街道", "乡镇街道", "乡镇(街道)", "街道(乡镇)", "镇街", "镇(街道)", "地区", "区域", "单位", "单位名称",
                  "填报单位", "区县", "县(市、区)", "县市区", "区(县、市)", "县区", "行政区划", "区划", "名称", "地区名称",
                  "乡镇名称", "街道名称", "所属乡镇", "区县名称"}
SKIP_HEADERS = {"序号", "编号", "备注", "说明", "填报人", "联系电话", "区划代码", "行政区划代码", "地区编码", "代码", "统计代码"}
TOTAL_NAMES = {"合计", "总计", "小计", "全县", "全市", "全区", "汇总", "总数", "全县合计", "全市合计", "全区合计", "县合计", "市合计",
               "区合计"}
FOOTER_PREFIXES = ("注", "说明", "备注", "填报人", "填表人", "单位负责人", "统计负责人", "审核人", "负责人", "报出日期", "填报日期",
                   "联系电话", "制表", "数据来源")
NUMBERING_TOKENS = {"甲", "乙", "丙", "丁", "栏次", "序号", "栏号", "—", "-"}
SCOPE_LABELS = ("填报单位", "单位名称", "报送单位", "编制单位", "地区名称", "地区", "区划名称")
SCOPE_SUFFIXES = ("民政局", "民政办公室", "民政办", "社会事务办公室", "社会事务办", "社会事务科", "社会事务管理办公室",
                  "人民政府", "政府", "办事处")

TIDY_ROLES = {
    "region": {"地区", "区域", "区划", "乡镇", "街道", "乡镇(街道)", "单位名称", "地区名称", "region", "区划代码", "地区编码",
               "行政区划代码", "region_code", "区划名称"},
    "indicator": {"指标", "指标名称", "指标代码", "indicator", "indicator_code", "指标编码"},
    "period": {"期间", "报告期", "统计期", "月份", "时间", "period", "统计时间", "年月"},
    "value": {"数值", "值", "数量", "指标值", "value", "本期数", "本期"},
    "unit": {"单位", "计量单位", "unit"},
}
FORM_VALUE_HEADERS = ("数量", "本期", "本期数", "本月", "本月数", "本季", "本年", "本期值", "数值", "1")


def norm(text: object) -> str:
    """Header text for comparison: NFKC (full-width to half-width), no whitespace, unified brackets."""
    t = unicodedata.normalize("NFKC", text_of(text))
    t = re.sub(r"\s+", "", t)
    return t.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")


@dataclass
class Record:
    region_code: str
    indicator_code: str
    period: dt.date
    value: float
    raw_value: str
    raw_unit: str | None
    sheet: str
    row: int  # 1-based
    col: str

    @property
    def cell(self) -> str:
        return f"{self.col}{self.row}"


@dataclass
class ParsedSheet:
    sheet: str
    layout: str | None = None
    period: dt.date | None = None
    scope: Region | None = None
    records: list[Record] = field(default_factory=list)
    totals: dict[str, tuple[float, int, str]] = field(default_factory=dict)  # indicator -> (value, row, col) of 合计
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)


class SheetParser:
    def __init__(self, sheet: Sheet, file: str, catalog: Catalog, regions: RegionIndex):
        self.sheet = sheet
        self.file = file
        self.catalog = catalog
        self.regions = regions
        self.rows = [[c for c in row] for row in sheet.rows]
        self.out = ParsedSheet(sheet.name)

    # ---- shared helpers -------------------------------------------------------------------------------------------

    def problem(self, severity: str, message: str, hint: str = "", row: int | None = None, col: int | None = None):
        self.out.problems.append(Problem(severity, self.file, message, hint, self.sheet.name,
                                         None if row is None else row + 1,
                                         None if col is None else column_letter(col)))

    def cell(self, r: int, c: int) -> object:
        row = self.rows[r]
        return row[c] if c < len(row) else None

    def nonempty(self, r: int) -> list[tuple[int, object]]:
        return [(c, v) for c, v in enumerate(self.rows[r]) if text_of(v) != ""]

    def find_period_in(self, last_row: int) -> tuple[dt.date | None, str | None]:
        """The period stated above the table: a cell labelled 报告期 wins over a date inside the title."""
        labelled, loose = None, None
        for r in range(min(last_row, len(self.rows))):
            for c, v in self.nonempty(r):
                t = norm(v)
                if re.match(r"^(报告期|统计期|报告期别|统计时间|时间|报表期|期别|日期)[::]?", t):
                    p = parse_period(t) or parse_period(self.cell(r, c + 1))
                    if p and labelled is None:
                        labelled = (p, t)
                elif loose is None:
                    p = parse_period(v)
                    if p:
                        loose = (p, t)
        if labelled:
            return labelled
        return loose if loose else (None, None)

    def find_scope_in(self, last_row: int) -> Region | None:
        """The submitting unit named above the table (填报单位：XX区民政局 / 地区编码：…)."""
        for r in range(min(last_row, len(self.rows))):
            cells = self.nonempty(r)
            for i, (c, v) in enumerate(cells):
                t = norm(v)
                m = re.match(r"^(地区编码|区划代码|行政区划代码)[::]?(\d{6,12})?", t)
                if m:
                    code = m.group(2) or norm(self.cell(r, c + 1))
                    region = self.regions.get(code) if code else None
                    if region:
                        return region
                for label in SCOPE_LABELS:
                    if t.startswith(label):
                        rest = t[len(label):].lstrip("::")
                        if not rest and i + 1 < len(cells):
                            rest = norm(cells[i + 1][1])
                        rest = re.split(r"(报告期|单位[::]|表号|\d{4}年)", rest)[0]
                        region = self.match_scope(rest)
                        if region:
                            return region
        return None

    def match_scope(self, text: str) -> Region | None:
        for suffix in SCOPE_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        return self.regions.match(text) if text else None

    def sheet_unit_note(self, last_row: int) -> str | None:
        """A table-wide unit such as "单位：万元" in the title block."""
        for r in range(min(last_row, len(self.rows))):
            for _c, v in self.nonempty(r):
                m = re.search(r"(?:计量)?单位[::]\s*([^\s,，;；]+)", norm(v))
                if m and not any(lbl in norm(v) for lbl in ("填报单位", "单位名称", "报送单位", "编制单位")):
                    return normalize_unit(m.group(1))
        return None

    def convert(self, value: float, percent: bool, unit: str | None, ind: Indicator, r: int, c: int,
                raw: object) -> float | None:
        """Value in the catalogue unit, or None after recording why it cannot be converted."""
        target = ind.unit
        if percent and target != "%":
            self.problem(ERROR, f"“{ind.name}”的计量单位是{target}，单元格却是百分数“{text_of(raw)}”",
                         f"请填写以{target}为单位的数值", r, c)
            return None
        if not unit:
            return value
        factor = conversion_factor(unit, target)
        if factor is None:
            self.problem(ERROR, f"单位“{unit}”无法换算为“{ind.name}”的计量单位“{target}”",
                         f"请把该列改为以{target}计（或可换算的单位）", r, c)
            return None
        return value * factor

    # ---- layout detection -----------------------------------------------------------------------------------------

    def parse(self) -> ParsedSheet:
        if not any(self.nonempty(r) for r in range(len(self.rows))):
            self.out.notes.append("空工作表，已跳过")
            return self.out
        for r in range(min(HEADER_SCAN_ROWS, len(self.rows))):
            texts = {norm(v) for _c, v in self.nonempty(r)}
            roles = {role for role, names in TIDY_ROLES.items() if texts & names}
            if {"region", "indicator", "value"} <= roles:
                self.out.layout = "tidy"
                self.parse_tidy(r)
                return self.out
            if ("指标名称" in texts or "指标" in texts) and texts & {"代码", "单位", "计量单位", "指标代码"}:
                self.out.layout = "official_form"
                self.parse_form(r)
                return self.out
            region_cols = [c for c, v in self.nonempty(r) if norm(v) in REGION_HEADERS]
            if region_cols and len(texts) >= 2:
                self.out.layout = "township_table"
                self.parse_table(r, region_cols[0])
                return self.out
        self.problem(ERROR, "无法识别表格格式：前25行中没有找到表头（如“乡镇（街道）”列、或“指标名称/代码”列、或“地区/指标/数值”列）",
                     "请使用模板：第一列为乡镇（街道）名称，其余各列为指标（表头注明单位），表头上方写明填报单位和报告期")
        return self.out

    # ---- (a) township table ---------------------------------------------------------------------------------------

    def parse_table(self, h: int, region_col: int) -> None:
        out = self.out
        out.period, _ = self.find_period_in(h)
        out.scope = self.find_scope_in(h)
        sheet_unit = self.sheet_unit_note(h)
        if out.period is None:
            self.problem(ERROR, "没有找到报告期", "请在表头上方注明报告期，例如“报告期：2026年10月”", h)

        # Rows right under the header may be a sub-header, a units row or a column-numbering row.
        sub_header: dict[int, str] = {}
        unit_row: dict[int, str] = {}
        first_data = h + 1
        for r in range(h + 1, min(h + 4, len(self.rows))):
            cells = self.nonempty(r)
            if not cells:
                first_data = r + 1
                continue
            region_text = norm(self.cell(r, region_col))
            texts = [norm(v) for _c, v in cells]
            if region_text in ("单位", "计量单位") or (not region_text and all(looks_like_unit(t) for t in texts)):
                unit_row = {c: normalize_unit(norm(v)) for c, v in cells if c != region_col}
            elif region_text in NUMBERING_TOKENS or all(t in NUMBERING_TOKENS or t.isdigit() for t in texts):
                pass
            elif not region_text and all(_is_text(v) for _c, v in cells):
                sub_header = {c: norm(v) for c, v in cells}
            else:
                break
            first_data = r + 1

        columns: dict[int, tuple[Indicator, str | None]] = {}
        group, group_unit = "", None
        header_cells = dict(self.nonempty(h))
        width = max((len(self.rows[r]) for r in range(h, min(h + 4, len(self.rows)))), default=0)
        for c in range(width):
            if c == region_col:
                continue
            top = norm(header_cells.get(c, ""))
            if top:
                group, group_unit = split_header(top)
            sub = sub_header.get(c, "")
            if not top and not sub:
                continue
            if norm(top) in SKIP_HEADERS or (not sub and split_header(top)[0] in SKIP_HEADERS):
                continue
            candidates = []
            if sub:
                sub_name, sub_unit = split_header(sub)
                unit = sub_unit or group_unit
                if sub_name in ("合计", "小计", "总数", "计", "总计"):
                    candidates.append((group, unit))
                candidates += [(sub_name, unit), (group + sub_name, unit), (group + "中" + sub_name, unit)]
            else:
                candidates.append((group, group_unit))
            ind, unit = None, None
            for name, u in candidates:
                ind = self.catalog.match_header(name)
                if ind:
                    unit = u
                    break
            shown = top + (f"/{sub}" if sub else "") if top else f"{group}/{sub}"
            if ind is None:
                self.problem(ERROR, f"表头“{shown}”不是指标目录中的指标",
                             "请改用指标目录中的指标名称（见“数据管理”页的指标目录），或联系管理员在 data/catalog/indicators.csv 中为该指标添加别名",
                             h if not sub else h + 1, c)
                continue
            if ind.kind == "ratio":
                self.problem(WARNING, f"“{shown}”是比率指标，系统按分子、分母汇总后重新计算，表中该列数值不入库",
                             f"请同时报送“{self.catalog.get(ind.numerator).name}”和“{self.catalog.get(ind.denominator).name}”", h, c)
                continue
            if any(existing.code == ind.code for existing, _u in columns.values()):
                self.problem(ERROR, f"指标“{ind.name}”在表头中出现了两次", "请删除重复的列", h, c)
                continue
            unit = unit or unit_row.get(c) or (sheet_unit if sheet_unit and conversion_factor(sheet_unit, ind.unit) else None)
            columns[c] = (ind, unit)
        if not columns and not any(p.is_error for p in out.problems):
            self.problem(ERROR, "表头中没有可识别的指标列", "请检查表头是否为指标名称", h)

        seen: dict[str, int] = {}
        scope_row: list[Record] = []
        for r in range(first_data, len(self.rows)):
            name_raw = self.cell(r, region_col)
            name = norm(name_raw)
            cells = self.nonempty(r)
            if not cells:
                continue
            if not name:
                if any(c in columns for c, _v in cells):
                    self.problem(ERROR, "这一行有数据但没有乡镇（街道）名称", "请补上名称，或删除这一行", r, region_col)
                continue
            if name.startswith(FOOTER_PREFIXES):
                break
            out.rows_read += 1
            names_scope = out.scope is not None and self.regions.match(name) == out.scope
            is_total = name in TOTAL_NAMES or (names_scope and out.scope.level != "township")
            region = None
            if not is_total:
                region = self.regions.match(name, within=out.scope.code if out.scope else None)
                if region is None:
                    where = f"在{out.scope.name}范围内" if out.scope else ""
                    self.problem(ERROR, f"未知的地区“{text_of(name_raw)}”：{where}没有找到匹配的乡镇（街道）或县（市、区）",
                                 "请核对名称是否为规范全称（如“XX街道”“XX镇”），名称有变更的请使用现名"
                                 + ("" if out.scope else "；并在表头注明填报单位（如“填报单位：XX区民政局”）以便区分同名乡镇"),
                                 r, region_col)
                    continue
                if region.code in seen:
                    self.problem(ERROR, f"地区“{region.name}”出现了两行（另一行是第{seen[region.code] + 1}行）",
                                 "请合并或删除重复的行", r, region_col)
                    continue
                seen[region.code] = r
            for c, (ind, unit) in columns.items():
                raw = self.cell(r, c)
                try:
                    value, percent = parse_number(raw)
                except CellError as exc:
                    self.problem(ERROR, f"“{ind.name}”：{exc}", "请只填写数字；没有数据请留空或填“—”", r, c)
                    continue
                if value is None:
                    continue
                converted = self.convert(value, percent, unit, ind, r, c, raw)
                if converted is None:
                    continue
                if is_total:
                    out.totals[ind.code] = (converted, r + 1, column_letter(c))
                    if names_scope and out.period is not None:
                        scope_row.append(Record(out.scope.code, ind.code, out.period, converted, text_of(raw), unit,
                                                self.sheet.name, r + 1, column_letter(c)))
                elif out.period is not None:
                    out.records.append(Record(region.code, ind.code, out.period, converted, text_of(raw), unit,
                                              self.sheet.name, r + 1, column_letter(c)))

        if scope_row and not seen:
            # A county's own one-row report: the row naming the 填报单位 is its data, not a 合计 of rows below.
            out.records.extend(scope_row)
            out.totals.clear()

    # ---- (b) official 民政统计 form --------------------------------------------------------------------------------

    def parse_form(self, h: int) -> None:
        out = self.out
        out.period, _ = self.find_period_in(h)
        out.scope = self.find_scope_in(h)
        if out.period is None:
            self.problem(ERROR, "没有找到报告期", "请在表头上方注明报告期，例如“报告期：2026年10月”", h)
        if out.scope is None:
            self.problem(ERROR, "没有找到填报地区：表头中既没有可识别的“地区编码”，也没有可识别的“填报单位”",
                         "请在表头注明“地区编码：12位区划代码”或“填报单位：XX县民政局”", h)
        header = {norm(v): c for c, v in self.nonempty(h)}
        name_col = header.get("指标名称", header.get("指标"))
        code_col = header.get("代码", header.get("指标代码"))
        unit_col = header.get("单位", header.get("计量单位"))
        value_col = next((header[k] for k in FORM_VALUE_HEADERS if k in header), None)
        if value_col is None:
            after = max(c for c in (name_col, code_col, unit_col) if c is not None) + 1
            value_col = after
        for r in range(h + 1, len(self.rows)):
            cells = self.nonempty(r)
            if not cells:
                continue
            label = norm(self.cell(r, name_col))
            if label.startswith(FOOTER_PREFIXES):
                break
            texts = [norm(v) for _c, v in cells]
            if all(t in NUMBERING_TOKENS or t.isdigit() for t in texts):
                continue  # 甲/乙/丙/1/2/3 column-number row
            out.rows_read += 1
            code = norm(self.cell(r, code_col)) if code_col is not None else ""
            ind = (self.catalog.match_header(code) if code else None) or self.catalog.match_header(label)
            raw = self.cell(r, value_col)
            try:
                value, percent = parse_number(raw)
            except CellError as exc:
                if ind is not None:
                    self.problem(ERROR, f"“{ind.name}”：{exc}", "请只填写数字；没有数据请留空或填“—”", r, value_col)
                    continue
                value, percent = None, False
            if ind is None:
                if value is not None:
                    self.problem(WARNING, f"“{text_of(self.cell(r, name_col))}”（代码{code or '无'}）不在指标目录中，本行未导入",
                                 "如需跟踪该指标，请管理员在指标目录中添加", r, name_col)
                continue
            if ind.kind == "ratio":
                if value is not None:
                    self.problem(WARNING, f"“{ind.name}”是比率指标，由系统按分子、分母重新计算，本行未导入", "", r, value_col)
                continue
            unit = normalize_unit(norm(self.cell(r, unit_col))) if unit_col is not None and norm(self.cell(r, unit_col)) else None
            if unit and not looks_like_unit(unit):
                self.problem(ERROR, f"“单位”列中是“{text_of(self.cell(r, unit_col))}”，不是计量单位（数值可能错填进了单位列）",
                             "请把数值移到“数量”列，单位列只填单位", r, unit_col)
                continue
            if value is None:
                continue
            if ind.kind == "flow" and "累计" in label:
                self.problem(ERROR, f"“{ind.name}”在本系统按当月发生额入库，表中是本年累计数",
                             "请报送当月数（本月累计减上月累计），或使用乡镇（街道）报表模板", r, value_col)
                continue
            converted = self.convert(value, percent, unit, ind, r, value_col, raw)
            if converted is None or out.period is None or out.scope is None:
                continue
            out.records.append(Record(out.scope.code, ind.code, out.period, converted, text_of(raw), unit,
                                      self.sheet.name, r + 1, column_letter(value_col)))

    # ---- (c) tidy long table --------------------------------------------------------------------------------------

    def parse_tidy(self, h: int) -> None:
        out = self.out
        cols: dict[str, int] = {}
        for c, v in self.nonempty(h):
            t = norm(v)
            for role, names in TIDY_ROLES.items():
                if t in names and role not in cols:
                    cols[role] = c
        if "period" not in cols:
            out.period, _ = self.find_period_in(h)
            if out.period is None:
                self.problem(ERROR, "没有找到报告期：既没有“期间/报告期”列，表头上方也没有注明", "请增加“报告期”列，填写如 2026-10", h)
        scope = self.find_scope_in(h)
        seen: dict[tuple, int] = {}
        for r in range(h + 1, len(self.rows)):
            if not self.nonempty(r):
                continue
            region_text = norm(self.cell(r, cols["region"]))
            if region_text.startswith(FOOTER_PREFIXES):
                break
            out.rows_read += 1
            region = self.regions.match(region_text, within=scope.code if scope else None) if region_text else None
            if region is None:
                self.problem(ERROR, f"未知的地区“{text_of(self.cell(r, cols['region']))}”", "请填写规范的地区全称或12位区划代码",
                             r, cols["region"])
                continue
            ind_text = text_of(self.cell(r, cols["indicator"]))
            ind = self.catalog.match_header(ind_text) if ind_text else None
            if ind is None:
                self.problem(ERROR, f"未知的指标“{ind_text}”", "请填写指标目录中的指标名称或指标代码", r, cols["indicator"])
                continue
            if ind.kind == "ratio":
                self.problem(WARNING, f"“{ind.name}”是比率指标，由系统按分子、分母重新计算，本行未导入", "", r, cols["indicator"])
                continue
            period = parse_period(self.cell(r, cols["period"])) if "period" in cols else out.period
            if period is None:
                if "period" in cols:
                    self.problem(ERROR, f"无法识别的报告期“{text_of(self.cell(r, cols['period']))}”", "请填写如 2026-10 或 2026年10月",
                                 r, cols["period"])
                continue
            raw = self.cell(r, cols["value"])
            try:
                value, percent = parse_number(raw)
            except CellError as exc:
                self.problem(ERROR, f"“{ind.name}”：{exc}", "请只填写数字；没有数据请留空或填“—”", r, cols["value"])
                continue
            if value is None:
                continue
            unit = None
            if "unit" in cols and norm(self.cell(r, cols["unit"])):
                unit = normalize_unit(norm(self.cell(r, cols["unit"])))
            converted = self.convert(value, percent, unit, ind, r, cols["value"], raw)
            if converted is None:
                continue
            key = (region.code, ind.code, period)
            if key in seen:
                self.problem(ERROR, f"{region.name}“{ind.name}”{period:%Y-%m}出现了两行（另一行是第{seen[key] + 1}行）",
                             "请删除重复的行", r, cols["region"])
                continue
            seen[key] = r
            out.records.append(Record(region.code, ind.code, period, converted, text_of(raw), unit, self.sheet.name,
                                      r + 1, column_letter(cols["value"])))


def _is_text(value: object) -> bool:
    if isinstance(value, (int, float)):
        return False
    try:
        return parse_number(value)[0] is None and text_of(value) != ""
    except CellError:
        return True


def parse_sheet(sheet: Sheet, file: str, catalog: Catalog, regions: RegionIndex) -> ParsedSheet:
    return SheetParser(sheet, file, catalog, regions).parse()
