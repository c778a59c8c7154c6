"""The DuckDB warehouse: one file, replaced atomically by each write, read through read-only snapshots.

DuckDB lets one process write a file, and a writer locks readers out. A bureau's app must keep serving while a township's
file loads, so the loader never writes the file the app reads: it copies it, writes the copy inside one transaction,
checkpoints, and ``os.replace``-s the copy over the original. Readers hold a read-only connection to whatever inode the
path named when they opened it, notice the path now names a new file, and move to it on their next query. A crash or
kill before the replace leaves only a stray ``.tmp`` file; the warehouse is exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from kpi import sql

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DB_ENV = "KPI_DB"


DEMO_DB_PATH = PROJECT_ROOT / "data" / "warehouse" / "kpi.duckdb"


def default_db_path() -> Path:
    """The warehouse named by $KPI_DB, else the demo warehouse under data/."""
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEMO_DB_PATH


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


class WarehouseBusy(RuntimeError):
    """Another load holds the writer lock."""


class WarehouseMissing(FileNotFoundError):
    """No warehouse file at the path yet."""


@dataclass(frozen=True)
class FileIdentity:
    inode: int
    mtime_ns: int
    size: int


def _identity(path: Path) -> FileIdentity | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return FileIdentity(st.st_ino, st.st_mtime_ns, st.st_size)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this file lacks, in order; returns the names applied."""
    con.execute(sql.CREATE_MIGRATIONS_TABLE)
    done = {r[0] for r in con.execute(sql.APPLIED_MIGRATIONS).fetchall()}
    applied = []
    for name, ddl in sql.MIGRATIONS:
        if name in done:
            continue
        con.execute(ddl)
        con.execute(sql.RECORD_MIGRATION, {"name": name})
        applied.append(name)
    return applied


@contextmanager
def held(fh, timeout: float) -> Iterator[None]:
    """An exclusive flock on the open file ``fh``, waited for up to ``timeout`` seconds (then WarehouseBusy). The
    kernel drops it if the process dies, so a killed writer never leaves a lock behind."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise WarehouseBusy("另一个导入任务正在写入数据库，请稍后再试。") from None
            time.sleep(0.05)
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)


class Warehouse:
    """A warehouse file plus its writer lock, temp files and raw-file archive, all side by side."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_db_path()
        self.archive_dir = self.path.parent / "archive"
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._snapshot: tuple[FileIdentity, duckdb.DuckDBPyConnection] | None = None
        self._snapshot_lock = threading.Lock()

    def exists(self) -> bool:
        return self.path.exists()

    # ---- writing -------------------------------------------------------------------------------------------------

    @contextmanager
    def writer_lock(self, timeout: float = 120.0) -> Iterator[None]:
        """Serialise writers across processes. Held for the whole read-modify-publish cycle."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as fh, held(fh, timeout):
            yield

    @contextmanager
    def writing(self, fresh: bool = False, timeout: float = 120.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection to a private copy of the warehouse; publish it only if the block completes.

        ``fresh`` starts from an empty file (build-demo). The caller's block runs inside one transaction.
        """
        with self.writer_lock(timeout):
            self._remove_stale_temps()
            tmp = self.path.with_name(f"{self.path.name}.tmp{os.getpid()}")
            if self.path.exists() and not fresh:
                shutil.copyfile(self.path, tmp)
            con = duckdb.connect(str(tmp))
            published = False
            try:
                migrate(con)
                con.execute("BEGIN TRANSACTION")
                yield con
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
                con.close()
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
                _fsync_dir(self.path.parent)
                published = True
            finally:
                if not published:
                    try:
                        con.close()
                    except duckdb.Error:
                        pass
                    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                        leftover.unlink(missing_ok=True)

    def upgrade(self) -> list[str]:
        """Apply the schema migrations this file lacks (a warehouse made by an older version), publishing the result
        like any write; the data and its version are untouched. Returns the names applied."""
        pending = pending_migrations(self.connect())
        if pending:
            with self.writing():  # migrates the copy it hands out, then publishes it
                pass
        return pending

    def _remove_stale_temps(self) -> None:
        """Temp copies of writers that died (we hold the lock, so none is live)."""
        for stale in self.path.parent.glob(self.path.name + ".tmp*"):
            stale.unlink(missing_ok=True)

    # ---- reading -------------------------------------------------------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published snapshot. Cheap: call it per query, one per thread.

        Raises WarehouseMissing when nothing was ever published.
        """
        with self._snapshot_lock:
            ident = _identity(self.path)
            if ident is None:
                raise WarehouseMissing(f"数据库文件不存在：{self.path}。请先运行 python -m etl build-demo 或导入数据。")
            if self._snapshot is None or self._snapshot[0] != ident:
                # The old connection is dropped, not closed: a thread may still be reading through a cursor of it,
                # and its inode stays readable until the last handle goes.
                self._snapshot = (ident, self._open_snapshot(ident))
            return self._snapshot[1].cursor()

    def _open_snapshot(self, ident: FileIdentity) -> duckdb.DuckDBPyConnection:
        """Open the file the path names now, through a private hard link.

        DuckDB caches database instances by path within a process: connecting to the same path again while the old
        snapshot is still referenced would hand back the old file. A link name unique to this inode and process
        gets a fresh instance; the link is removed at once, the open handle keeps the inode alive.
        """
        link = self.path.with_name(f".{self.path.name}.read-{os.getpid()}-{ident.inode}-{ident.mtime_ns}")
        link.unlink(missing_ok=True)
        os.link(self.path, link)
        try:
            return duckdb.connect(str(link), read_only=True)
        finally:
            link.unlink(missing_ok=True)

    def identity(self) -> FileIdentity | None:
        return _identity(self.path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- queries ------------------------------------------------------------------------------------------------------


def _one(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> tuple | None:
    """The first row, with the result fully consumed (DuckDB 2 refuses new work on a connection with rows pending)."""
    rows = con.execute(query, params or {}).fetchall()
    return rows[0] if rows else None


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the migrations this warehouse has not applied yet (read-only check)."""
    try:
        done = {r[0] for r in con.execute(sql.APPLIED_MIGRATIONS).fetchall()}
    except duckdb.CatalogException:
        done = set()
    return [name for name, _ in sql.MIGRATIONS if name not in done]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    return _one(con, sql.CURRENT_VERSION)[0]


def version_at(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> int:
    """The data version in force at a moment (0 = before any load)."""
    return _one(con, sql.VERSION_AT, {"at": at})[0]


def version_of_load(con: duckdb.DuckDBPyConnection, load_id: int) -> int | None:
    row = _one(con, sql.VERSION_OF_LOAD, {"load_id": load_id})
    return row[0] if row else None


def observations(con: duckdb.DuckDBPyConnection, version: int | None = None) -> pd.DataFrame:
    """Observations in force at ``version`` (default: now), one row per region/indicator/period, with the load
    that produced each value."""
    if version is None:
        version = current_version(con)
    return con.execute(sql.OBSERVATIONS_AS_OF, {"version": version}).df()


def list_loads(con: duckdb.DuckDBPyConnection, limit: int | None = 1000) -> pd.DataFrame:
    """Newest first; ``limit=None`` lists every load (DuckDB reads LIMIT NULL as no limit)."""
    return con.execute(sql.LIST_LOADS, {"limit": limit}).df()


def get_load(con: duckdb.DuckDBPyConnection, load_id: int) -> dict | None:
    cur = con.execute(sql.GET_LOAD, {"load_id": load_id})
    rows = cur.fetchall()
    return dict(zip([d[0] for d in cur.description], rows[0])) if rows else None


def load_messages(con: duckdb.DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    return con.execute(sql.LOAD_MESSAGES, {"load_id": load_id}).df()


def list_indicators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(sql.LIST_INDICATORS).df()


def freshness(con: duckdb.DuckDBPyConnection, version: int | None = None) -> dict:
    """Version, when it was written and number of active demo loads as of ``version`` (default: now), in one cheap
    query."""
    version = current_version(con) if version is None else version
    cur = con.execute(sql.FRESHNESS, {"version": version})
    return dict(zip([d[0] for d in cur.description], cur.fetchall()[0]))


def status(con: duckdb.DuckDBPyConnection, version: int | None = None) -> dict:
    """What the warehouse held as of ``version`` (default: now), for `etl status` and 指标目录."""
    version = current_version(con) if version is None else version
    cur = con.execute(sql.STATUS_COUNTS, {"version": version})
    info = dict(zip([d[0] for d in cur.description], cur.fetchall()[0]))
    info["observations_current"] = _one(con, sql.COUNT_CURRENT, {"version": info["version"]})[0]
    info["regions"] = dict(con.execute(sql.REGIONS_PER_LEVEL).fetchall())
    return info


# ---- writes (only the ETL calls these, inside Warehouse.writing) ----------------------------------------------------


def sync_reference(con: duckdb.DuckDBPyConnection, catalog, regions) -> None:
    """Copy the catalogue and region files into the warehouse so a snapshot is self-describing."""
    rank = {"province": 1, "city": 2, "county": 3, "township": 4}
    frames = {
        "indicators": pd.DataFrame(
            [(i.code, i.name, i.area, i.unit, i.kind, i.numerator, i.denominator, i.scale, i.direction,
              i.plan_attribute, i.basis, i.definition, i.frequency, n) for n, i in enumerate(catalog)]),
        "regions": pd.DataFrame(
            [(r.code, r.name, r.level, r.parent_code, r.type, "|".join(r.alt_codes), r.status) for r in regions]),
        "region_tree": pd.DataFrame(
            [(a.code, r.code, rank[r.level], r.status == "current")
             for r in regions for a in [r, *regions.ancestors(r.code)]]),
    }
    for table, frame in frames.items():
        # Bulk insert from a frame: DuckDB's executemany goes row by row.
        con.register("reference_frame", frame)
        con.execute(sql.REPLACE_REFERENCE[table][0])
        con.execute(sql.REPLACE_REFERENCE[table][1])
        con.unregister("reference_frame")


def next_event(con: duckdb.DuckDBPyConnection, action: str, load_id: int | None, who: str, detail: str = ""
               ) -> tuple[int, dt.datetime]:
    """Record a write; returns its version and time, which the load or revert record reuses so both agree."""
    version, at = current_version(con) + 1, dt.datetime.now()
    con.execute(
        sql.INSERT_EVENT,
        {"version": version, "at": at, "action": action, "load_id": load_id, "who": who, "detail": detail},
    )
    return version, at


def find_active_load_with_data(con: duckdb.DuckDBPyConnection, data_hash: str) -> tuple | None:
    """An active load that brought exactly these values (whatever the file's bytes: re-saving a workbook changes
    them but not its content)."""
    return _one(con, sql.ACTIVE_LOAD_WITH_DATA, {"hash": data_hash})


def insert_load(con: duckdb.DuckDBPyConnection, *, file_name: str, content_hash: str, data_hash: str, sheets: str,
                layout: str,
                archive_path: str, rows_read: int, who: str, observations_df: pd.DataFrame,
                messages: list[tuple], is_demo: bool = False) -> tuple[int, int]:
    """Record one load and its observations; returns (load_id, version)."""
    load_id = _one(con, sql.NEXT_LOAD_ID)[0]
    version, at = next_event(con, "load", load_id, who, file_name)
    con.execute(
        sql.INSERT_LOAD,
        {"load_id": load_id, "file_name": file_name, "content_hash": content_hash, "data_hash": data_hash,
         "sheets": sheets,
         "layout": layout, "archive_path": archive_path, "loaded_at": at, "loaded_by": who,
         "rows_read": rows_read, "values_loaded": len(observations_df), "warnings": len(messages),
         "version": version, "is_demo": is_demo},
    )
    frame = observations_df.assign(load_id=load_id)[
        ["load_id", "region_code", "indicator_code", "period", "value", "raw_value", "raw_unit", "sheet", "cell"]
    ]
    con.register("incoming_observations", frame)
    con.execute(sql.INSERT_OBSERVATIONS_FROM_FRAME)
    con.unregister("incoming_observations")
    if messages:
        con.executemany(sql.INSERT_MESSAGE, [(load_id, *m) for m in messages])
    return load_id, version


def revert_load(con: duckdb.DuckDBPyConnection, load_id: int, who: str) -> int:
    version, at = next_event(con, "revert", load_id, who)
    con.execute(sql.REVERT_LOAD, {"at": at, "who": who, "version": version, "load_id": load_id})
    return version


def values_for(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame, version: int | None = None) -> pd.DataFrame:
    """Current values for the (region_code, indicator_code, period) rows of ``keys``."""
    if version is None:
        version = current_version(con)
    con.register("wanted_keys", keys[["region_code", "indicator_code", "period"]])
    try:
        return con.execute(sql.VALUES_FOR_KEYS, {"version": version}).df()
    finally:
        con.unregister("wanted_keys")
