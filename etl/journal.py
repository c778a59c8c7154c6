"""The restore journal: one JSON line per published write in ``archive/journal.jsonl``, so that
``python -m etl restore`` can rebuild a lost or damaged warehouse by replaying its history in order.

The archive already keeps every raw file; the journal adds what the files cannot tell: which loads were made (and in
which order and batches), which were reverted, every target change, boundary import options and user change.

At most once. A line is appended (and fsync-ed) only after the write it describes was published, so a write that
never reached the warehouse is never replayed. The price is a tiny window: a process killed between the publish and
the append leaves a write in the warehouse that the journal does not know. Each line records the data version it
started from (``before``) and the one it made (``version``); a restore checks that they chain and reports any gap.

Ordering. Journaled writes take the journal lock before the warehouse's writer lock and keep it until their line is
written, so the lines are in the order the writes were published. Writers that are not journaled (sign-in counters,
schema upgrades) take only the writer lock.

Failure to journal never fails a write that already published: it is logged and warned about (JournalWarning), and
a later restore reports the gap it leaves.

User changes are journaled with the password *hash* (never the password), so the journal holds hashes just as the
warehouse's users table does: protect the archive folder like the database file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

import pandas as pd

from kpi import sql, store

JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "journal.lock"
# Same patience as the warehouse's writer lock: the journal lock is held for exactly as long as a write.
LOCK_TIMEOUT = 120.0

log = logging.getLogger(__name__)

_paused: ContextVar[bool] = ContextVar("journal_paused", default=False)


class JournalWarning(UserWarning):
    """A published write could not be recorded in the restore journal."""


def journal_path(wh: store.Warehouse) -> Path:
    return wh.archive_dir / JOURNAL_NAME


@contextmanager
def paused() -> Iterator[None]:
    """Writes made inside are not journaled: a restore replays the journal into a new file, and the journal already
    holds those writes."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@contextmanager
def recording(wh: store.Warehouse, kind: str, **fields) -> Iterator[dict]:
    """Wrap one write: ``with recording(wh, "load", who=…) as entry, wh.writing() as con:``.

    The caller fills ``entry`` inside the write: ``before`` (``store.current_version(con)`` at the start) and
    ``version`` (the version it made) plus what a replay needs. The line is appended after the block completes,
    i.e. after ``writing()`` published; nothing is appended if the block raised or left ``version`` unset (a write
    that changed no data, such as a batch of repeats).
    """
    entry = {"kind": kind, "db": wh.path.name, **fields}
    if _paused.get():
        yield entry  # filled and dropped
        return
    with lock(wh):
        yield entry
        if entry.get("version") is not None:
            append(wh, entry)


def append(wh: store.Warehouse, entry: dict) -> bool:
    """Append one line and fsync it; False (logged, warned) if that failed. Never raises."""
    now = dt.datetime.now()
    entry = {**entry, "at": entry.get("at") or now, "recorded_at": now}
    try:
        line = json.dumps(plain(entry), ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
        path = journal_path(wh)
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line  # the previous append was cut off (power loss): keep this line whole
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            store._fsync_dir(path.parent)
        return True
    except Exception as exc:  # anything: the write itself is already published
        message = (f"写入已完成，但未能记入恢复日志 {journal_path(wh)}（{type(exc).__name__}: {exc}）："
                   "数据库损坏时这次写入无法自动恢复。请检查磁盘空间和存档文件夹的权限。")
        log.warning(message)
        warnings.warn(message, JournalWarning, stacklevel=3)
        return False


def event_time(con, version: int) -> dt.datetime:
    """When event ``version`` happened (inside the write that made it): the time a restore puts back."""
    return con.execute(sql.EVENT_TIME, {"version": version}).fetchall()[0][0]


def read(wh_or_path: store.Warehouse | Path) -> tuple[list[dict], list[int]]:
    """Every entry in file order, each with its line number as ``line``; and the numbers of lines that are not
    valid JSON (a line cut off by a crash). A missing journal is empty."""
    path = journal_path(wh_or_path) if isinstance(wh_or_path, store.Warehouse) else Path(wh_or_path)
    entries, bad = [], []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            bad.append(number)
            continue
        if isinstance(entry, dict) and "kind" in entry:
            entries.append(entry | {"line": number})
        else:
            bad.append(number)
    return entries, bad


def plain(value):
    """JSON-ready: numpy scalars as Python numbers, NaN as null, dates as ISO text, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):  # pandas Timestamps included
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if str(value) in ("NaT", "<NA>"):
        return None
    return str(value)


@contextmanager
def lock(wh: store.Warehouse) -> Iterator[None]:
    """The journal lock (one per archive folder, as the journal is), held by every journaled write and by a whole
    restore. If it cannot even be opened (a read-only folder), the write goes ahead unordered: journaling must not
    stop a write."""
    try:
        wh.archive_dir.mkdir(parents=True, exist_ok=True)
        fh = open(wh.archive_dir / LOCK_NAME, "a+")
    except OSError as exc:
        log.warning("恢复日志锁无法打开（%s），本次写入不排队记日志", exc)
        yield
        return
    with fh, store.held(fh, LOCK_TIMEOUT):
        yield

