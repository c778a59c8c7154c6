"""kpi.access: the deployment's anonymous-viewing switches and the role each write needs."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi import access, auth


def session(role: str) -> auth.Session:
    return auth.Session("someone", role, dt.datetime.now())


def test_default_policy_is_open_viewing_with_oidc_off(tmp_path):
    assert access.load_policy(tmp_path / "absent.toml") == access.Policy(True, True, False)
    committed = access.load_policy(access.PROJECT_ROOT / "data" / "access.toml")
    assert committed == access.Policy(True, True, False)  # the demo opens without a password; writes never do


def test_policy_file_switches(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text("[anonymous]\npages = false\nscreen = true\n[oidc]\nenabled = true\n", encoding="utf-8")
    policy = access.load_policy(path)
    assert policy == access.Policy(anonymous_pages=False, anonymous_screen=True, oidc=True)
    assert policy.may_view(None, screen=True) and not policy.may_view(None)
    assert policy.may_view(session("view")) and not policy.may_view(auth.Session("x", "nobody", dt.datetime.now()))


@pytest.mark.parametrize("text", ["[anonymous]\npages = \"false\"\n", "[anonymous\npages = false\n",
                                  "[oidc]\nenabled = 1\n"])
def test_a_bad_policy_file_is_an_error_not_a_default(tmp_path, text):
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(access.AccessFileError, match="访问设置文件"):
        access.load_policy(path)


@pytest.mark.parametrize("action,least", [("load", "load"), ("revert", "admin"), ("targets", "admin"),
                                          ("plan_targets", "admin"), ("users", "admin"), ("boundaries", "admin"),
                                          ("audit", "admin"), ("download_raw", "view"), ("restore", "admin")])
def test_each_write_needs_its_role_and_higher_roles_include_lower(action, least):
    for role in auth.ROLE_ORDER:
        expected = auth.role_rank(role) >= auth.role_rank(least)
        assert access.allowed(session(role), action) is expected, (action, role)
        assert (access.refusal(session(role), action) is None) is expected
    assert not access.allowed(None, action)
    assert access.refusal(None, action).endswith("需要登录（" + "、".join(
        auth.ROLES[r] for r in auth.ROLE_ORDER[auth.role_rank(least):]) + "角色）。")


def test_a_disabled_user_holds_no_role():
    user = auth.User("x", "x", "admin", "h", disabled=True)
    assert not access.allowed(user, "view")


def test_refusal_names_the_account_and_its_role():
    assert access.refusal(session("load"), "revert") == \
        "当前账号“someone”的角色是“填报”，不能撤销导入批次（需要管理角色）。"
