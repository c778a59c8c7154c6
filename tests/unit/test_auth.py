"""Local accounts: scrypt hashing, password policy, lock-out with an injected clock, session expiry, role order."""

import datetime as dt

import pytest

from etl import users
from kpi import audit, auth, store

T0 = dt.datetime(2026, 3, 2, 9, 0)


def test_hash_and_verify():
    encoded = auth.hash_password("正确的密码abc")
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1") and len(bytes.fromhex(salt)) == 16
    assert auth.verify_password("正确的密码abc", encoded)
    assert not auth.verify_password("正确的密码abd", encoded)
    assert auth.hash_password("正确的密码abc") != encoded  # a fresh salt each time
    for bad in ("", None, "plain", "scrypt$16384$8$1$zz$00", encoded.replace("scrypt", "md5"),
                "scrypt$1073741824$8$1$00$00", "scrypt$16384$8$1$00$"):
        assert not auth.verify_password("正确的密码abc", bad)


def test_password_policy():
    assert auth.password_problem("short") == "密码至少需要8个字符"
    assert auth.password_problem("        ") == "密码不能全是空格"
    assert auth.password_problem("long enough") is None
    with pytest.raises(users.UserError, match="至少需要8个字符"):
        users.add_user(None, "甲", "1234567", "view")


def test_role_order_and_can():
    assert list(auth.ROLES) == ["view", "load", "admin"] and auth.ROLES["admin"] == "管理"
    admin = auth.Session("a", "admin", T0)
    loader = auth.Session("l", "load", T0)
    viewer = auth.Session("v", "view", T0)
    assert all(auth.can(admin, r) for r in auth.ROLES)
    assert auth.can(loader, "view") and auth.can(loader, "load") and not auth.can(loader, "admin")
    assert auth.can(viewer, "view") and not auth.can(viewer, "load")
    assert not auth.can(None, "view") and not auth.can(auth.Session("x", "root", T0), "view")
    with pytest.raises(ValueError, match="未知的角色"):
        auth.can(admin, "superuser")


def test_session_expiry():
    session = auth.Session("甲", "load", T0)
    assert not session.expired(T0 + dt.timedelta(hours=7, minutes=59))
    assert session.expired(T0 + dt.timedelta(hours=8))
    assert session.expired(T0 + dt.timedelta(minutes=30), ttl=dt.timedelta(minutes=30))
    assert session.expired(T0 - dt.timedelta(hours=1))  # issued "in the future": the clock went back


@pytest.fixture
def with_user(warehouse):
    users.add_user(warehouse, "zhang", "correct horse", "load", display_name="张三", who="root")
    return warehouse


def test_sign_in(with_user):
    user = auth.authenticate(with_user, "zhang", "correct horse", now=T0)
    assert (user.username, user.display_name, user.role, user.role_name) == ("zhang", "张三", "load", "填报")
    assert "correct" not in repr(user) and "scrypt" not in repr(user)
    for name, pw in (("zhang", "wrong password"), ("nobody", "correct horse"), ("", "")):
        with pytest.raises(auth.AuthError, match="用户名或密码错误"):
            auth.authenticate(with_user, name, pw, now=T0)


def test_sign_in_without_a_warehouse(warehouse):
    with pytest.raises(auth.AuthError, match="用户名或密码错误"):
        auth.authenticate(warehouse, "zhang", "correct horse", now=T0)
    assert not warehouse.exists()


def test_lock_out_after_five_failures_and_unlock_after_15_minutes(with_user):
    wh = with_user
    for n in range(4):
        with pytest.raises(auth.AuthError, match="用户名或密码错误"):
            auth.authenticate(wh, "zhang", f"wrong {n}", now=T0 + dt.timedelta(minutes=n))
    assert auth.get_user(wh.connect(), "zhang").failed_attempts == 4
    version = store.current_version(wh.connect())
    with pytest.raises(auth.AuthError, match="连续5次密码错误，账号已锁定，请于09:19后再试"):
        auth.authenticate(wh, "zhang", "wrong 4", now=T0 + dt.timedelta(minutes=4))
    assert store.current_version(wh.connect()) == version  # sign-in bookkeeping is not a data change
    locked = auth.get_user(wh.connect(), "zhang")
    assert locked.locked_until == T0 + dt.timedelta(minutes=19) and locked.failed_attempts == 0
    entry = audit.audit_entries(wh.connect(), 1).iloc[0]
    assert (entry.action, entry.who, entry.target) == ("user_locked", "zhang", "zhang")
    # Locked: even the right password is refused, and the refusal counts nothing.
    with pytest.raises(auth.AuthError, match="账号已锁定"):
        auth.authenticate(wh, "zhang", "correct horse", now=T0 + dt.timedelta(minutes=18))
    user = auth.authenticate(wh, "zhang", "correct horse", now=T0 + dt.timedelta(minutes=19))
    assert user.username == "zhang"
    cleared = auth.get_user(wh.connect(), "zhang")
    assert cleared.failed_attempts == 0 and cleared.locked_until is None


def test_a_right_password_resets_the_count(with_user):
    for n in range(4):
        with pytest.raises(auth.AuthError):
            auth.authenticate(with_user, "zhang", "nope nope", now=T0)
    auth.authenticate(with_user, "zhang", "correct horse", now=T0)
    for n in range(4):
        with pytest.raises(auth.AuthError, match="用户名或密码错误"):
            auth.authenticate(with_user, "zhang", "nope nope", now=T0)
    assert auth.get_user(with_user.connect(), "zhang").locked_until is None


def test_disabled_and_reset(with_user):
    for n in range(5):
        with pytest.raises(auth.AuthError):
            auth.authenticate(with_user, "zhang", "nope nope", now=T0)
    users.reset_password(with_user, "zhang", "a new secret", who="root")
    assert auth.authenticate(with_user, "zhang", "a new secret", now=T0).role == "load"
    with pytest.raises(auth.AuthError):
        auth.authenticate(with_user, "zhang", "correct horse", now=T0)
    users.disable_user(with_user, "zhang", who="root")
    with pytest.raises(auth.AuthError, match="该账号已停用"):
        auth.authenticate(with_user, "zhang", "a new secret", now=T0)


def test_resume_rereads_the_account(with_user):
    wh = with_user
    con = wh.connect()
    session = auth.Session.start(auth.get_user(con, "zhang"), T0)
    assert auth.resume(con, session, T0 + dt.timedelta(hours=1)) == (session, None)
    assert auth.resume(con, None, T0) == (None, None)
    assert auth.resume(con, session, T0 + auth.SESSION_TTL) == (None, "登录已超过有效期，请重新登录。")
    forged = auth.Session("zhang", "admin", T0)  # a role the account does not hold is not kept
    assert auth.resume(con, forged, T0)[0].role == auth.get_user(con, "zhang").role
    users.disable_user(wh, "zhang", who="test")
    assert auth.resume(wh.connect(), session, T0) == (None, "该账号已停用或不存在，已退出登录。")
    assert auth.resume(wh.connect(), auth.Session("ghost", "admin", T0), T0)[0] is None


def test_identity_provider_sign_in_takes_the_local_accounts_role(with_user):
    con = with_user.connect()
    assert auth.session_for_identity(con, "zhang", T0) == auth.Session("zhang", auth.get_user(con, "zhang").role, T0)
    with pytest.raises(auth.AuthError, match="没有账号"):
        auth.session_for_identity(con, "stranger@bureau.gov.cn", T0)
    with pytest.raises(auth.AuthError, match="没有账号"):
        auth.session_for_identity(con, None, T0)
