"""Province-scale load benchmark: the project's ETL path against the naive way, in one run (``python -m etl bench``).

What runs, in order:

1. A temporary region table: the committed ``data/regions/regions.csv`` plus synthetic townships (示例镇0001…, codes
   ``<county>600000``–``<county>999000`` under the existing counties, where real codes stop at 454) so that the
   requested number of townships exists. The loader validates every township name against the region table, so
   inside this process only ``etl.pipeline.reference`` is replaced by a function returning (the real catalogue, the
   temporary region table). Nothing under ``data/`` is written. With ``--townships`` at or below the real count only
   real townships are used.
2. Files in layout (a) — one per county per month: title row, 填报单位/报告期 row, header row (乡镇（街道） + one column per
   stored, i.e. non-ratio, catalogue indicator), one row per township, a 合计 row and a 填报人 footer — written once
   as UTF-8 CSV and once as xlsx (openpyxl write_only, plus the ``<dimension>`` element Excel writes, see
   ``with_dimension``). Values respect every loader rule (no negatives, numerators of shares not above their
   denominators, stocks moving by well under 50 % a month), so every file loads with no error and no warning.
   Generation runs in parallel processes; its time is printed separately and is not part of any load figure.
3. Our ETL path: ``etl.pipeline.load_batch`` into a fresh temporary ``kpi.store.Warehouse``, one batch per month (all
   counties' files of that month — how a bureau loads a month's submissions), timed from reading the file bytes to the
   published snapshot. Once for the CSV files, once for the xlsx files, each into its own warehouse.
4. The naive way on the xlsx files: ``pandas.read_excel`` (openpyxl engine), melt to long rows, then one
   ``INSERT`` per value into DuckDB in autocommit mode, into a table of the same schema. It is timed on the first
   whole files that hold at least ``--naive-sample`` values and extrapolated to the full value count by its rate.
5. The size of the warehouse and the time of one ``kpi.store.observations`` query (all current values).
   ``--only query`` (direct run) instead builds a warehouse of the requested scale in bulk with SQL — not through the
   loader — to time that query at full scale in a minute.

Every row reports wall seconds and this process's CPU seconds: the machine may be shared, and a wall figure far above
the CPU figure means the run was starved. Output is Chinese like the rest of the CLI; values/s is the comparable
figure whatever the scale. Run directly (``python -m bench.load_bench``) for ``--only``, ``--profile`` and ``--keep``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import math
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl import pipeline
from kpi import store
from kpi.catalog import Catalog, load_catalog
from kpi.regions import DEFAULT_PATH as REGIONS_PATH
from kpi.regions import RegionIndex, load_regions

DEFAULT_TOWNSHIPS = 1500
DEFAULT_MONTHS = 96
DEFAULT_NAIVE_SAMPLE = 20000

SYNTHETIC_NAME = "示例镇{:04d}"
SYNTHETIC_CODES = range(600, 1000)  # digits 7-9 of a township code; the real table stops at 454
SHEET_NAME = "乡镇月报"
REGION_HEADER = "乡镇（街道）"
WHO = "基准测试"

# Plausible ranges per catalogue unit: (low, high, decimals). Any other unit falls back to DEFAULT_RANGE.
UNIT_RANGES = {
    "人": (50, 3000, 0), "人次": (0, 80, 0), "户": (10, 600, 0), "个": (2, 40, 0), "张": (20, 600, 0),
    "万元": (1, 300, 2), "元/人·月": (900, 1300, 0), "例": (0, 30, 0), "具": (0, 30, 0), "对": (0, 40, 0),
}
DEFAULT_RANGE = (1, 100, 0)
FIXED_VALUES = {"TOWNSHIP_N": 1}  # a township row counts one township


# ---- the data model ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One indicator column of the generated files; plain data so it pickles to the generator processes."""

    code: str
    header: str
    kind: str  # stock | flow | level
    low: float
    high: float
    decimals: int
    denominator: int | None = None  # index of the column this one is a share of (numerator of a % ratio)


@dataclass(frozen=True)
class County:
    code: str
    name: str
    townships: tuple[tuple[str, str], ...]  # (code, name)


@dataclass
class RegionPlan:
    counties: list[County]
    real: int
    synthetic: int
    path: Path

    @property
    def townships(self) -> int:
        return self.real + self.synthetic


def stored_columns(catalog: Catalog) -> list[Column]:
    """Every stored (non-ratio) indicator, in catalogue order; numerators of shares know their denominator."""
    stored = [i for i in catalog if i.kind != "ratio"]
    index = {ind.code: n for n, ind in enumerate(stored)}
    share_of = {i.numerator: i.denominator for i in catalog if i.kind == "ratio" and i.scale == 100}
    columns = []
    for ind in stored:
        low, high, decimals = UNIT_RANGES.get(ind.unit, DEFAULT_RANGE)
        den = share_of.get(ind.code)
        columns.append(Column(ind.code, f"{ind.name}（{ind.unit}）", ind.kind, low, high, decimals,
                              index.get(den) if den else None))
    return columns


def build_region_table(townships: int, path: Path) -> RegionPlan:
    """Write the committed region table plus synthetic townships to ``path``; the counties and townships to use."""
    with REGIONS_PATH.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    counties = [r for r in rows if r["level"] == "county"]
    real = {c["code"]: [(r["code"], r["name"]) for r in rows if r["level"] == "township" and r["status"] == "current"
                        and r["parent_code"] == c["code"]] for c in counties}
    chosen: dict[str, list[tuple[str, str]]] = {c["code"]: [] for c in counties}
    n_real = sum(len(v) for v in real.values())
    if townships <= n_real:
        # Round-robin over counties so a small run still has every county's files.
        depth = 0
        while sum(len(v) for v in chosen.values()) < townships:
            for c in counties:
                if depth < len(real[c["code"]]) and sum(len(v) for v in chosen.values()) < townships:
                    chosen[c["code"]].append(real[c["code"]][depth])
            depth += 1
        synthetic = 0
    else:
        for c in counties:
            chosen[c["code"]] = list(real[c["code"]])
        synthetic = townships - n_real
        if synthetic > len(counties) * len(SYNTHETIC_CODES):
            raise ValueError(f"最多支持 {n_real + len(counties) * len(SYNTHETIC_CODES)} 个乡镇")
        used = {r["code"] for r in rows}
        extra = []
        for k in range(synthetic):
            county = counties[k % len(counties)]
            code = f"{county['code'][:6]}{SYNTHETIC_CODES[k // len(counties)]:03d}000"
            if code in used:
                raise ValueError(f"合成乡镇代码 {code} 与地区表重复")
            name = SYNTHETIC_NAME.format(k + 1)
            chosen[county["code"]].append((code, name))
            extra.append({"code": code, "name": name, "level": "township", "parent_code": county["code"],
                          "type": "镇", "alt_codes": "", "status": "current", "note": "基准测试合成乡镇"})
        rows = rows + extra
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in fields} for r in rows)
    plan = [County(c["code"], c["name"], tuple(chosen[c["code"]])) for c in counties if chosen[c["code"]]]
    return RegionPlan(plan, min(townships, n_real), synthetic, path)


def periods_back(months: int, today: dt.date | None = None) -> list[dt.date]:
    """``months`` consecutive report periods ending with the last complete month (the loader refuses future ones)."""
    today = today or dt.date.today()
    year, month = today.year, today.month - 1
    out = []
    for _ in range(months):
        if month == 0:
            year, month = year - 1, 12
        out.append(dt.date(year, month, 1))
        month -= 1
    return out[::-1]


def _unit_random(*parts: object) -> float:
    """A deterministic number in [0, 1) for a key, the same in every process."""
    return (zlib.crc32("|".join(map(str, parts)).encode()) & 0xFFFFFFFF) / 2**32


def township_values(township_code: str, columns: list[Column], month: int) -> list[float]:
    """The values of one township row in month number ``month`` (0-based from the first period)."""
    out: list[float] = []
    for col in columns:
        if col.code in FIXED_VALUES:
            out.append(FIXED_VALUES[col.code])
            continue
        base = col.low + (col.high - col.low) * _unit_random(township_code, col.code)
        if col.kind == "stock":
            v = base * (1 + 0.002 * month)  # slow growth: far below the loader's 50 % jump warning
        elif col.kind == "level":
            v = base * (1 + 0.03 * (month // 12))  # a standard is raised once a year
        else:
            v = base * (0.5 + _unit_random(township_code, col.code, month))
        out.append(round(v, col.decimals) if col.decimals else float(round(v)))
    for n, col in enumerate(columns):
        if col.denominator is not None:
            share = 0.4 + 0.6 * _unit_random(township_code, col.code, "share")
            out[n] = float(math.floor(out[col.denominator] * share))
    return out


def sheet_rows(county: County, period: dt.date, columns: list[Column], month: int) -> list[list[object]]:
    """The cells of one layout-(a) file, numbers as int/float."""
    rows: list[list[object]] = [
        [f"{county.name}{period.year}年{period.month}月乡镇（街道）民政工作统计月报"],
        [f"填报单位：{county.name}民政局", None, None, f"报告期：{period.year}年{period.month}月"],
        [REGION_HEADER, *(c.header for c in columns)],
    ]
    totals = [0.0] * len(columns)
    for code, name in county.townships:
        values = township_values(code, columns, month)
        rows.append([name, *(_cell(v, c) for v, c in zip(values, columns))])
        totals = [t + v for t, v in zip(totals, values)]
    # 合计 of a standard (元/人·月) is meaningless and left blank, as bureaus do.
    rows.append(["合计", *(None if c.kind == "level" else _cell(round(t, 2), c) for t, c in zip(totals, columns))])
    rows.append(["填报人：基准测试", None, "联系电话：0000-0000000"])
    return rows


def _cell(value: float, col: Column) -> int | float:
    return round(value, col.decimals) if col.decimals else int(value)


def file_name(county: County, period: dt.date, ext: str) -> str:
    return f"{period:%Y-%m}_{county.name}_乡镇民政月报.{ext}"


def _write_county(job: tuple) -> int:
    """Write one county's files for every period (runs in a worker process); returns bytes written."""
    kind, folder, county, periods, columns = job
    written = 0
    for month, period in enumerate(periods):
        rows = sheet_rows(county, period, columns, month)
        path = Path(folder) / file_name(county, period, kind)
        if kind == "csv":
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerows(["" if v is None else v for v in row] for row in rows)
            path.write_bytes(buf.getvalue().encode("utf-8"))
        else:
            import openpyxl

            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet(SHEET_NAME)
            for row in rows:
                ws.append(row)
            buf = io.BytesIO()
            wb.save(buf)
            width = max(len(r) for r in rows)
            path.write_bytes(with_dimension(buf.getvalue(), f"A1:{_letters(width - 1)}{len(rows)}"))
        written += path.stat().st_size
    return written


def with_dimension(xlsx: bytes, ref: str) -> bytes:
    """Add the ``<dimension>`` element that Excel and WPS always write and openpyxl's write_only mode leaves out.

    Without it openpyxl's read_only reader (used by etl.read and by pandas) parses the whole sheet an extra time just to
    size it, which would make every xlsx figure here slower than for a file saved by Excel.
    """
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet") and b"<dimension" not in data:
                for tag in (b"<sheetViews", b"<sheetFormatPr", b"<cols", b"<sheetData"):
                    at = data.find(tag)
                    if at >= 0:
                        data = data[:at] + f'<dimension ref="{ref}"/>'.encode() + data[at:]
                        break
            dst.writestr(info, data)
    return out.getvalue()


def generate(kind: str, folder: Path, plan: RegionPlan, periods: list[dt.date], columns: list[Column],
             workers: int) -> tuple[float, int]:
    """Write every file of one format; (seconds, bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(kind, str(folder), county, periods, columns) for county in plan.counties]
    t0 = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            size = sum(pool.map(_write_county, jobs))
    else:
        size = sum(map(_write_county, jobs))
    return time.perf_counter() - t0, size


def files_by_period(folder: Path, plan: RegionPlan, periods: list[dt.date], ext: str) -> list[list[Path]]:
    return [[folder / file_name(c, p, ext) for c in plan.counties] for p in periods]


# ---- the measured paths ----------------------------------------------------------------------------------------


@dataclass
class Measured:
    label: str
    files: int
    values: int
    seconds: float
    cpu_seconds: float
    extrapolated_from: int | None = None  # values actually timed, for an extrapolated row
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.values / self.seconds if self.seconds else float("nan")


@contextmanager
def bench_reference(catalog: Catalog, regions: RegionIndex) -> Iterator[None]:
    """Point the loader at the temporary region table, in this process only, and restore it afterwards.

    ``etl.pipeline.reference`` is an lru_cache'd function that ``check_bytes`` and the jump check look up as a module
    global, so replacing the attribute is enough.
    """
    original = pipeline.reference

    @lru_cache(maxsize=1)
    def reference() -> tuple[Catalog, RegionIndex]:
        return catalog, regions

    pipeline.reference = reference
    try:
        yield
    finally:
        pipeline.reference = original


def run_etl(label: str, batches: list[list[Path]], wh_path: Path, expected_values: int,
            progress: Callable[[str], None]) -> Measured:
    """Load every batch through ``pipeline.load_batch``; refuse to report a figure if anything was not loaded."""
    wh = store.Warehouse(wh_path)
    values = files = warnings = 0
    step = max(1, len(batches) // 8)
    c0 = time.process_time()
    t0 = time.perf_counter()
    for n, paths in enumerate(batches, 1):
        results = pipeline.load_batch(wh, [(p.read_bytes(), p.name) for p in paths], who=WHO)
        for result in results:
            if result.status != "loaded":
                detail = "\n".join(p.format() for p in result.report.problems[:10])
                raise RuntimeError(f"{result.report.file} 未导入（{result.status}）：{result.message}\n{detail}")
            values += len(result.report.records)
            warnings += len(result.report.warnings)
            files += 1
        if n % step == 0 or n == len(batches):
            elapsed = time.perf_counter() - t0
            progress(f"  {label}：第 {n}/{len(batches)} 批，{values:,} 个数值，{elapsed:.1f} 秒，"
                     f"{values / elapsed:,.0f} 个/秒")
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    if values != expected_values:
        raise RuntimeError(f"{label}：导入 {values} 个数值，应为 {expected_values} 个")
    measured = Measured(label, files, values, seconds, cpu)
    if warnings:
        measured.notes.append(f"{label}：导入时共 {warnings} 条提示")
    return measured


NAIVE_INSERT = ("INSERT INTO observations (load_id, region_code, indicator_code, period, value, raw_value, raw_unit, "
                "sheet, cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def run_naive(files: list[Path], sample: int, catalog: Catalog, plan: RegionPlan, db_path: Path,
              total_files: int, total_values: int) -> Measured:
    """openpyxl (through pandas.read_excel) + pandas + one autocommitted INSERT per value, on the first whole files
    holding at least ``sample`` values; extrapolated to ``total_values`` by its rate."""
    import duckdb
    import pandas as pd

    town_code = {name: code for county in plan.counties for code, name in county.townships}
    ind_code = {ind.name: ind.code for ind in catalog if ind.kind != "ratio"}
    con = duckdb.connect(str(db_path))
    store.migrate(con)  # the warehouse schema, so the same table is filled
    values = used = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for load_id, path in enumerate(files, 1):
        raw = pd.read_excel(path, header=None, engine="openpyxl")
        h = int(raw.index[raw[0] == REGION_HEADER][0])
        period_text = next(str(v) for v in raw.iloc[:h].to_numpy().ravel() if str(v).startswith("报告期"))
        year, month = map(int, re.search(r"(\d{4})年(\d{1,2})月", period_text).groups())
        table = raw.iloc[h + 1:].copy()
        table.columns = raw.iloc[h]
        table = table[table[REGION_HEADER].isin(town_code)]
        long = table.melt(id_vars=[REGION_HEADER], var_name="header", value_name="value").dropna(subset=["value"])
        period = dt.date(year, month, 1)
        for row in long.itertuples(index=False):
            name = re.sub(r"（[^（）]*）$", "", row.header)
            con.execute(NAIVE_INSERT, [load_id, town_code[row[0]], ind_code[name], period, float(row.value),
                                       str(row.value), None, SHEET_NAME, None])
            values += 1
        used += 1
        if values >= sample:
            break
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    stored = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    con.close()
    if stored != values:
        raise RuntimeError(f"朴素方法写入 {stored} 行，应为 {values} 行")
    rate = values / seconds
    return Measured("朴素方法（pandas+openpyxl 读 xlsx，逐行 INSERT）", total_files, total_values,
                    total_values / rate, cpu * total_values / values, extrapolated_from=values,
                    notes=[f"朴素方法：实测 {used} 个文件、{values:,} 个数值，用时 {seconds:.1f} 秒；表中该行的秒数按此速率外推"])


def build_query_warehouse(path: Path, catalog: Catalog, regions: RegionIndex, plan: RegionPlan,
                          periods: list[dt.date], columns: list[Column]) -> float:
    """A warehouse holding what the ETL would have written at this scale — one load per county per month, every
    value with its raw text, sheet and cell — built in bulk with SQL, so the current-values query can be timed at full
    scale without waiting for the ETL. Returns the build time (not a load figure)."""
    import pandas as pd

    # Data rows start at row 4, under the title, 填报单位 and header rows.
    towns = pd.DataFrame([(ci, r, code, r + 4) for ci, county in enumerate(plan.counties)
                          for r, (code, _name) in enumerate(county.townships)],
                         columns=["county_idx", "town_idx", "region_code", "row_no"])
    inds = pd.DataFrame([(n, c.code, _letters(n + 1), c.decimals) for n, c in enumerate(columns)],
                        columns=["ind_idx", "indicator_code", "col", "decimals"])
    months = pd.DataFrame({"month_idx": range(len(periods)), "period": periods})
    n_counties = len(plan.counties)
    loads = pd.DataFrame(
        [(m * n_counties + ci + 1, file_name(county, p, "csv"), len(county.townships))
         for m, p in enumerate(periods) for ci, county in enumerate(plan.counties)],
        columns=["load_id", "file_name", "townships"])
    wh = store.Warehouse(path)
    t0 = time.perf_counter()
    with wh.writing(fresh=True) as con:
        store.sync_reference(con, catalog, regions)
        for name, frame in (("b_towns", towns), ("b_inds", inds), ("b_months", months), ("b_loads", loads)):
            con.register(name, frame)
        # Columns are filled by name from the live schema, so the bench follows migrations that add columns.
        _insert_by_name(con, "events", "FROM b_loads", {
            "version": "load_id", "happened_at": "now()", "action": "'load'", "load_id": "load_id",
            "who": f"'{WHO}'", "detail": "file_name"})
        _insert_by_name(con, "loads", "FROM b_loads", {
            "load_id": "load_id", "file_name": "file_name", "content_hash": "sha256(file_name)",
            "data_hash": "sha256('data:' || file_name)", "sheets": f"'{SHEET_NAME}'", "layout": "'township_table'",
            "archive_path": "'archive/' || file_name", "loaded_at": "now()", "loaded_by": f"'{WHO}'",
            "rows_read": "townships + 1", "values_loaded": f"townships * {len(columns)}", "warnings": "0",
            "status": "'active'", "version": "load_id", "is_demo": "FALSE"})
        _insert_by_name(con, "observations", f"""
            FROM (SELECT *, CASE WHEN decimals = 0 THEN round(random() * 1000) ELSE round(random() * 300, 2) END AS v
                  FROM b_months, b_towns, b_inds)
            ORDER BY month_idx, county_idx, town_idx, ind_idx""", {
            "load_id": f"month_idx * {n_counties} + county_idx + 1", "region_code": "region_code",
            "indicator_code": "indicator_code", "period": "period", "value": "v",
            "raw_value": "CASE WHEN decimals = 0 THEN CAST(CAST(v AS BIGINT) AS VARCHAR) ELSE CAST(v AS VARCHAR) END",
            "raw_unit": "NULL", "sheet": f"'{SHEET_NAME}'", "cell": "col || row_no"})
    return time.perf_counter() - t0


def _insert_by_name(con, table: str, source: str, exprs: dict[str, str]) -> None:
    """INSERT INTO table SELECT <an expression per live column> <source>; a column not in ``exprs`` gets NULL."""
    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()]
    select = ", ".join(f"{exprs.get(c, 'NULL')} AS {c}" for c in cols)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} {source}")


def _letters(index: int) -> str:
    from etl.problems import column_letter

    return column_letter(index)


# ---- output -----------------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def format_table(rows: list[Measured], naive: Measured | None) -> str:
    head = ["方法", "文件数", "数值个数", "秒", "数值/秒", "相对朴素方法", "CPU秒"]
    body = []
    for m in rows:
        secs = f"{m.seconds:,.1f}" + ("（外推）" if m.extrapolated_from else "")
        ratio = f"{m.rate / naive.rate:.1f}×" if naive else "—"
        body.append([m.label, f"{m.files:,}", f"{m.values:,}", secs, f"{m.rate:,.0f}", ratio, f"{m.cpu_seconds:,.1f}"])
    widths = [max(_width(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(_pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(r, widths))) for r in [head, *body]]
    lines.insert(1, "-" * (sum(widths) + 2 * (len(widths) - 1)))
    return "\n".join(lines)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def report_warehouse(label: str, path: Path) -> None:
    """Size of a warehouse and the time of one query of all current values through the product's own function."""
    wh = store.Warehouse(path)
    t0 = time.perf_counter()
    con = wh.connect()
    t_open = time.perf_counter() - t0
    t0 = time.perf_counter()
    current = store.observations(con)
    t_query = time.perf_counter() - t0
    archive = f"；原始文件归档 {_mb(_size(wh.archive_dir))}" if wh.archive_dir.exists() else ""
    _say(f"{label}：{_mb(_size(wh.path))}{archive}")
    _say(f"  查询全部当前数值（kpi.store.observations）：{t_query:.2f} 秒，返回 {len(current):,} 行"
         f"（另：打开只读连接 {t_open:.2f} 秒）")


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "未知"


def environment() -> str:
    """Versions, code revision and machine load: figures from a busy or different machine are not comparable."""
    import duckdb
    import openpyxl
    import pandas as pd

    try:
        rev = subprocess.run(["git", "-C", str(store.PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5).stdout.strip() or "未知"
        dirty = subprocess.run(["git", "-C", str(store.PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no",
                                "--", "etl", "kpi"], capture_output=True, text=True, timeout=5).stdout.strip()
        rev += "（etl/、kpi/ 有未提交改动）" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        rev = "未知"
    return (f"环境：Python {platform.python_version()}，DuckDB {duckdb.__version__}，pandas {pd.__version__}，"
            f"openpyxl {openpyxl.__version__}；{os.cpu_count()} 个 CPU；代码版本 {rev}；开始时系统负载（1/5/15 分钟）：{_load()}")


def _say(text: str) -> None:
    print(text, flush=True)


# ---- entry point ------------------------------------------------------------------------------------------------


@contextmanager
def _maybe_profile(enabled: bool, label: str, top: int = 25) -> Iterator[None]:
    if not enabled:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        for key in ("tottime", "cumulative"):
            _say(f"\n== cProfile：{label}，按 {key} 排序前 {top} 项 ==")
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
            lines = buf.getvalue().splitlines()
            start = next((n for n, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
            _say("\n".join(line for line in lines[start:] if line.strip()))


def main(args: argparse.Namespace) -> int:
    townships = getattr(args, "townships", None) or DEFAULT_TOWNSHIPS
    months = getattr(args, "months", None) or DEFAULT_MONTHS
    sample = getattr(args, "naive_sample", None) or DEFAULT_NAIVE_SAMPLE
    only = set((getattr(args, "only", None) or "csv,xlsx,naive").split(","))
    profile = bool(getattr(args, "profile", False))
    keep = bool(getattr(args, "keep", False))
    workers = getattr(args, "workers", None) or os.cpu_count() or 1
    if townships < 1 or months < 1 or sample < 1:
        print("错误：--townships、--months、--naive-sample 须为正整数", file=sys.stderr)
        return 1
    if getattr(args, "db", None):
        _say(f"注意：基准测试不使用 --db（{args.db}）：始终写入临时目录中的新数据库，不会改动任何已有数据库。")

    work = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    try:
        catalog = load_catalog()
        columns = stored_columns(catalog)
        plan = build_region_table(townships, work / "regions.csv")
        regions = load_regions(plan.path)
        periods = periods_back(months)
        n_files = len(plan.counties) * len(periods)
        n_values = plan.townships * len(columns) * len(periods)

        _say("== 导入性能基准 ==")
        _say(environment())
        _say(f"规模：{plan.townships:,} 个乡镇（街道）× {len(columns)} 个入库指标（指标目录中全部非比率指标）× {len(periods)} 个月"
             f"（{periods[0]:%Y-%m} 至 {periods[-1]:%Y-%m}）= {n_values:,} 个数值；"
             f"{len(plan.counties)} 个县（市、区）× {len(periods)} 个月 = 每种格式 {n_files:,} 个文件")
        if plan.synthetic:
            _say(f"地区：真实乡镇 {plan.real} 个 + 合成乡镇 {plan.synthetic} 个（示例镇0001…，挂在现有 {len(plan.counties)} 个"
                 f"县（市、区）下）。合成乡镇写入临时地区表 {plan.path.name}；本进程内把 etl.pipeline.reference 替换为"
                 "“真实指标目录 + 临时地区表”，导入程序照常校验地区名称。data/ 下的文件未作任何改动。")
        else:
            _say(f"地区：全部为真实乡镇（{plan.real} 个，取自 data/regions/regions.csv），未合成地区。")
        _say(f"文件格式：乡镇报表（标题行、填报单位/报告期行、表头行、各乡镇行、合计行、填报人行），CSV（UTF-8）与 xlsx 各一份；"
             f"导入按月分批（每批为当月全部 {len(plan.counties)} 个县的文件，与各地按月报送一致）。临时目录：{work}")

        generated: dict[str, tuple[float, int]] = {}
        for kind in ("csv", "xlsx"):
            if kind in only or (kind == "xlsx" and "naive" in only):
                generated[kind] = generate(kind, work / kind, plan, periods, columns, workers)
                secs, size = generated[kind]
                _say(f"生成 {kind} 文件：{n_files:,} 个，{_mb(size)}，{secs:.1f} 秒（{workers} 个进程并行；不计入导入时间）")

        rows: list[Measured] = []
        notes: list[str] = []
        warehouses: list[Path] = []
        with bench_reference(catalog, regions):
            for kind, label in (("csv", "本项目 ETL：CSV"), ("xlsx", "本项目 ETL：xlsx")):
                if kind not in only:
                    continue
                wh_path = work / f"wh_{kind}" / "kpi.duckdb"
                with _maybe_profile(profile, label):
                    m = run_etl(label, files_by_period(work / kind, plan, periods, kind), wh_path, n_values, _say)
                rows.append(m)
                notes += m.notes
                warehouses.append(wh_path)
        naive = None
        if "naive" in only:
            first = [p for batch in files_by_period(work / "xlsx", plan, periods, "xlsx") for p in batch]
            naive = run_naive(first, sample, catalog, plan, work / "naive.duckdb", n_files, n_values)
            rows.append(naive)
            notes += naive.notes

        if rows:
            _say("")
            _say(format_table(rows, naive))
        for note in notes:
            _say(f"注：{note}")
        if naive:
            _say("注：朴素方法不做任何校验（地区、单位、合计、跳变、重复），也不归档原始文件、不记录导入批次；本项目 ETL 的时间包含这些工作。")

        if warehouses:
            report_warehouse(f"{rows[0].label} 导入所得数据库", warehouses[0])
        if "query" in only:
            qpath = work / "wh_query" / "kpi.duckdb"
            secs = build_query_warehouse(qpath, catalog, regions, plan, periods, columns)
            report_warehouse(f"用 SQL 批量构造的同规模数据库（{n_files:,} 个导入批次，构造用时 {secs:.1f} 秒；"
                             "不经导入路径，仅用于在全规模上计时查询）", qpath)
        _say(f"结束时系统负载（1/5/15 分钟）：{_load()}")
        if keep:
            _say(f"已保留临时目录：{work}")
        return 0
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _parser() -> argparse.ArgumentParser:
    """Direct run (``python -m bench.load_bench``): the CLI's options plus a few for investigating."""
    p = argparse.ArgumentParser(prog="python -m bench.load_bench", description="导入性能基准（省级规模）")
    p.add_argument("--db", help="不使用：基准测试始终写入临时目录")
    p.add_argument("--townships", type=int, default=DEFAULT_TOWNSHIPS)
    p.add_argument("--months", type=int, default=DEFAULT_MONTHS)
    p.add_argument("--naive-sample", type=int, default=DEFAULT_NAIVE_SAMPLE, help="朴素方法计时所用的行数（按比例外推）")
    p.add_argument("--only", default="csv,xlsx,naive",
                   help="只运行其中几项，逗号分隔：csv,xlsx,naive,query（query：用 SQL 批量构造同规模数据库，只为计时查询）")
    p.add_argument("--profile", action="store_true", help="用 cProfile 分析本项目 ETL 的导入，打印耗时最多的函数")
    p.add_argument("--workers", type=int, help="生成文件的进程数（默认：CPU 核数）")
    p.add_argument("--keep", action="store_true", help="保留临时目录（文件和数据库）以便查看")
    return p


if __name__ == "__main__":
    raise SystemExit(main(_parser().parse_args()))
