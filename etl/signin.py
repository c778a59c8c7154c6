"""Who is running a write from the command line, and whether they may (issue 8).

The CLI runs on the server, so whoever types it could copy the database file anyway; signing in here is about the
same rules and the same audit trail as the app, not about keeping a shell user out. Once the warehouse has accounts,
every write command names an account (``--user``) and proves it with that account's password (typed, or
``$KPI_PASSWORD`` for scripts); the role check is kpi.access's, shared with the pages.

Two bootstrap cases need no account, or a bureau could lock itself out for good:
- no account exists yet: anything may run, recorded under ``--user`` or the system login, with a warning — and the
  first account made must be a 管理 one;
- accounts exist but no usable 管理 account (all disabled, or the password lost): ``users add`` / ``users reset``
  may run, so an administrator can be made again.
"""

from __future__ import annotations

import getpass
import os
import sys

from kpi import access, auth, store

PASSWORD_ENV = "KPI_PASSWORD"


class Refused(PermissionError):
    """The command may not run as asked; the message is Chinese."""


def _accounts(wh: store.Warehouse) -> list[auth.User]:
    if not wh.exists():
        return []
    return auth.list_users(wh.connect())


def _warn(text: str) -> None:
    print(text, file=sys.stderr)


def _password(username: str) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    return getpass.getpass(f"账号 {username} 的密码：")


def actor(wh: store.Warehouse, username: str | None, action: str, *, first_role: str | None = None) -> str:
    """The name to record for a write of kind ``action`` (a kpi.access action), after checking who may run it.

    ``first_role`` is the role of the account ``users add`` is about to create (for the first-account rule).
    Raises Refused with the reason.
    """
    accounts = _accounts(wh)
    if not accounts:
        if first_role is not None and first_role != "admin":
            raise Refused("数据库中还没有账号：第一个账号必须是管理员（--role admin），之后由管理员添加其他账号")
        who = username or store.current_user()
        if action != "users":
            _warn(f"提示：数据库中还没有账号，本次操作未验证身份，记录为“{who}”。"
                 "建议先创建管理员账号：python -m etl users add 用户名 --role admin")
        return who
    admins = [u for u in accounts if u.role == "admin" and not u.disabled]
    if action == "users" and not admins:
        who = username or store.current_user()
        _warn(f"提示：数据库中没有可用的管理员账号，允许在服务器上直接管理账号以恢复管理员，记录为“{who}”。")
        return who
    if not username:
        least = auth.role_rank(access.required_role(action))
        roles = "、".join(auth.ROLES[r] for r in auth.ROLE_ORDER[least:])
        raise Refused(f"数据库中已有账号：请用 --user 指定一个{roles}角色的账号"
                      f"（密码在提示时输入，脚本中可用环境变量 {PASSWORD_ENV}）")
    try:
        user = auth.authenticate(wh, username, _password(username))
    except auth.AuthError as exc:
        raise Refused(str(exc)) from None
    why = access.refusal(auth.Session.start(user), action)
    if why:
        raise Refused(why)
    return user.username
