"""Signing in and out through the sidebar, sessions that end (expiry, a disabled account), the deployment's
anonymous-viewing switches (data/access.toml) and the 操作日志 page, through AppTest."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import users
from kpi import auth, store
from views.shared import SESSION_KEY
from tests.app.conftest import PASSWORD, add_account, run_app, sign_in


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def sign_in_through_form(at, username: str, password: str):
    at.sidebar.text_input(key="sign_in_user_sidebar").input(username)
    at.sidebar.text_input(key="sign_in_password_sidebar").input(password)
    return next(b for b in at.sidebar.button if b.label == "登录").click().run()


def signed_in_caption(at) -> list[str]:
    return [c for c in texts(at.sidebar.caption) if c.startswith("已登录")]


def test_sign_in_wrong_then_right_then_out(db):
    add_account(db, "zhang", "load")
    at = run_app("views/data.py")
    assert not at.file_uploader
    at = sign_in_through_form(at, "zhang", "not-the-password")
    assert "用户名或密码错误" in texts(at.error)
    assert signed_in_caption(at) == [] and not at.file_uploader
    assert at.sidebar.text_input(key="sign_in_password_sidebar").value == ""  # the typed password is not kept
    assert auth.get_user(store.Warehouse(db).connect(), "zhang").failed_attempts == 1

    at = sign_in_through_form(at, "zhang", PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert signed_in_caption(at) == ["已登录：zhang（填报）"]
    assert at.file_uploader  # 填报 may upload
    assert not [t for t in at.sidebar.text_input if t.key == "sign_in_password_sidebar"]  # the form gave way

    at.sidebar.button(key="sign_out").click().run()
    assert signed_in_caption(at) == [] and not at.file_uploader


def test_five_wrong_passwords_lock_the_account(db):
    add_account(db, "zhang", "admin")
    at = run_app()
    for _ in range(auth.MAX_FAILURES):
        at = sign_in_through_form(at, "zhang", "wrong-password")
    assert any("连续5次密码错误，账号已锁定" in e for e in texts(at.error))
    at = sign_in_through_form(at, "zhang", PASSWORD)  # the right password no longer opens it
    assert any("账号已锁定" in e for e in texts(at.error)) and signed_in_caption(at) == []


def test_an_expired_session_signs_out(db):
    add_account(db, "zhang", "admin")
    at = run_app()
    at.session_state[SESSION_KEY] = auth.Session("zhang", "admin", dt.datetime.now() - auth.SESSION_TTL
                                                 - dt.timedelta(minutes=1))
    at.switch_page("views/data.py").run()
    assert "登录已超过有效期，请重新登录。" in texts(at.warning)
    assert signed_in_caption(at) == [] and not at.file_uploader


def test_a_disabled_account_is_signed_out_at_its_next_click(db):
    at = sign_in(run_app("views/data.py"), db, "zhang", "load").run()
    assert signed_in_caption(at) == ["已登录：zhang（填报）"]
    users.disable_user(store.Warehouse(db), "zhang", who="admin")
    at.run()
    assert "该账号已停用或不存在，已退出登录。" in texts(at.warning)
    assert signed_in_caption(at) == [] and not at.file_uploader


@pytest.fixture
def closed(tmp_path, monkeypatch):
    """A deployment that shows nothing without signing in, the 大屏 included."""
    path = tmp_path / "access.toml"
    path.write_text("[anonymous]\npages = false\nscreen = false\n", encoding="utf-8")
    monkeypatch.setenv("KPI_ACCESS", str(path))
    return path


def test_a_closed_deployment_shows_no_data_until_signed_in(db, closed):
    at = run_app()
    assert texts(at.info)[0].startswith("本系统需要登录后查看")
    assert not at.metric and not at.dataframe  # no figure leaks onto the sign-in page
    at.switch_page("views/screen.py").run()
    assert any("大屏也需要登录" in i for i in texts(at.info))
    sign_in(at, db, "kan", "view")
    at.switch_page("views/overview.py").run()
    assert not at.exception and not any("需要登录后查看" in i for i in texts(at.info))
    assert at.metric  # the overview's figures


def test_a_broken_access_file_closes_rather_than_opens(db, tmp_path, monkeypatch):
    path = tmp_path / "access.toml"
    path.write_text("[anonymous]\npages = \"no\"\n", encoding="utf-8")
    monkeypatch.setenv("KPI_ACCESS", str(path))
    at = run_app()
    assert any("访问设置文件有误" in e for e in texts(at.error))
    assert texts(at.info)[0].startswith("本系统需要登录后查看")


def test_audit_log_is_listed_for_admin_only_and_read_only(db):
    at = run_app()
    assert "指标总览" in _nav(at) and "操作日志" not in _nav(at)
    sign_in(at, db, "kan", "view").run()
    assert "操作日志" not in _nav(at)
    sign_in(at, db, "guan", "admin").run()
    assert "操作日志" in _nav(at)
    at.switch_page("views/audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    log = at.dataframe[0].value
    assert list(log["操作"])[:3] == ["账号：添加", "账号：添加", "导入报表"]  # newest first
    assert list(log["操作人"])[:2] == ["test", "test"] and log["操作人"].iloc[2] == "测试"
    assert '"role": "admin"' in log["修改后"].iloc[0] and "scrypt" not in log.to_string()
    assert not at.get("data_editor") and not at.main.button  # nothing on the page can change an entry
    at.multiselect[0].set_value(["load"]).run()
    assert list(at.dataframe[0].value["操作"]) == ["导入报表"]


def test_the_audit_page_refuses_a_viewer_who_knows_its_address(db):
    """The navigation does not list it for a viewer; the page itself still refuses if run (defence in depth)."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    add_account(db, "kan", "view")
    at = AppTest.from_file(APP.parent / "views" / "audit.py", default_timeout=60)
    at.session_state[SESSION_KEY] = auth.Session.start(auth.get_user(store.Warehouse(db).connect(), "kan"))
    at.run()
    assert any("不能查看操作日志" in e for e in texts(at.error))
    assert not at.dataframe


def _nav(at) -> list[str]:
    """The page titles st.navigation registered in the last run."""
    return [info.get("page_name") for info in at._registered_pages.values()]
