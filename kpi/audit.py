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


# What each action is called on the 操作日志 page: targets_save writes rows (etl.targets.save/import),
# targets_<state> changes the state of existing ones (etl.targets.set_state).
ACTION_NAMES = {
    "load": "导入报表", "revert": "撤销导入", "boundaries": "导入边界", "restore": "按存档重建数据库",
    "targets_save": "目标：保存/导入/修改", "targets_confirmed": "目标：确认", "targets_dropped": "目标：删除",
    "targets_proposed": "目标：退回待确认",
    "user_add": "账号：添加", "user_disable": "账号：停用", "user_reset": "账号：重置密码", "user_locked": "账号：连续输错被锁定",
}


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def audit_frame(entries: pd.DataFrame, actions: list[str] | None = None, who: str | None = None,
                limit: int = 1000) -> pd.DataFrame:
    """``entries`` (audit_entries, newest first) as the 操作日志 page lists them (Chinese headers, action names),
    optionally only some actions or one person's, the newest ``limit``; before/after stay the JSON text that was
    written, so nothing is re-interpreted."""
    if actions:
        entries = entries[entries["action"].isin(actions)]
    if who:
        entries = entries[entries["who"] == who]
    entries = entries.head(limit)
    return pd.DataFrame({
        "数据版本": entries["version"], "时间": entries["at"], "操作人": entries["who"],
        "操作": entries["action"].map(action_name), "对象": entries["target"],
        "修改前": entries["before"], "修改后": entries["after"],
    }).reset_index(drop=True)
