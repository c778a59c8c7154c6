"""Writing targets into the warehouse: import a targets file, save proposals, confirm, edit, drop, split to townships.

Every write is one event (a new data version) inside ``Warehouse.writing()``, so a page caches on it like on data and
a failed write changes nothing. Rows are never updated in place: a change is a new revision of the same target_id, so
the history of a target (who proposed it from which sentence, who changed the value, who confirmed it) stays readable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd

from etl import journal, pipeline
from etl import read
from etl.problems import ERROR, InputError, Problem
from etl.read import decode_text
from kpi import audit, sql, store
from kpi import targets as kt

# The targets table's columns, in order (kpi/sql.py, migration 0004_targets).
TABLE_COLUMNS = ["target_id", "revision", "region_code", "indicator_code", "year", "kind", "comparator", "value",
                 "value_min", "keep", "plan_attribute", "base_value", "document", "sentence", "state", "parent_id",
                 "basis", "changed_by", "changed_at", "version", "is_demo"]
# What the restore journal keeps of a saved row: everything _row reads from it.
JOURNAL_ROW_KEYS = (*kt.COLUMNS, "parent_id", "basis")


@dataclass
class TargetImport:
    status: str  # imported | rejected
    file: str
    count: int = 0
    version: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.status == "imported":
            return f"已导入目标值 {self.count} 条（数据版本 v{self.version}）"
        return f"未导入：{len(self.problems)} 处问题，数据库没有改动"


def save(wh: store.Warehouse, rows: list[dict], *, state: str, who: str, is_demo: bool = False,
         detail: str = "") -> int:
    """Write checked rows (kpi.targets.check_row output, optionally with ``parent_id`` and ``basis``) as targets in
    ``state``. A row for a region, indicator, year and kind that already has a target (not dropped) becomes that
    target's next revision; others become new targets. Returns the data version written."""
    if state not in kt.STATES:
        raise ValueError(f"unknown target state {state!r}")
    detail = detail or f"{len(rows)} targets {state}"
    with journal.recording(wh, "targets_save", who=who, state=state, is_demo=is_demo, detail=detail) as entry, \
            wh.writing() as con:
        version, at = store.next_event(con, "targets", None, who, detail)
        frame = kt.current_targets(con, version - 1)
        live = frame[frame.state != "dropped"] if len(frame) else frame
        by_key = {(r.region_code, r.indicator_code, int(r.year), r.kind): (int(r.target_id), int(r.revision))
                  for r in live.itertuples()}
        previous = {int(r.target_id): _brief(r._asdict()) for r in live.itertuples()}
        next_id = con.execute(sql.NEXT_TARGET_ID).fetchall()[0][0]
        out = []
        for row in rows:
            target_id, revision = by_key.get(kt.key_of(row), (None, 0))
            if target_id is None:
                target_id, next_id = next_id, next_id + 1
                by_key[kt.key_of(row)] = (target_id, 0)
            out.append(_row(row, target_id, revision + 1, state, who, at, version, is_demo))
        _insert(con, out)
        _audit(con, version, at, who, "targets_save", out, previous)
        # The checked rows replay through save() itself; ids let a restore map later set_state and parent_id.
        entry.update(before=version - 1, version=version, at=at, ids=[r["target_id"] for r in out],
                     rows=[{k: row.get(k) for k in JOURNAL_ROW_KEYS} for row in rows])
    return version


def set_state(wh: store.Warehouse, target_ids: list[int], state: str, who: str) -> int:
    """Confirm, drop or re-propose targets: a new revision of each with ``state``. Returns the data version."""
    if state not in kt.STATES:
        raise ValueError(f"unknown target state {state!r}")
    with journal.recording(wh, "targets_state", who=who, state=state) as entry, wh.writing() as con:
        version, at = store.next_event(con, "targets", None, who, f"{len(target_ids)} targets {state}")
        frame = kt.current_targets(con, version - 1)
        chosen = frame[frame.target_id.isin([int(i) for i in target_ids])]
        missing = set(int(i) for i in target_ids) - set(int(i) for i in chosen.target_id)
        if missing:
            raise KeyError(f"unknown target ids {sorted(missing)}")
        out = []
        for row in chosen.to_dict("records"):
            clean = {k: (None if pd.isna(v) else v) for k, v in row.items()}
            out.append(_row(clean, int(clean["target_id"]), int(clean["revision"]) + 1, state, who, at, version,
                            bool(clean.get("is_demo"))))
        _insert(con, out)
        _audit(con, version, at, who, f"targets_{state}", out,
               {int(r["target_id"]): _brief(r) for r in chosen.to_dict("records")})
        entry.update(before=version - 1, version=version, at=at, ids=[r["target_id"] for r in out],
                     keys=[list(kt.key_of(r)) for r in out])
    return version


def _brief(row: dict) -> dict:
    """What the audit log keeps of a target revision."""
    keys = ("target_id", "revision", "region_code", "indicator_code", "year", "kind", "comparator", "value", "state")
    return {k: row.get(k) for k in keys}


def _audit(con, version: int, at: dt.datetime, who: str, action: str, rows: list[dict], previous: dict) -> None:
    """One audit entry for a targets write: the previous revision (value, state) of each target it touched."""
    ids = [r["target_id"] for r in rows]
    before = [previous[i] for i in ids if i in previous]
    audit.record(con, version, at, who, action, audit.ids_text(ids), before or None, [_brief(r) for r in rows])


def _row(row: dict, target_id: int, revision: int, state: str, who: str, at: dt.datetime, version: int,
         is_demo: bool) -> dict:
    return {
        "target_id": target_id, "revision": revision, "region_code": row["region_code"],
        "indicator_code": row["indicator_code"], "year": int(row["year"]), "kind": row["kind"],
        "comparator": row["comparator"], "value": float(row["value"]), "value_min": row.get("value_min"),
        "keep": bool(row.get("keep")), "plan_attribute": row.get("plan_attribute") or "",
        "base_value": row.get("base_value"), "document": row.get("document") or "",
        "sentence": row.get("sentence") or "", "state": state, "parent_id": row.get("parent_id"),
        "basis": row.get("basis") or "", "changed_by": who, "changed_at": at, "version": version, "is_demo": is_demo,
    }


def _insert(con, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    for column in ("value_min", "base_value"):
        frame[column] = frame[column].astype("float64")
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    con.register("incoming_targets", frame)
    try:
        con.execute(sql.INSERT_TARGETS_FROM_FRAME)
    finally:
        con.unregister("incoming_targets")


# ---- files ---------------------------------------------------------------------------------------------------------


def read_rows(data: bytes, name: str) -> list[dict]:
    """The rows of a targets file: .xlsx (first sheet, header in row 1) or .csv (UTF-8 or GBK)."""
    if len(data) > read.MAX_FILE_BYTES:
        raise InputError(Problem(ERROR, name, f"文件超过{read.MAX_FILE_BYTES // 2**20} MB 的上限",
                                 "目标值文件通常只有几十KB，请确认上传的是目标值文件"))
    if name.lower().endswith((".xlsx", ".xlsm")):
        # The data files' reader: sniffing, zip-bomb and size limits, links not followed, formulas not evaluated.
        rows = read.read_file(Path(name), data=data, name=name)[0].rows
        if not rows:
            return []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [dict(zip(header, r)) for r in rows[1:]]
    text, _ = decode_text(data, name)
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def import_bytes(wh: store.Warehouse, data: bytes, name: str, *, who: str, state: str = "confirmed",
                 is_demo: bool = False) -> TargetImport:
    """Check every row of a targets file and write them all, or none (the problems say which row and why). The raw
    file is archived first, whatever the outcome."""
    pipeline.archive(wh, data, name)
    catalog, regions = pipeline.reference()
    try:
        rows = read_rows(data, name)
    except InputError as exc:
        return TargetImport("rejected", name, problems=[exc.problem.message])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        return TargetImport("rejected", name, problems=[f"无法读取文件（{type(exc).__name__}），请确认是目标值模板导出的 xlsx 或 csv"])
    header = set().union(*(r.keys() for r in rows)) if rows else set()
    missing = [c for c in kt.REQUIRED if c not in header and kt.COLUMN_NAMES[c] not in header]
    if missing:
        names = "、".join(f"{kt.COLUMN_NAMES[c]}（{c}）" for c in missing)
        return TargetImport("rejected", name, problems=[f"缺少列：{names}"])
    clean, problems = kt.check_rows(rows, catalog, regions)
    if problems or not clean:
        return TargetImport("rejected", name, problems=problems or ["文件中没有目标值"])
    version = save(wh, clean, state=state, who=who, is_demo=is_demo, detail=f"import {pipeline.safe_name(name)}")
    return TargetImport("imported", name, len(clean), version)


def export_xlsx(frame: pd.DataFrame) -> bytes:
    """Targets (kpi.targets.current_targets rows) as an xlsx with Chinese headers that import_bytes reads back."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "目标值"
    extra = {"state": "状态", "changed_by": "修改人", "changed_at": "修改时间"}
    sheet.append([kt.COLUMN_NAMES[c] for c in kt.COLUMNS] + list(extra.values()))
    for row in frame.to_dict("records"):
        values = [None if pd.isna(row.get(c)) else row.get(c) for c in kt.COLUMNS]
        values[kt.COLUMNS.index("keep")] = "是" if row.get("keep") else ""
        sheet.append(values + [kt.STATE_NAMES.get(row.get("state"), row.get("state")), row.get("changed_by"),
                               None if pd.isna(row.get("changed_at")) else row.get("changed_at")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
