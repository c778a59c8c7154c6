"""The audit log: who changed what, when, with before/after — one row per write, in that write's transaction.

Entries are appended by the write paths (etl.pipeline load/revert, etl.targets, etl.boundaries, etl.users) inside
``Warehouse.writing()`` and share the data version of the write; nothing updates or deletes them.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd

from kpi import sql

# Keys never written into before/after, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "password_hash"})


def to_json(value) -> str | None:
    """before/after as JSON text (None stays NULL); dates as ISO text, Chinese kept readable."""
    if value is None:
        return None
    return json.dumps(_scrub(value), ensure_ascii=False, default=_plain, sort_keys=True)


def _scrub(value):
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if pd.isna(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def record(con: duckdb.DuckDBPyConnection, version: int | None, at: dt.datetime | None, who: str | None, action: str,
           target: str | None, before=None, after=None) -> None:
    """Append one entry. ``at`` None: the time of event ``version``. Call inside ``Warehouse.writing``."""
    con.execute(sql.INSERT_AUDIT, {"version": version, "at": at, "who": who, "action": action,
                                   "target": None if target is None else str(target),
                                   "before": to_json(before), "after": to_json(after)})


def audit_entries(con: duckdb.DuckDBPyConnection, limit: int | None = 200) -> pd.DataFrame:
    """Newest first (``limit=None``: all). A warehouse made before the audit log existed has none."""
    if not con.execute(sql.USERS_TABLE_PRESENT).fetchall()[0][0]:
        return pd.DataFrame(columns=["version", "at", "who", "action", "target", "before", "after"])
    return con.execute(sql.AUDIT_ENTRIES, {"limit": limit}).df()


def ids_text(ids, limit: int = 50) -> str:
    """A target column for many ids: '3,4,5' or '3,4,…（共120条）'."""
    ids = [str(i) for i in ids]
    if len(ids) <= limit:
        return ",".join(ids)
    return ",".join(ids[:limit]) + f",…（共{len(ids)}条）"
