"""Managing local accounts (``python -m etl users …``): add, disable, reset the password, list.

Every change is one write: a data-version event ("users") plus an audit_log row with before/after (never the
password hash), inside ``Warehouse.writing()``. The restore journal (etl/journal.py) records adds and resets with
the password hash — never the password — so that a restore can rebuild the accounts: it holds hashes as the users
table does.
"""

from __future__ import annotations

import datetime as dt
import re

from etl import journal, pipeline
from kpi import audit, auth, sql, store

USERNAME = re.compile(r"^[\w.@-]{1,64}$")


class UserError(ValueError):
    """A user change refused; the message is Chinese."""


def _check_password(password: str) -> None:
    problem = auth.password_problem(password)
    if problem:
        raise UserError(problem)


def add_user(wh: store.Warehouse, username: str, password: str, role: str, display_name: str | None = None,
             who: str | None = None) -> int:
    """Create an account; returns the data version written."""
    if not USERNAME.match(username or ""):
        raise UserError("用户名只能由字母、数字、汉字和 . _ @ - 组成，最长64个字符")
    if role not in auth.ROLES:
        raise UserError(f"未知的角色“{role}”")
    _check_password(password)
    return add_user_hash(wh, username, auth.hash_password(password), role, display_name, who)


def add_user_hash(wh: store.Warehouse, username: str, password_hash: str, role: str, display_name: str | None = None,
                  who: str | None = None) -> int:
    """``add_user`` with the password already hashed: what a restore replays (the journal keeps only the hash)."""
    who = who or store.current_user()
    display_name = display_name or username
    with journal.recording(wh, "user_add", who=who, username=username, display_name=display_name, role=role,
                           password_hash=password_hash) as entry, wh.writing() as con:
        if auth.get_user(con, username) is not None:
            raise UserError(f"用户“{username}”已存在")
        store.sync_reference(con, *pipeline.reference())  # the first write may be this one: keep the file self-describing
        version, at = store.next_event(con, "users", None, who, f"add {username}")
        con.execute(sql.INSERT_USER, {"username": username, "display_name": display_name, "role": role,
                                      "password_hash": password_hash, "at": at})
        audit.record(con, version, at, who, "user_add", username, None, auth.get_user(con, username).public())
        entry.update(before=version - 1, version=version, at=at)
    return version


def disable_user(wh: store.Warehouse, username: str, who: str | None = None) -> int | None:
    """Disable an account (it stays on record); returns the version, or None if it was already disabled."""
    who = who or store.current_user()
    with journal.recording(wh, "user_disable", who=who, username=username) as entry, wh.writing() as con:
        before = _existing(con, username)
        if before.disabled:
            return None
        version, at = store.next_event(con, "users", None, who, f"disable {username}")
        con.execute(sql.SET_USER_DISABLED, {"username": username, "disabled": True, "at": at})
        audit.record(con, version, at, who, "user_disable", username, before.public(),
                     auth.get_user(con, username).public())
        entry.update(before=version - 1, version=version, at=at)
    return version


def reset_password(wh: store.Warehouse, username: str, password: str, who: str | None = None) -> int:
    """Set a new password and clear any lock-out; returns the data version."""
    _check_password(password)
    return reset_password_hash(wh, username, auth.hash_password(password), who)


def reset_password_hash(wh: store.Warehouse, username: str, password_hash: str, who: str | None = None) -> int:
    """``reset_password`` with the password already hashed: what a restore replays."""
    who = who or store.current_user()
    with journal.recording(wh, "user_reset", who=who, username=username, password_hash=password_hash) as entry, \
            wh.writing() as con:
        before = _existing(con, username)
        version, at = store.next_event(con, "users", None, who, f"reset {username}")
        con.execute(sql.RESET_USER_PASSWORD, {"username": username, "password_hash": password_hash, "at": at})
        after = auth.get_user(con, username).public() | {"password_changed": True}
        audit.record(con, version, at, who, "user_reset", username, before.public(), after)
        entry.update(before=version - 1, version=version, at=at)
    return version


def list_users(wh: store.Warehouse) -> list[auth.User]:
    return auth.list_users(wh.connect()) if wh.exists() else []


def _existing(con, username: str) -> auth.User:
    user = auth.get_user(con, username)
    if user is None:
        raise UserError(f"没有用户“{username}”")
    return user


def state_text(user: auth.User, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    if user.disabled:
        return "已停用"
    if user.locked(now):
        return f"锁定至 {user.locked_until:%Y-%m-%d %H:%M}"
    return "正常"
