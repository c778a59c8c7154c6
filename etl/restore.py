"""Rebuilding a lost or damaged warehouse from its archive folder (`python -m etl restore`).

The archive beside the warehouse holds every raw file and the restore journal (etl/journal.py), one line per published
write. A restore replays that history, in order, through the same write paths that made it (pipeline.load_batch and
revert, targets.save and set_state, boundaries.import_bytes, the users functions), one write per journal line, into a
new file ``<name>.restoring.duckdb``; only when every line has been tried is the damaged file renamed aside (never
deleted) and the new one moved into its place. A restore killed half-way leaves the warehouse as it was (the damaged
file still in place); running it again starts over from the beginning, which is simple and gives the same result.

What a journal line cannot bring back is reported, never fatal: a file missing from the archive, a write that fails
now (a load rejected by today's catalogue, a revert of a load that was not restored), and gaps in the chain of data
versions (a process killed between publishing a write and journaling it). Warehouses made before the journal existed
are rebuilt from the archived report files alone, in the order they were archived; their reverts, targets,
boundaries and users cannot be restored, and the summary says so.

Data versions and load, target and boundary-set numbers are assigned anew by the replay: they equal the old ones only
if every write replays. Each write's original time is put back from the journal, and the restore itself is one more
event, numbered above every version the old warehouse can have shown, so caches keyed on the version never mistake
the restored warehouse for an older state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from etl import boundaries, demo, journal, pipeline, targets, users
from kpi import audit, sql, store
from kpi import targets as kt

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
BOUNDARY_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")
# Archived files without a journal line are replayed this many to a write: one write per file would copy the
# warehouse once per file. Checks do not depend on the warehouse except for jump warnings, so values are the same.
FILE_BATCH = 50
FILE_WHO = "存档恢复"
STATE_VERBS = {"confirmed": "确认", "dropped": "删除", "proposed": "改为待确认"}
KIND_NAMES = {"load": "导入", "revert": "撤销", "targets_save": "目标值", "targets_state": "目标值",
              "boundaries": "边界", "user_add": "用户", "user_disable": "用户", "user_reset": "用户"}


class RestoreRefused(Exception):
    """Nothing to do, or not allowed without --force; the message is Chinese."""


# ---- is the warehouse fine? ------------------------------------------------------------------------------------------


@dataclass
class Health:
    state: str  # ok | missing | damaged
    reason: str = ""
    version: int | None = None  # the data version it holds, if that much could be read


def health(path: Path) -> Health:
    """Whether the file opens and every block of every table reads back (DuckDB checks a block's checksum when it
    reads it, so a scan is what finds a damaged file)."""
    path = Path(path)
    if not path.exists():
        return Health("missing")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.Error, OSError) as exc:
        return Health("damaged", _reason(exc))
    version = None
    try:
        tables = [r[0] for r in con.execute(sql.LIST_TABLES).fetchall()]
        if "events" not in tables or "schema_migrations" not in tables:
            return Health("damaged", "不是本系统的数据库（缺少数据表）")
        version = store.current_version(con)
        for table in tables:
            con.execute(sql.SCAN_TABLE.format(table=table.replace('"', '""'))).fetchall()
    except duckdb.Error as exc:
        return Health("damaged", _reason(exc), version)
    finally:
        con.close()
    return Health("ok", version=version)


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text[:200]}"


# ---- what to replay --------------------------------------------------------------------------------------------------


def demo_build_name(path: Path) -> str:
    """The name etl.demo.build writes a new demo warehouse under before renaming it over ``path``: its journal lines
    belong to ``path``."""
    return path.stem + ".building.duckdb"


@dataclass
class Plan:
    db: Path
    entries: list[dict]  # the journal lines of this warehouse's history, in order (restore markers included)
    files: list[Path]  # archived report files to replay first: history from before the journal
    other_files: list[tuple[Path, str]]  # archived files that cannot be replayed, with why
    gaps: list[str]  # breaks in the chain of data versions, in Chinese
    bad_lines: list[int]
    complete: bool  # the journal starts at an empty warehouse: nothing before it is needed
    last_version: int  # the version the journal says the warehouse reached

    @property
    def writes(self) -> list[dict]:
        return [e for e in self.entries if e["kind"] != "restore"]

    @property
    def demo(self) -> bool:
        return any(e.get("is_demo") for e in self.writes)


def plan(wh: store.Warehouse) -> Plan:
    """Which journal lines and archived files rebuild ``wh``. Lines are the warehouse's own (by file name, and the
    demo build's working name), from the last write made on an empty warehouse onwards; without one, the journal
    starts after the warehouse was made, and archived report files older than its first line come first."""
    entries, bad = journal.read(wh)
    names = {wh.path.name, demo_build_name(wh.path)}
    mine = [e for e in entries if e.get("db") in names]
    starts = [i for i, e in enumerate(mine) if e["kind"] != "restore" and e.get("before") == 0]
    lineage = mine[starts[-1]:] if starts else mine
    gaps, expected, last = [], None, 0
    for e in lineage:
        before = e.get("before")
        if e["kind"] != "restore" and expected is not None and before != expected:
            if before > expected:
                missing = f"v{expected + 1}" + (f"–v{before}" if before > expected + 1 else "")
                gaps.append(f"恢复日志第{e['line']}行的写入基于数据版本 v{before}，前面的记录只到 v{expected}：{missing} "
                            f"共{before - expected}次写入没有记录（写入完成后、记入日志前进程被终止，或日志写入失败）")
            else:
                gaps.append(f"恢复日志第{e['line']}行的写入基于数据版本 v{before}，早于前面记录的 v{expected}：记录不连续")
        expected = last = e["version"]
    files, other = [], []
    if not starts:
        cutoff = dt.datetime.fromisoformat(lineage[0]["at"]) if lineage else None
        referenced = {archive for e in lineage for archive in _archives(e)}
        files, other = _archived_files(wh, cutoff, referenced)
    return Plan(wh.path, lineage, files, other, gaps, bad, bool(starts), last)


def _archived_files(wh: store.Warehouse, before: dt.datetime | None, referenced: set[str]
                    ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Report files archived before ``before`` (all, if None) and not replayed by a journal line, oldest first;
    and the other archived files, with why they are not replayed."""
    if not wh.archive_dir.is_dir():
        return [], []
    data, other = [], []
    for path in wh.archive_dir.rglob("*"):
        if not path.is_file() or path.parent == wh.archive_dir or path.name.endswith(".part"):
            continue  # the journal and its lock live at the top; .part is an archive write that never finished
        if str(path.relative_to(wh.path.parent)) in referenced:
            continue
        stat = path.stat()
        if before is not None and dt.datetime.fromtimestamp(stat.st_mtime) >= before:
            continue
        name = path.name.lower()
        if name.endswith(DATA_SUFFIXES):
            data.append((stat.st_mtime_ns, path.name, path))
        elif name.endswith(BOUNDARY_SUFFIXES):
            other.append((path, "边界文件：导入时的选项没有记录，请用 python -m etl boundaries import 重新导入"))
        else:
            other.append((path, "不是报表文件"))
    return [p for _, _, p in sorted(data)], sorted(other)


def original_name(path: Path) -> str:
    """The uploaded name of an archived file (etl.pipeline.archive prefixes 16 hex digits of its hash)."""
    head, _, rest = path.name.partition("_")
    return rest if len(head) == 16 and rest else path.name


# ---- replaying -------------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    loads: int = 0
    loads_from_files: int = 0
    demo_files: int = 0  # of which generated demo reports
    reverts: int = 0
    targets: int = 0
    boundaries: int = 0
    users: int = 0
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    rejected_files: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)  # history the journal does not hold (gaps, pre-journal)
    versions: list[tuple[int | None, int]] = field(default_factory=list)  # (journal version, restored version)
    times: list[tuple[int, dt.datetime]] = field(default_factory=list)  # (restored version, original time)
    version: int | None = None  # the restore's own event
    aside: Path | None = None

    @property
    def complete(self) -> bool:
        """Everything the warehouse held is back (exit code 0; else 3)."""
        return not (self.missing or self.failed or self.unrecorded)


class Replay:
    """Replays journal lines and archived files into ``building``, keeping the old → new number maps that later
    lines refer through (a revert names its load, a confirmation its targets)."""

    def __init__(self, building: store.Warehouse, db_dir: Path, summary: Summary, out: Callable[[str], None]):
        self.building, self.db_dir, self.summary, self.out = building, db_dir, summary, out
        self.load_ids: dict[int, int] = {}
        self.target_ids: dict[int, int] = {}

    def entry(self, e: dict) -> None:
        replay = getattr(self, "_" + e["kind"], None)
        if replay is None:
            self.fail(f"恢复日志第{e['line']}行", f"未知的记录类型“{e['kind']}”（由更新版本的程序写入？）")
            return
        replay(e)

    def _done(self, e: dict, version: int) -> None:
        self.summary.versions.append((e.get("version"), version))
        self.summary.times.append((version, dt.datetime.fromisoformat(e["at"])))

    def fail(self, label: str, why: str) -> None:
        self.summary.failed.append(f"{label}：{why}")
        self.out(f"    未能恢复：{why}")

    def _read(self, archive: str, what: str) -> bytes | None:
        path = self.db_dir / archive
        if not path.is_file():
            self.summary.missing.append(f"{archive}（{what}）")
            self.out(f"    存档中缺少文件 {archive}")
            return None
        return path.read_bytes()

    def _load(self, e: dict) -> None:
        items, files = [], []
        for item in e["loads"]:
            data = self._read(item["archive"], f"导入批次 #{item['load_id']}，{item['file']}")
            if data is None:
                continue
            if pipeline.content_hash(data) != item["content_hash"]:
                self.fail(f"导入批次 #{item['load_id']}（{item['file']}）", "存档文件的内容与导入时不同")
                continue
            items.append(item)
            files.append((data, item["file"]))
        results = pipeline.load_batch(self.building, files, who=e.get("who"), is_demo=bool(e.get("is_demo")))
        for item, result in zip(items, results):
            if result.status == "loaded":
                self.load_ids[item["load_id"]] = result.load_id
                self.summary.loads += 1
                self.summary.versions.append((item["version"], result.version))
                self.summary.times.append((result.version, dt.datetime.fromisoformat(item["at"])))
            else:
                errors = "；".join(p.message for p in result.report.errors[:3])
                why = result.message + (f"（{errors}）" if errors else "")
                self.fail(f"导入批次 #{item['load_id']}（{item['file']}）", why)

    def _revert(self, e: dict) -> None:
        label = f"撤销导入批次 #{e['load_id']}（{e['file']}）"
        load_id = self.load_ids.get(e["load_id"]) or self._active_load(e["content_hash"])
        if load_id is None:
            self.fail(label, "对应的导入批次没有恢复")
            return
        self._done(e, pipeline.revert(self.building, load_id, who=e.get("who")))
        self.summary.reverts += 1

    def _active_load(self, content_hash: str) -> int | None:
        """A load replayed from an archived file without a journal line, found by its content."""
        if not self.building.exists():
            return None
        loads = store.list_loads(self.building.connect(), limit=None)
        hits = loads[(loads.content_hash == content_hash) & (loads.status != "reverted")]
        return int(hits.load_id.iloc[0]) if len(hits) else None

    def _targets_save(self, e: dict) -> None:
        rows = [dict(r) for r in e["rows"]]
        for row in rows:
            if row.get("parent_id") is not None:
                parent = self.target_ids.get(row["parent_id"])
                if parent is None:
                    self.fail(f"保存目标值 {len(rows)} 条", f"上级目标 #{row['parent_id']} 没有恢复")
                    return
                row["parent_id"] = parent
        version = targets.save(self.building, rows, state=e["state"], who=e.get("who"),
                               is_demo=bool(e.get("is_demo")), detail=e.get("detail", ""))
        written = kt.current_targets(self.building.connect(), version)
        written = written[written.version == version]
        new_by_key = {_key(r): int(r["target_id"]) for r in written.to_dict("records")}
        for old, row in zip(e["ids"], rows):
            self.target_ids[old] = new_by_key[_key(row)]
        self._done(e, version)
        self.summary.targets += 1

    def _targets_state(self, e: dict) -> None:
        label = f"{STATE_VERBS.get(e['state'], e['state'])}目标值 {len(e['ids'])} 条"
        current = kt.current_targets(self.building.connect()) if self.building.exists() else pd.DataFrame()
        by_key: dict[tuple, list[int]] = {}
        for r in current.to_dict("records"):
            by_key.setdefault(_key(r), []).append(int(r["target_id"]))
        ids = []
        for old, key in zip(e["ids"], e["keys"]):
            # Mapped through the save that made it; else (made before the journal) the one target with its key.
            new = self.target_ids.get(old)
            same_key = by_key.get(_key(dict(zip(KEY_COLUMNS, key))), [])
            if new is None and len(same_key) == 1:
                new = same_key[0]
            if new is None:
                self.fail(label, f"目标 #{old}（{' '.join(str(k) for k in key)}）没有恢复")
                return
            ids.append(new)
        self._done(e, targets.set_state(self.building, ids, e["state"], who=e.get("who")))
        self.summary.targets += 1

    def _boundaries(self, e: dict) -> None:
        data = self._read(e["archive"], f"边界文件 {e['file']}")
        if data is None:
            return
        result = boundaries.import_bytes(self.building, data, e["file"], archive_name=e.get("archive_name"),
                                         who=e.get("who"), is_demo=bool(e.get("is_demo")), **e["options"])
        if result.status != "loaded":
            self.fail(f"导入边界 {e['file']}", result.message)
            return
        self._done(e, result.version)
        self.summary.boundaries += 1

    def _user_add(self, e: dict) -> None:
        self._done(e, users.add_user_hash(self.building, e["username"], e["password_hash"], e["role"],
                                          e.get("display_name"), who=e.get("who")))
        self.summary.users += 1

    def _user_disable(self, e: dict) -> None:
        version = users.disable_user(self.building, e["username"], who=e.get("who"))
        if version is None:
            self.fail(f"停用用户 {e['username']}", "该用户此前已停用")
            return
        self._done(e, version)
        self.summary.users += 1

    def _user_reset(self, e: dict) -> None:
        self._done(e, users.reset_password_hash(self.building, e["username"], e["password_hash"], who=e.get("who")))
        self.summary.users += 1

    def files(self, paths: list[Path]) -> None:
        """Archived report files without a journal line, oldest first, in runs of demo or other files (a demo file
        keeps its 示例数据 mark); a rejected file is reported, not fatal."""
        demo_hashes = _demo_hashes()
        run: list[tuple[int, Path, bytes]] = []
        run_is_demo = False
        for n, path in enumerate(paths, 1):
            data = path.read_bytes()
            is_demo = pipeline.content_hash(data) in demo_hashes
            if run and (is_demo != run_is_demo or len(run) == FILE_BATCH):
                self._file_run(run, run_is_demo, len(paths))
                run = []
            run_is_demo = is_demo
            run.append((n, path, data))
        if run:
            self._file_run(run, run_is_demo, len(paths))

    def _file_run(self, run: list[tuple[int, Path, bytes]], is_demo: bool, total: int) -> None:
        results = pipeline.load_batch(self.building, [(data, original_name(path)) for _, path, data in run],
                                      who=demo.DEMO_WHO if is_demo else FILE_WHO, is_demo=is_demo)
        for (n, path, _), result in zip(run, results):
            self._file_result(n, total, path, result, is_demo)

    def _file_result(self, n: int, total: int, path: Path, result: pipeline.LoadResult, is_demo: bool) -> None:
        where = path.relative_to(self.db_dir)
        if result.status == "loaded":
            self.summary.loads_from_files += 1
            self.summary.demo_files += is_demo
            self.summary.times.append((result.version, dt.datetime.fromtimestamp(path.stat().st_mtime)))
            self.out(f"  [{n}/{total}] {where}：{result.message}")
        elif result.status == "duplicate":
            self.out(f"  [{n}/{total}] {where}：内容与已恢复的文件相同，未重复导入")
        else:
            kind = "目标值文件，不能作为报表导入" if _looks_like_targets(path) else result.message
            self.summary.rejected_files.append(f"{where}：{kind}")
            self.out(f"  [{n}/{total}] {where}：{kind}")


KEY_COLUMNS = ("region_code", "indicator_code", "year", "kind")  # kpi.targets.key_of


def _key(row: dict) -> tuple:
    return str(row["region_code"]), str(row["indicator_code"]), int(row["year"]), str(row["kind"])


def _demo_hashes() -> set[str]:
    """Content hashes of the generated demo reports, so that files replayed without a journal line keep the
    示例数据 mark when they are demo files."""
    if not demo.DEFAULT_OUT.is_dir():
        return set()
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in demo.DEFAULT_OUT.rglob("*") if p.is_file()}


def _looks_like_targets(path: Path) -> bool:
    try:
        rows = targets.read_rows(path.read_bytes(), original_name(path))
    except Exception:  # any unreadable file is simply not a targets file
        return False
    header = set(rows[0]) if rows else set()
    return all(c in header or kt.COLUMN_NAMES[c] in header for c in kt.REQUIRED)


# ---- the command -----------------------------------------------------------------------------------------------------


def restore(wh: store.Warehouse, *, force: bool = False, dry_run: bool = False, who: str | None = None,
            out: Callable[[str], None] = print) -> Summary | None:
    """Rebuild ``wh`` from its archive, printing progress and a summary through ``out``. Raises RestoreRefused
    when the warehouse reads fine and ``force`` is not given. Returns None for a dry run."""
    who = who or store.current_user()
    state = health(wh.path)
    if state.state == "ok" and not (force or dry_run):
        raise RestoreRefused(
            f"数据库可以正常读取（{wh.path}，数据版本 v{state.version}），不需要恢复。"
            "如确需按存档重建，请加 --force（现有文件会改名保留，不会删除）。")
    the_plan = plan(wh)
    unrecorded = _describe(wh, state, the_plan, force, out)
    if not the_plan.entries and not the_plan.files:
        raise RestoreRefused(f"存档文件夹 {wh.archive_dir} 中没有可用于恢复的记录或报表文件，无法重建。")
    if dry_run:
        _list(the_plan, out)
        out("（试运行：没有改动任何文件。）")
        return None
    with journal.lock(wh):  # journaled writes wait: the journal must not grow behind the restore's back
        summary = _rebuild(wh, the_plan, state, who, out)
        summary.unrecorded = unrecorded
        journal.append(wh, {"kind": "restore", "db": wh.path.name, "before": None, "version": summary.version,
                            "who": who, "entries": len(the_plan.writes), "files": len(the_plan.files),
                            "failed": len(summary.failed) + len(summary.missing),
                            "aside": summary.aside.name if summary.aside else None})
    _report(wh, the_plan, state, summary, out)
    return summary


def _describe(wh: store.Warehouse, state: Health, the_plan: Plan, force: bool, out: Callable[[str], None]
              ) -> list[str]:
    """Say what the restore will do; returns what the journal cannot bring back (printed here too)."""
    if state.state == "missing":
        out(f"数据库文件不存在：{wh.path}。将按存档重建。")
    elif state.state == "damaged":
        out(f"数据库文件无法读取（{state.reason}）：{wh.path}。将按存档重建，损坏的文件会改名保留。")
    elif force:
        out(f"数据库可以正常读取（数据版本 v{state.version}），按 --force 重建，现有文件会改名保留。")
    else:
        out(f"数据库可以正常读取（数据版本 v{state.version}），不需要恢复；以下只是列出恢复时会做的事。")
    if the_plan.demo or wh.path == store.PROJECT_ROOT / "data" / "warehouse" / "kpi.duckdb":
        out(f"提示：如果这是示例数据库（没有导入过本单位的数据），也可以直接用 python -m etl build-demo --db {wh.path} "
            "重新生成，更快。")
    writes = the_plan.writes
    if writes:
        counts: dict[str, int] = {}
        for e in writes:
            counts[KIND_NAMES[e["kind"]]] = counts.get(KIND_NAMES[e["kind"]], 0) + 1
        out(f"恢复日志 {journal.journal_path(wh)}：{len(writes)} 次写入（"
            + "，".join(f"{k} {n} 次" for k, n in counts.items()) + "）。")
    notes = []
    if not the_plan.complete:
        if writes:
            notes.append(f"恢复日志从数据版本 v{writes[0]['before']} 之后开始：此前的写入早于恢复日志功能，"
                         f"只能按存档的原始报表文件重建（{len(the_plan.files)} 个文件，按存档时间先后导入），"
                         "其中的撤销、目标值、边界和用户账号无法恢复。")
        else:
            notes.append(f"恢复日志中没有这个数据库的记录（数据库建于恢复日志功能之前）：只能按存档的原始报表文件重建"
                         f"（{len(the_plan.files)} 个文件，按存档时间先后导入）。撤销记录、目标值、边界和用户账号无法恢复。")
    notes += ["注意：" + gap + "。" for gap in the_plan.gaps]
    if the_plan.bad_lines:
        notes.append(f"注意：恢复日志第 {'、'.join(map(str, the_plan.bad_lines))} 行无法读取（可能是断电时只写了一半），已跳过。")
    if the_plan.writes and state.version is not None and state.version > the_plan.last_version:
        notes.append(f"注意：数据库的数据版本为 v{state.version}，恢复日志只记到 v{the_plan.last_version}：最后 "
                     f"{state.version - the_plan.last_version} 次写入没有记录（写入完成后、记入日志前进程被终止），无法恢复。")
    for note in notes:
        out(note)
    return notes


def _label(e: dict) -> str:
    when = dt.datetime.fromisoformat(e["at"]).strftime("%Y-%m-%d %H:%M")
    kind = e["kind"]
    if kind == "load":
        names = "、".join(item["file"] for item in e["loads"][:3]) + ("等" if len(e["loads"]) > 3 else "")
        what = f"导入 {len(e['loads'])} 个文件（{names}）"
    elif kind == "revert":
        what = f"撤销导入批次 #{e['load_id']}（{e['file']}）"
    elif kind == "targets_save":
        what = f"保存目标值 {len(e['rows'])} 条（{kt.STATE_NAMES.get(e['state'], e['state'])}）"
    elif kind == "targets_state":
        what = f"{STATE_VERBS.get(e['state'], e['state'])}目标值 {len(e['ids'])} 条"
    elif kind == "boundaries":
        what = f"导入边界 {e['file']}"
    elif kind == "user_add":
        what = f"添加用户 {e['username']}"
    elif kind == "user_disable":
        what = f"停用用户 {e['username']}"
    else:
        what = f"重置用户 {e['username']} 的密码"
    return f"{what}  —— {e.get('who') or '—'}，{when}，原数据版本 v{e['version']}"


def _list(the_plan: Plan, out: Callable[[str], None]) -> None:
    if the_plan.files:
        out(f"存档中的报表文件（{len(the_plan.files)} 个，先导入）：")
        for path in the_plan.files:
            out(f"  {path.relative_to(the_plan.db.parent)}")
    writes = the_plan.writes
    for n, e in enumerate(writes, 1):
        missing = [a for a in _archives(e) if not (the_plan.db.parent / a).is_file()]
        out(f"[{n}/{len(writes)}] {_label(e)}" + (f"（存档中缺少 {len(missing)} 个文件）" if missing else ""))


def _archives(e: dict) -> list[str]:
    return [item["archive"] for item in e.get("loads", [])] + ([e["archive"]] if e["kind"] == "boundaries" else [])


def _rebuild(wh: store.Warehouse, the_plan: Plan, state: Health, who: str, out: Callable[[str], None]) -> Summary:
    """Replay into a new file beside the warehouse, then swap it in under the writer lock."""
    building = store.Warehouse(wh.path.with_name(wh.path.stem + ".restoring.duckdb"))
    _remove(building)  # a restore that was killed: start over
    summary = Summary()
    replay = Replay(building, wh.path.parent, summary, out)
    try:
        with journal.paused():
            if the_plan.files:
                out(f"按存档文件重建（{len(the_plan.files)} 个文件）：")
                replay.files(the_plan.files)
            writes = the_plan.writes
            for n, e in enumerate(writes, 1):
                out(f"[{n}/{len(writes)}] {_label(e)}")
                try:
                    replay.entry(e)
                except Exception as exc:  # one line failing must not stop the others
                    log.info("restore: journal line %s failed", e.get("line"), exc_info=True)
                    replay.fail(f"恢复日志第{e['line']}行（{_label(e)}）", _why(exc))
            summary.version = _finish(building, the_plan, state, summary, who)
        with wh.writer_lock():
            summary.aside = _set_aside(wh, state)
            os.replace(building.path, wh.path)
            store._fsync_dir(wh.path.parent)
    finally:
        _remove(building)
    return summary


def _why(exc: Exception) -> str:
    if isinstance(exc, ValueError) and str(exc):  # UserError and the pipeline's refusals: Chinese already
        return str(exc)
    return f"出错（{type(exc).__name__}: {str(exc)[:200]}）"


def _finish(building: store.Warehouse, the_plan: Plan, state: Health, summary: Summary, who: str) -> int:
    """One last write: each write's original time back from the journal, and the restore as its own event."""
    restored = store.current_version(building.connect()) if building.exists() else 0
    version = max(restored, the_plan.last_version, state.version or 0) + 1
    at = dt.datetime.now()
    times = pd.DataFrame({"version": pd.Series([v for v, _ in summary.times], dtype="int64"),
                          "original_at": pd.to_datetime(pd.Series([t for _, t in summary.times], dtype=object))})
    with building.writing() as con:
        store.sync_reference(con, *pipeline.reference())  # even when nothing replayed: a self-describing file
        con.register("restored_times", times)
        try:
            for statement in sql.RESTORE_TIMES:
                con.execute(statement)
        finally:
            con.unregister("restored_times")
        detail = f"restore: {summary.loads + summary.loads_from_files} loads, {len(summary.failed)} failed"
        con.execute(sql.INSERT_EVENT, {"version": version, "at": at, "action": "restore", "load_id": None,
                                       "who": who, "detail": detail})
        audit.record(con, version, at, who, "restore", building.path.name.replace(".restoring", ""), None, {
            "loads": summary.loads, "loads_from_files": summary.loads_from_files, "reverts": summary.reverts,
            "targets": summary.targets, "boundaries": summary.boundaries, "users": summary.users,
            "missing": len(summary.missing), "failed": len(summary.failed)})
    return version


def _set_aside(wh: store.Warehouse, state: Health) -> Path | None:
    """Rename the old file (and its .wal) out of the way; never delete it."""
    if not wh.path.exists():
        return None
    tag = "damaged" if state.state != "ok" else "before-restore"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = wh.path.with_name(f"{wh.path.name}.{tag}-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = wh.path.with_name(f"{wh.path.name}.{tag}-{stamp}-{n}")
    os.replace(wh.path, aside)
    wal = wh.path.with_name(wh.path.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    return aside


def _remove(building: store.Warehouse) -> None:
    path = building.path
    for leftover in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".lock"),
                     *path.parent.glob(path.name + ".tmp*")):
        leftover.unlink(missing_ok=True)


def _report(wh: store.Warehouse, the_plan: Plan, state: Health, summary: Summary, out: Callable[[str], None]) -> None:
    out(f"恢复完成：{wh.path}（数据版本 v{summary.version}）")
    loads = f"导入批次 {summary.loads} 个"
    if the_plan.files:
        loads += f"，另按存档文件导入 {summary.loads_from_files} 个"
    out(f"  {loads}；撤销 {summary.reverts} 次；目标值变更 {summary.targets} 次；边界导入 {summary.boundaries} 次；"
        f"用户变更 {summary.users} 次")
    if the_plan.files or any(old != new for old, new in summary.versions):
        out("  数据版本号和导入批次号已重新编号，与原来不同：按旧版本号收藏的页面地址（version=…）、"
            "记下的导入批次号将对应不同的内容。")
    else:
        out("  各次写入的数据版本号、导入批次号与原来一致。")
    out(f"  恢复本身记为数据版本 v{summary.version}；各次写入的时间按恢复日志还原。")
    if summary.missing:
        out(f"  存档中缺少的文件（{len(summary.missing)} 个）：")
        out("\n".join("    " + m for m in summary.missing))
    if summary.failed:
        out(f"  未能恢复的记录（{len(summary.failed)} 条）：")
        out("\n".join("    " + f for f in summary.failed))
    if summary.rejected_files:
        out(f"  未导入的存档文件（{len(summary.rejected_files)} 个）：")
        out("\n".join("    " + f for f in summary.rejected_files))
    if the_plan.other_files:
        out(f"  未恢复的其他存档文件（{len(the_plan.other_files)} 个）：")
        out("\n".join(f"    {p.relative_to(wh.path.parent)}：{why}" for p, why in the_plan.other_files))
    if not the_plan.complete:
        out("  没有恢复日志的部分：撤销记录、目标值、边界和用户账号无法恢复，请重新设置。")
    if len(summary.unrecorded) > (not the_plan.complete):
        out("  恢复日志有缺口（见上）：缺少记录的写入无法恢复。")
    if summary.demo_files:
        out(f"  其中 {summary.demo_files} 个是示例报表：示例数据库用 python -m etl build-demo --db {wh.path} 重新生成更完整"
            "（含示例目标值和边界）。")
    if summary.aside:
        out(f"  原数据库文件已改名保留：{summary.aside}")
