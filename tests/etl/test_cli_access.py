"""Role enforcement on every write command of `python -m etl` once the warehouse has accounts (etl/signin.py): no
account named, a wrong password or too small a role is refused and writes nothing; the right role writes and is the
name recorded. Bootstrap: before any account exists writes run (with a warning), and the first account is 管理."""

from __future__ import annotations

import pytest

from etl import cli, pipeline, users
from kpi import audit, auth, store
from tests.conftest import db_fingerprint
from tests.fixtures import ROWS, table_rows, xlsx

PASSWORD = "right-password-1"
TARGETS_CSV = ("region_code,indicator_code,year,comparator,value\n"
               "330203000000,EC_CAREGIVER_NEW,2026,+,150\n")


@pytest.fixture
def staffed(warehouse, write_file):
    """One load, and an account of each role (made by the bootstrap path, as on a new server)."""
    pipeline.load_bytes(warehouse, xlsx(table_rows()), "海曙区报表.xlsx", who="填报员")
    for name, role in (("guan", "admin"), ("tian", "load"), ("kan", "view")):
        users.add_user(warehouse, name, PASSWORD, role, who="setup")
    rows = [list(r) for r in ROWS]
    rows[0][1] = 999
    files = {"load": write_file("海曙区报表（更正）.xlsx", xlsx(table_rows(rows=rows))),
             "targets": write_file("目标.csv", TARGETS_CSV.encode())}
    return warehouse, files


def _commands(wh: store.Warehouse, files) -> dict[str, list[str]]:
    """Every write command, keyed by the kpi.access action that guards it."""
    db = ["--db", str(wh.path)]
    return {
        "load": ["load", str(files["load"]), *db],
        "revert": ["revert", "1", *db],
        "targets": ["targets", "import", str(files["targets"]), *db],
        "boundaries": ["boundaries", "import", str(files["targets"]), "--level", "county", *db],
        "users": ["users", "disable", "kan", *db],
        "restore": ["build-demo", *db],  # replaces the whole warehouse
    }


@pytest.mark.parametrize("action", ["load", "revert", "targets", "boundaries", "users", "restore"])
def test_refused_without_a_signed_in_role_and_nothing_written(staffed, monkeypatch, capsys, action):
    wh, files = staffed
    command = _commands(wh, files)[action]
    before = db_fingerprint(wh)
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)

    assert cli.main(command) == 1  # nobody named
    assert "请用 --user 指定" in capsys.readouterr().err
    too_small = {"load": "kan", "revert": "tian", "targets": "tian", "boundaries": "tian", "users": "tian",
                 "restore": "tian"}[action]
    assert cli.main([*command, "--user", too_small]) == 1
    err = capsys.readouterr().err
    assert f"当前账号“{too_small}”的角色是" in err and "不能" in err
    assert db_fingerprint(wh) == before  # a right password with too small a role writes nothing, not even a counter

    monkeypatch.setenv("KPI_PASSWORD", "wrong-password")
    assert cli.main([*command, "--user", "guan"]) == 1
    assert "用户名或密码错误" in capsys.readouterr().err
    con = wh.connect()
    assert store.current_version(con) == 4  # the failure is counted, no data version is written
    assert auth.get_user(con, "guan").failed_attempts == 1


def test_each_role_does_what_it_may_and_is_recorded(staffed, monkeypatch, capsys):
    wh, files = staffed
    commands = _commands(wh, files)
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    assert cli.main([*commands["load"], "--user", "tian"]) == 0
    assert cli.main([*commands["revert"], "--user", "guan"]) == 0
    assert cli.main([*commands["targets"], "--user", "guan"]) == 0
    assert cli.main([*commands["users"], "--user", "guan"]) == 0
    entries = audit.audit_entries(wh.connect(), 4)
    assert list(zip(entries.action, entries.who)) == [
        ("user_disable", "guan"), ("targets_save", "guan"), ("revert", "guan"), ("load", "tian")]
    loads = store.list_loads(wh.connect())
    assert loads.set_index("load_id").loc[2, "loaded_by"] == "tian"


def test_bootstrap_runs_unchecked_until_the_first_account_which_must_be_admin(warehouse, write_file, monkeypatch,
                                                                              capsys):
    path = write_file("海曙区报表.xlsx", xlsx(table_rows()))
    assert cli.main(["load", str(path), "--db", str(warehouse.path), "--user", "老王"]) == 0
    assert "数据库中还没有账号，本次操作未验证身份，记录为“老王”" in capsys.readouterr().err
    assert store.list_loads(warehouse.connect())["loaded_by"].iloc[0] == "老王"

    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)  # unused: nothing to sign in to yet
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["users", "add", "kan", "--role", "view", "--password-stdin", "--db", str(warehouse.path)]) == 1
    assert "第一个账号必须是管理员" in capsys.readouterr().err
    assert auth.list_users(warehouse.connect()) == []


def test_lost_admin_can_be_recovered_on_the_server(staffed, monkeypatch, capsys):
    """Every administrator disabled: account commands run without signing in (recorded, with a warning) so that an
    administrator can be made again; data commands stay closed."""
    wh, files = staffed
    users.disable_user(wh, "guan", who="setup")
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("new-admin-pass\n"))
    assert cli.main(["users", "add", "xin", "--role", "admin", "--password-stdin", "--db", str(wh.path)]) == 0
    assert "没有可用的管理员账号" in capsys.readouterr().err
    assert auth.authenticate(wh, "xin", "new-admin-pass").role == "admin"
    assert cli.main(_commands(wh, files)["revert"]) == 1  # data writes still need a signed-in role


def test_a_forced_rebuild_of_a_healthy_warehouse_needs_an_admin(staffed, monkeypatch, capsys):
    wh, _ = staffed
    before = db_fingerprint(wh)
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    assert cli.main(["restore", "--force", "--db", str(wh.path)]) == 1
    assert cli.main(["restore", "--force", "--db", str(wh.path), "--user", "tian"]) == 1
    assert "不能恢复数据库" in capsys.readouterr().err
    assert db_fingerprint(wh) == before
    assert cli.main(["restore", "--force", "--db", str(wh.path), "--user", "guan"]) == 0
    assert auth.get_user(wh.connect(), "guan").role == "admin"  # the accounts came back with the data
