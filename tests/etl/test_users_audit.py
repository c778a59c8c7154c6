"""`python -m etl users …` and the audit log: every write (user change, load, revert, targets, boundaries) leaves
one entry with who, what and before/after, sharing the write's data version — and never a password hash."""

from __future__ import annotations

import io
import json
import sys

import pytest

from etl import boundaries, cli, pipeline
from etl import targets as et
from kpi import audit, auth, store
from tests.fixtures import ROWS, table_rows, xlsx

TARGETS_CSV = (
    "region_code,indicator_code,year,comparator,value,kind,document,sentence\n"
    "330203000000,EC_CAREGIVER_NEW,2026,+,150,annual,海曙区2026年工作要点,新增持证养老护理员不少于150人\n"
    "330203000000,SO_4A_PLUS,2026,>=,60,annual,海曙区2026年工作要点,4A级以上社会组织保持在60家以上\n"
)


def _cli(monkeypatch, wh: store.Warehouse, *args: str, stdin: str | None = None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main([*args, "--db", str(wh.path)])


def _entries(wh: store.Warehouse) -> list[dict]:
    """Oldest first, before/after parsed."""
    frame = audit.audit_entries(wh.connect(), None)
    rows = frame.to_dict("records")[::-1]
    for row in rows:
        for side in ("before", "after"):
            row[side] = json.loads(row[side]) if isinstance(row[side], str) else None
    return rows


def _no_secrets(wh: store.Warehouse) -> None:
    hashes = [u.password_hash for u in auth.list_users(wh.connect())]
    raw = audit.audit_entries(wh.connect(), None).to_json(force_ascii=False, date_format="iso")
    assert "scrypt$" not in raw and "password_hash" not in raw
    assert all(h not in raw for h in hashes)


def test_cli_add_list_disable_reset_with_audit(warehouse, monkeypatch, capsys):
    wh = warehouse
    me = store.current_user()
    assert _cli(monkeypatch, wh, "users", "add", "li", "--role", "admin", "--name", "李四", "--password-stdin",
                stdin="s3cret-pass\n") == 0
    assert "已添加用户 li（管理，数据版本 v1）" in capsys.readouterr().out
    # From now on every user change is made as an administrator, who signs in (the password from $KPI_PASSWORD).
    assert _cli(monkeypatch, wh, "users", "add", "wang", "--role", "view", "--password-stdin",
                stdin="another pass\n") == 1
    assert "请用 --user 指定" in capsys.readouterr().err
    monkeypatch.setenv("KPI_PASSWORD", "s3cret-pass")
    assert _cli(monkeypatch, wh, "users", "add", "wang", "--role", "view", "--password-stdin", "--user", "li",
                stdin="another pass\n") == 0
    # Refusals change nothing.
    assert _cli(monkeypatch, wh, "users", "add", "li", "--role", "view", "--password-stdin", "--user", "li",
                stdin="whatever12\n") == 1
    assert _cli(monkeypatch, wh, "users", "add", "zhao", "--role", "view", "--password-stdin", "--user", "li",
                stdin="short\n") == 1
    assert _cli(monkeypatch, wh, "users", "add", "a b", "--role", "view", "--password-stdin", "--user", "li",
                stdin="long enough\n") == 1
    assert _cli(monkeypatch, wh, "users", "disable", "nobody", "--user", "li") == 1
    err = capsys.readouterr().err
    assert "用户“li”已存在" in err and "密码至少需要8个字符" in err and "用户名只能" in err and "没有用户“nobody”" in err
    assert store.current_version(wh.connect()) == 2

    assert _cli(monkeypatch, wh, "users", "list") == 0
    out = capsys.readouterr().out
    assert "li" in out and "李四" in out and "管理" in out and "wang" in out and "查看" in out and "scrypt" not in out

    assert auth.authenticate(wh, "li", "s3cret-pass").role == "admin"
    assert _cli(monkeypatch, wh, "users", "reset", "li", "--password-stdin", "--user", "li",
                stdin="brand new pw\n") == 0
    assert auth.authenticate(wh, "li", "brand new pw").role == "admin"
    monkeypatch.setenv("KPI_PASSWORD", "brand new pw")
    assert _cli(monkeypatch, wh, "users", "disable", "wang", "--user", "li") == 0
    assert _cli(monkeypatch, wh, "users", "disable", "wang", "--user", "li") == 0  # already disabled: no write
    assert "此前已停用" in capsys.readouterr().out
    assert _cli(monkeypatch, wh, "users", "list", "--json") == 0
    listed = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["wang"]["disabled"] and listed["wang"]["state"] == "已停用" and "password_hash" not in listed["li"]

    entries = _entries(wh)
    assert [(e["version"], e["action"], e["target"], e["who"]) for e in entries] == [
        (1, "user_add", "li", me), (2, "user_add", "wang", "li"), (3, "user_reset", "li", "li"),
        (4, "user_disable", "wang", "li")]
    assert entries[0]["before"] is None and entries[0]["after"]["role"] == "admin"
    assert entries[0]["after"]["display_name"] == "李四"
    assert entries[2]["after"]["password_changed"] is True
    assert (entries[3]["before"]["disabled"], entries[3]["after"]["disabled"]) == (False, True)
    events = wh.connect().execute("SELECT version, action, who FROM events ORDER BY version").fetchall()
    assert events == [(1, "users", me), (2, "users", "li"), (3, "users", "li"), (4, "users", "li")]
    _no_secrets(wh)


def test_cli_asks_twice_without_password_stdin(warehouse, monkeypatch, capsys):
    answers = iter(["first password", "other password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert _cli(monkeypatch, warehouse, "users", "add", "li", "--role", "admin") == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err and not warehouse.exists()
    answers = iter(["same password", "same password"])
    assert _cli(monkeypatch, warehouse, "users", "add", "li", "--role", "admin") == 0
    assert auth.authenticate(warehouse, "li", "same password").role == "admin"


def test_every_write_path_leaves_one_entry_with_its_version(warehouse):
    wh = warehouse
    loaded = pipeline.load_bytes(wh, xlsx(table_rows()), "海曙区报表.xlsx", who="填报员")
    rows = [list(r) for r in ROWS]
    rows[0][1] = 999
    second = pipeline.load_bytes(wh, xlsx(table_rows(rows=rows)), "海曙区报表（更正）.xlsx", who="填报员")
    revert_version = pipeline.revert(wh, second.load_id, who="管理员")
    imported = et.import_bytes(wh, TARGETS_CSV.encode(), "目标.csv", who="规划科")
    changed = et.import_bytes(wh, TARGETS_CSV.replace(",150,", ",180,").encode(), "目标-改.csv", who="规划科")
    confirmed = et.set_state(wh, [1], "dropped", who="管理员")
    shapes = boundaries.import_boundaries(wh, boundaries.DEMO_BOUNDARIES, level=None, simplify=False, who="测绘")

    entries = _entries(wh)
    assert [(e["version"], e["action"], e["who"]) for e in entries] == [
        (loaded.version, "load", "填报员"), (second.version, "load", "填报员"), (revert_version, "revert", "管理员"),
        (imported.version, "targets_save", "规划科"), (changed.version, "targets_save", "规划科"),
        (confirmed, "targets_dropped", "管理员"), (shapes.version, "boundaries", "测绘")]
    # One entry per write, no extra versions: the audit log adds no events.
    assert store.current_version(wh.connect()) == shapes.version == len(entries)
    happened = dict(wh.connect().execute("SELECT version, happened_at FROM events").fetchall())
    assert all(e["at"] == happened[e["version"]] for e in entries)

    load, _, revert, first, edit, drop, bset = entries
    assert load["target"] == "海曙区报表.xlsx" and load["after"]["load_id"] == loaded.load_id
    assert load["after"]["values"] == len(loaded.report.records) and load["before"] is None
    assert revert["target"] == str(second.load_id)
    assert (revert["before"]["status"], revert["after"]["status"]) == ("active", "reverted")
    assert first["target"] == "1,2" and first["before"] is None
    assert [t["value"] for t in first["after"]] == [150, 60] and first["after"][0]["state"] == "confirmed"
    assert edit["target"] == "1,2"
    assert [(t["value"], t["revision"]) for t in edit["before"]] == [(150, 1), (60, 1)]
    assert [(t["value"], t["revision"]) for t in edit["after"]] == [(180, 2), (60, 2)]
    assert drop["target"] == "1"
    assert (drop["before"][0]["state"], drop["after"][0]["state"]) == ("confirmed", "dropped")
    assert bset["target"] == shapes.report.file and bset["after"]["set_id"] == shapes.set_id
    assert bset["after"]["features"] == len(shapes.report.boundaries)


def test_refused_and_repeated_writes_leave_no_entry(warehouse):
    assert pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx").status == "loaded"
    assert pipeline.load_bytes(warehouse, xlsx(table_rows()), "copy.xlsx").status == "duplicate"
    assert et.import_bytes(warehouse, b"region_code\n1\n", "bad.csv", who="t").status == "rejected"
    with pytest.raises(ValueError):
        pipeline.revert(warehouse, 99)
    assert [e["action"] for e in _entries(warehouse)] == ["load"]


def test_audit_entries_on_a_warehouse_without_the_table(warehouse):
    import duckdb

    warehouse.path.parent.mkdir(parents=True)
    con = duckdb.connect(str(warehouse.path))
    con.execute("CREATE TABLE events (version INTEGER)")
    assert audit.audit_entries(con).empty and auth.list_users(con) == [] and auth.get_user(con, "x") is None
