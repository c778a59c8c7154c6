"""Local accounts: roles, password hashing, sign-in with lock-out, and sessions that expire (issue 8).

Pure domain code (no Streamlit, no etl). Passwords are hashed with the standard library's scrypt (a slow, salted,
memory-hard hash) and stored as ``scrypt$n$r$p$salt_hex$hash_hex``. Reading users takes a connection; the only
write here — the failure counter and the lock after repeated wrong passwords — goes through ``Warehouse.writing``.
Accounts are created, disabled and reset by ``python -m etl users …`` (etl/users.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass, field

import duckdb

from kpi import audit, sql, store

# Each role includes the ones before it: 管理 ⊇ 填报 ⊇ 查看.
ROLES = {"view": "查看", "load": "填报", "admin": "管理"}
ROLE_ORDER = tuple(ROLES)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
LOCK_DURATION = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=8)


class AuthError(Exception):
    """Sign-in refused; the message (Chinese) can be shown to the user as is."""


# ---- passwords -------------------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str | None) -> bool:
    """True when ``password`` matches ``encoded``; a malformed or foreign hash never matches."""
    try:
        scheme, n, r, p, salt_hex, hash_hex = (encoded or "").split("$")
        n, r, p = int(n), int(r), int(p)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
    except ValueError:
        return False
    # Bounds keep a tampered hash from asking for gigabytes of memory.
    if scheme != "scrypt" or not (2 <= n <= 2 ** 20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16) \
            or not expected:
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = 32) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=128 * n * r * p + 2 ** 20)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable (Chinese), or None."""
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少需要{MIN_PASSWORD_LENGTH}个字符"
    if not password.strip():
        return "密码不能全是空格"
    if len(password) > 1024:
        return "密码过长（不超过1024个字符）"
    return None


# A hash to check unknown user names against, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * SALT_BYTES}${'00' * 32}"


# ---- users and roles ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    username: str
    display_name: str | None
    role: str
    password_hash: str = field(repr=False)
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def public(self) -> dict:
        """Everything but the password hash (for the audit log and listings)."""
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "disabled": self.disabled, "failed_attempts": self.failed_attempts, "locked_until": self.locked_until}


def role_rank(role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"未知的角色“{role}”（可用：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}）")
    return ROLE_ORDER.index(role)


def can(user, role: str) -> bool:
    """Whether ``user`` (a User or Session, or None for nobody signed in) holds ``role`` or a higher one."""
    if user is None or getattr(user, "disabled", False) or getattr(user, "role", None) not in ROLES:
        return False
    return role_rank(user.role) >= role_rank(role)


def _user(row) -> User | None:
    return User(*row) if row else None


def users_present(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(sql.USERS_TABLE_PRESENT).fetchall()[0][0])


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    if not users_present(con):
        return None
    rows = con.execute(sql.GET_USER, {"username": username}).fetchall()
    return _user(rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    if not users_present(con):
        return []
    return [_user(r) for r in con.execute(sql.LIST_USERS).fetchall()]


# ---- sign-in -----------------------------------------------------------------------------------------------------------

WRONG = "用户名或密码错误"


def authenticate(warehouse: store.Warehouse, username: str, password: str, now: dt.datetime | None = None) -> User:
    """The user, if ``password`` is right and the account is usable; else AuthError with a Chinese message.

    ``MAX_FAILURES`` wrong passwords in a row lock the account for ``LOCK_DURATION``; a right password resets the
    count. Only the counter and the lock are written (one small write), and only when they change.
    """
    now = now or dt.datetime.now()
    username = (username or "").strip()
    try:
        user = get_user(warehouse.connect(), username) if username else None
    except store.WarehouseMissing:
        user = None
    if user is None:
        verify_password(password or "", _DUMMY_HASH)
        raise AuthError(WRONG)
    if user.disabled:
        raise AuthError("该账号已停用，请联系管理员")
    if user.locked(now):
        raise AuthError(_locked_message(user.locked_until))
    if verify_password(password or "", user.password_hash):
        if user.failed_attempts or user.locked_until is not None:
            _write_login_state(warehouse, username, now, success=True)
        return user
    locked_until = _write_login_state(warehouse, username, now, success=False)
    if locked_until is not None:
        raise AuthError(f"连续{MAX_FAILURES}次密码错误，" + _locked_message(locked_until))
    raise AuthError(WRONG)


def _locked_message(until: dt.datetime) -> str:
    return f"账号已锁定，请于{until:%H:%M}后再试，或请管理员重置密码"


def _write_login_state(warehouse: store.Warehouse, username: str, now: dt.datetime, success: bool
                       ) -> dt.datetime | None:
    """Record a sign-in outcome; returns the new lock time if this failure locked the account."""
    locked_until = None
    with warehouse.writing() as con:
        current = get_user(con, username)  # re-read under the writer lock: another sign-in may have counted
        if current is None:
            return None
        if success:
            failures = 0
        else:
            failures = current.failed_attempts + 1
            if failures >= MAX_FAILURES:
                failures, locked_until = 0, now + LOCK_DURATION
        con.execute(sql.SET_USER_LOGIN_STATE,
                    {"username": username, "failed_attempts": failures, "locked_until": locked_until})
        if locked_until is not None:
            audit.record(con, store.current_version(con), now, username, "user_locked", username,
                         {"failed_attempts": current.failed_attempts + 1}, {"locked_until": locked_until})
    return locked_until


# ---- sessions ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    issued_at: dt.datetime

    @classmethod
    def start(cls, user: User, now: dt.datetime | None = None) -> "Session":
        return cls(user.username, user.role, now or dt.datetime.now())

    def expired(self, now: dt.datetime | None = None, ttl: dt.timedelta = SESSION_TTL) -> bool:
        """Past its lifetime — or issued in the future (a clock set back), which is not trusted either."""
        now = now or dt.datetime.now()
        return now >= self.issued_at + ttl or now < self.issued_at - dt.timedelta(minutes=5)


def resume(con: duckdb.DuckDBPyConnection, session: Session | None, now: dt.datetime | None = None
           ) -> tuple[Session | None, str | None]:
    """The session as it stands now: (session, None) while valid, else (None, why it ended — Chinese).

    The role is read from the account on every call rather than trusted from sign-in time, so disabling an account
    or changing its role takes effect on the user's next click, not when the session expires.
    """
    if session is None:
        return None, None
    if session.expired(now):
        return None, "登录已超过有效期，请重新登录。"
    user = get_user(con, session.username)
    if user is None or user.disabled:
        return None, "该账号已停用或不存在，已退出登录。"
    if user.role != session.role:
        session = Session(session.username, user.role, session.issued_at)
    return session, None


def session_for_identity(con: duckdb.DuckDBPyConnection, identity: str | None, now: dt.datetime | None = None
                         ) -> Session:
    """A session for someone an identity provider vouched for (st.login / OIDC): the local account of the same name
    decides the role, so the provider proves who it is and the bureau still decides what they may do."""
    user = get_user(con, identity) if identity else None
    if user is None:
        raise AuthError(f"统一身份认证的用户“{identity or '（无名称）'}”在本系统中没有账号，请联系管理员开通")
    if user.disabled:
        raise AuthError("该账号已停用，请联系管理员")
    return Session.start(user, now)
