"""Check, load and revert: the only write path into the warehouse, shared by the CLI and the 数据管理 page.

Order matters for "nothing is lost": the raw bytes are archived before anything parses them, every problem is collected
before deciding, and the observations of a file go in within one published snapshot — all of a file or none of it.
Once published, the write is recorded in the restore journal (etl/journal.py) that `python -m etl restore` replays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

from etl import journal
from etl.parse import ParsedSheet, parse_sheet
from etl.problems import ERROR, WARNING, Checked, InputError, Problem
from etl.read import read_file
from kpi import audit, store
from kpi.catalog import Catalog, load_catalog
from kpi.regions import RegionIndex, load_regions

# 合计 rows are typed in by hand and rounded; publishers warn that parts and totals are "未作机械调整".
TOTAL_TOLERANCE_ABS = 1.0
TOTAL_TOLERANCE_REL = 0.005
# A stock moving by more than half in a month is usually a unit slip (人 vs 万人) or a shifted column.
JUMP_RATIO = 0.5
JUMP_MIN_ABS = 10.0


@lru_cache(maxsize=1)
def reference() -> tuple[Catalog, RegionIndex]:
    """The catalogue and region table, read once per process."""
    return load_catalog(), load_regions()


@dataclass
class FileReport(Checked):
    file: str
    content_hash: str
    size: int
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def records(self):
        return [rec for s in self.sheets for rec in s.records]

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sheets)

    @property
    def layout(self) -> str:
        return ",".join(sorted({s.layout for s in self.sheets if s.layout}))

    @property
    def periods(self) -> list[str]:
        return sorted({f"{r.period:%Y-%m}" for r in self.records})

    @cached_property
    def data_hash(self) -> str:
        """A fingerprint of the values themselves, so a re-saved copy of a loaded workbook counts as a repeat."""
        lines = sorted(f"{r.region_code}|{r.indicator_code}|{r.period:%Y-%m}|{r.value!r}" for r in self.records)
        return content_hash("\n".join(lines).encode())

    def frame(self) -> pd.DataFrame:
        recs = self.records
        return pd.DataFrame({
            "region_code": [r.region_code for r in recs], "indicator_code": [r.indicator_code for r in recs],
            "period": [r.period for r in recs], "value": [r.value for r in recs],
            "raw_value": [r.raw_value for r in recs], "raw_unit": [r.raw_unit for r in recs],
            "sheet": [r.sheet for r in recs], "cell": [r.cell for r in recs],
        })


@dataclass
class LoadResult:
    status: str  # loaded | duplicate | rejected
    report: FileReport
    load_id: int | None = None
    version: int | None = None
    archive_path: Path | None = None
    message: str = ""


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Bytes, not characters: file systems limit a name to 255 bytes, and the archive adds a 17-byte prefix.
MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """A file name that cannot escape the archive folder, carry control characters (C0 or C1: a terminal escape
    starts with one) or reorder itself on screen (right-to-left overrides and other invisible format characters),
    and fits the file system with its extension kept."""
    name = unicodedata.normalize("NFKC", Path(name.replace("\\", "/")).name)
    name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    name = re.sub(r"[\x00-\x1f\x7f-\x9f/]", "_", name).strip(". ")
    stem, suffix = (name[:-len(Path(name).suffix)], Path(name).suffix) if Path(name).suffix else (name, "")
    if len(suffix.encode("utf-8")) > 16:
        stem, suffix = name, ""
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem + suffix).strip(". ") or "upload"


def archive(warehouse: store.Warehouse, data: bytes, name: str) -> Path:
    """Keep the raw bytes next to the warehouse, named by content, before anything parses them."""
    digest = content_hash(data)
    folder = warehouse.archive_dir / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest[:16]}_{safe_name(name)}"
    if not path.exists():
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def check_bytes(data: bytes, name: str, warehouse: store.Warehouse | None = None) -> FileReport:
    """Every problem of one file, errors and warnings, without writing anything."""
    catalog, regions = reference()
    report = FileReport(safe_name(name), content_hash(data), len(data))
    try:
        sheets = read_file(Path(name), data=data, name=report.file)
    except InputError as exc:
        report.problems.append(exc.problem)
        return report
    report.encoding = sheets[0].encoding
    for sheet in sheets:
        parsed = parse_sheet(sheet, report.file, catalog, regions)
        report.sheets.append(parsed)
        report.problems.extend(sheet.problems)  # what reading found (e.g. formulas without a saved result)
        report.problems.extend(parsed.problems)
    if not report.errors and not report.records:
        report.problems.append(Problem(ERROR, report.file, "文件中没有可导入的数值", "请确认填写了数据，且表头与模板一致"))
    _validate(report, catalog, warehouse)
    report.problems.sort(key=lambda p: (p.severity != ERROR, p.sheet or "", p.row or 0, p.col or ""))
    return report


def check_file(path: Path, warehouse: store.Warehouse | None = None) -> FileReport:
    return check_bytes(Path(path).read_bytes(), Path(path).name, warehouse)


def _validate(report: FileReport, catalog: Catalog, warehouse: store.Warehouse | None) -> None:
    """Rules that look across records: signs, impossible shares, duplicates across sheets, totals, jumps."""
    add = report.problems.append
    today = dt.date.today()
    seen: dict[tuple, str] = {}
    by_key: dict[tuple, object] = {}
    for rec in report.records:
        ind = catalog.get(rec.indicator_code)
        where = dict(sheet=rec.sheet, row=rec.row, col=rec.col)
        if rec.value < 0:
            add(Problem(ERROR, report.file, f"“{ind.name}”为负数（{rec.raw_value}）", "数量不能为负数，请核对后改正", **where))
        if ind.unit == "%" and rec.value > 100:
            add(Problem(ERROR, report.file, f"“{ind.name}”为{rec.value:g}%，超过100%", "请核对是否填错了列或把人数填成了百分比", **where))
        if rec.period > dt.date(today.year, today.month, 1) or rec.period.year < 2000:
            add(Problem(ERROR, report.file, f"报告期{rec.period:%Y年%m月}不合理（晚于本月或早于2000年）", "请核对报告期", **where))
        key = (rec.region_code, rec.indicator_code, rec.period)
        if key in seen and seen[key] != rec.sheet:
            add(Problem(ERROR, report.file, f"“{ind.name}”的同一地区、同一报告期在工作表“{seen[key]}”中也有数据",
                        "一个文件中每个地区、指标、报告期只能出现一次，请删除重复的工作表或行", **where))
        seen.setdefault(key, rec.sheet)
        by_key[key] = rec

    # A share (scale 100) whose numerator exceeds its denominator cannot be right: e.g. 护理型床位 > 机构床位.
    for ind in catalog:
        if ind.kind != "ratio" or ind.scale != 100:
            continue
        for (region, code, period), rec in by_key.items():
            if code != ind.numerator:
                continue
            den = by_key.get((region, ind.denominator, period))
            if den is not None and rec.value > den.value:
                add(Problem(ERROR, report.file,
                            f"“{catalog.get(ind.numerator).name}”（{rec.value:g}）大于“{catalog.get(ind.denominator).name}”"
                            f"（{den.value:g}），“{ind.name}”将超过100%", "请核对这两列数值", sheet=rec.sheet, row=rec.row,
                            col=rec.col))

    for sheet in report.sheets:
        if sheet.period is None:
            continue  # rows were not read as values, so a comparison would only repeat the missing-period error
        for code, (total, row, col) in sheet.totals.items():
            parts = sum(r.value for r in sheet.records if r.indicator_code == code)
            tolerance = max(TOTAL_TOLERANCE_ABS, TOTAL_TOLERANCE_REL * abs(total))
            if abs(parts - total) > tolerance:
                add(Problem(WARNING, report.file,
                            f"合计行“{catalog.get(code).name}”为{total:g}，各地区相加为{parts:g}，相差{total - parts:+g}",
                            "合计行不入库（系统按各地区数据汇总），请核对是否漏填或错填了某个地区", sheet=sheet.sheet, row=row,
                            col=col))

    if warehouse is not None and warehouse.exists() and report.records:
        _check_jumps(report, catalog, warehouse)


def _previous_month(period: dt.date) -> dt.date:
    return dt.date(period.year - 1, 12, 1) if period.month == 1 else dt.date(period.year, period.month - 1, 1)


def _check_jumps(report: FileReport, catalog: Catalog, warehouse: store.Warehouse) -> None:
    recs = [r for r in report.records if catalog.get(r.indicator_code).kind in ("stock", "level")]
    if not recs:
        return
    keys = pd.DataFrame({"region_code": [r.region_code for r in recs], "indicator_code": [r.indicator_code for r in recs],
                         "period": [_previous_month(r.period) for r in recs]})
    try:
        previous = store.values_for(warehouse.connect(), keys)
    except store.WarehouseMissing:
        return
    prev = {(r.region_code, r.indicator_code, pd.Timestamp(r.period).date()): r.value for r in previous.itertuples()}
    _, regions = reference()
    for rec in recs:
        before = prev.get((rec.region_code, rec.indicator_code, _previous_month(rec.period)))
        if before is None or before <= 0:
            continue
        ind = catalog.get(rec.indicator_code)
        region = regions.get(rec.region_code)
        where = dict(sheet=rec.sheet, row=rec.row, col=rec.col)
        if rec.value == 0:
            report.problems.append(Problem(WARNING, report.file, f"{region.name}“{ind.name}”从上月的{before:g}降为0",
                                           "时点数一般不会归零，请确认不是漏填", **where))
        elif abs(rec.value - before) > max(JUMP_MIN_ABS, JUMP_RATIO * before):
            report.problems.append(Problem(WARNING, report.file,
                                           f"{region.name}“{ind.name}”由上月的{before:g}变为{rec.value:g}，变动{(rec.value / before - 1):+.0%}",
                                           "变动异常大，请确认单位（如人/万人）和所填列是否正确", **where))


def load_bytes(warehouse: store.Warehouse, data: bytes, name: str, who: str | None = None, is_demo: bool = False
               ) -> LoadResult:
    """Archive, check, and — if there are no errors — load one file atomically; a repeat of loaded content is a
    no-op that says so."""
    return load_batch(warehouse, [(data, name)], who, is_demo)[0]


def load_file(warehouse: store.Warehouse, path: Path, who: str | None = None, is_demo: bool = False) -> LoadResult:
    path = Path(path)
    return load_bytes(warehouse, path.read_bytes(), path.name, who, is_demo)


def load_batch(warehouse: store.Warehouse, files: list[tuple[bytes, str]], who: str | None = None,
               is_demo: bool = False, progress: Callable[[str, int, int, str], None] | None = None
               ) -> list[LoadResult]:
    """Load several files with one published snapshot. Each file is still its own load, all of it or none of it:
    files with errors are rejected before anything is written, and a failure while writing publishes nothing.

    ``progress(stage, done, total, file_name)`` is called as files are checked and written.
    """
    who = who or store.current_user()
    results: list[LoadResult] = []
    for n, (data, name) in enumerate(files, 1):
        archived = archive(warehouse, data, name)
        report = check_bytes(data, name, warehouse)
        if report.ok:
            result = LoadResult("pending", report, archive_path=archived)
        else:
            result = LoadResult("rejected", report, archive_path=archived,
                                message=f"未导入：{len(report.errors)}个错误，数据库未作任何改动")
        results.append(result)
        if progress:
            progress("check", n, len(files), report.file)
    pending = [r for r in results if r.status == "pending"]
    if warehouse.exists():
        # Repeats are found before taking the writer lock, so a batch of repeats publishes nothing at all.
        con = warehouse.connect()
        for result in pending:
            _mark_if_duplicate(con, result)
        pending = [r for r in pending if r.status == "pending"]
    if not pending:
        return results
    catalog, regions = reference()
    with journal.recording(warehouse, "load", who=who, is_demo=is_demo, loads=[]) as entry, \
            warehouse.writing() as con:
        entry["before"] = store.current_version(con)
        store.sync_reference(con, catalog, regions)
        for n, result in enumerate(pending, 1):
            report = result.report
            if _mark_if_duplicate(con, result):  # loaded by another process since the check above
                continue
            messages = [(p.severity, p.sheet, p.row, p.col, p.message + (f"。处理办法：{p.hint}" if p.hint else ""))
                        for p in report.warnings]
            archive_path = str(result.archive_path.relative_to(warehouse.path.parent))
            result.load_id, result.version = store.insert_load(
                con, file_name=report.file, content_hash=report.content_hash, data_hash=report.data_hash,
                sheets=",".join(s.sheet for s in report.sheets if s.records), layout=report.layout,
                archive_path=archive_path, rows_read=report.rows_read,
                who=who, observations_df=report.frame(), messages=messages, is_demo=is_demo)
            audit.record(con, result.version, None, who, "load", report.file, None,
                         {"load_id": result.load_id, "file": report.file, "values": len(report.records),
                          "warnings": len(messages), "is_demo": is_demo})
            result.status = "loaded"
            result.message = f"已导入：{len(report.records)}个数值（导入批次 #{result.load_id}，数据版本 v{result.version}）"
            entry["version"] = result.version
            entry["loads"].append({
                "load_id": result.load_id, "version": result.version, "file": report.file, "archive": archive_path,
                "content_hash": report.content_hash, "data_hash": report.data_hash,
                "at": journal.event_time(con, result.version)})
            if progress:
                progress("write", n, len(pending), report.file)
    return results


def _mark_if_duplicate(con, result: LoadResult) -> bool:
    existing = store.find_active_load_with_data(con, result.report.data_hash)
    if not existing:
        return False
    load_id, file_name, loaded_at = existing
    result.status, result.load_id = "duplicate", load_id
    result.message = f"内容相同的文件已于{loaded_at:%Y-%m-%d %H:%M}导入（批次 #{load_id}，{file_name}），本次未重复导入"
    return True


def revert(warehouse: store.Warehouse, load_id: int, who: str | None = None) -> int:
    """Withdraw a load: its values stop counting and earlier values come back; the record stays. Returns the version."""
    who = who or store.current_user()
    with journal.recording(warehouse, "revert", who=who) as entry, warehouse.writing() as con:
        load = store.get_load(con, load_id)
        if load is None:
            raise ValueError(f"没有编号为 #{load_id} 的导入批次")
        if load["status"] == "reverted":
            raise ValueError(f"导入批次 #{load_id} 已于{load['reverted_at']:%Y-%m-%d %H:%M}撤销，无需重复撤销")
        entry["before"] = store.current_version(con)
        version = store.revert_load(con, load_id, who)
        # What a restore maps to the replayed load: its id here, and its file by archive path and content.
        entry.update(version=version, at=journal.event_time(con, version), load_id=load_id,
                     file=load["file_name"], archive=load["archive_path"], content_hash=load["content_hash"],
                     data_hash=load["data_hash"])
        audit.record(con, version, None, who, "revert", str(load_id),
                     {"load_id": load_id, "file": load["file_name"], "status": load["status"]},
                     {"load_id": load_id, "file": load["file_name"], "status": "reverted"})
        return version
