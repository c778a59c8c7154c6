"""`python -m etl restore`: a damaged or deleted warehouse is rebuilt from the archive and the restore journal, with
the same current figures, load statuses, targets and users; what cannot come back is listed, never silently lost."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys

import duckdb
import pandas as pd
import pytest

from etl import cli, journal, pipeline, restore, users
from etl import targets as et
from kpi import auth, store
from kpi import targets as kt
from tests.app import workbooks as wb
from tests.conftest import db_fingerprint
from tests.etl.test_targets_store import GOOD

PASSWORD = "s3cret-pass"


def _cli(*args: str) -> int:
    return cli.main([*args])


def _build(wh: store.Warehouse) -> store.Warehouse:
    """Loads in two writes, a revert, a targets import and a confirmation change, boundaries, two user changes."""
    rows = wb.county_rows()
    assert [r.status for r in pipeline.load_batch(
        wh, [(wb.month_xlsx(m, rows), f"海曙区{m}.xlsx") for m in ("2026年8月", "2026年9月")], who="甲")] == ["loaded"] * 2
    assert pipeline.load_bytes(wh, wb.month_xlsx("2026年10月", rows), "海曙区2026年10月.xlsx", who="乙").status == "loaded"
    pipeline.revert(wh, 2, who="丙")
    assert et.import_bytes(wh, GOOD.encode(), "plan.csv", who="丁", state="proposed").status == "imported"
    proposed = sorted(r.target_id for r in kt.proposed(wh.connect()))
    et.set_state(wh, proposed[:2], "confirmed", who="科长")
    et.set_state(wh, proposed[2:], "dropped", who="科长")
    wb.add_demo_boundaries(wh)
    users.add_user(wh, "li", PASSWORD, "admin", display_name="李四", who="管理员")
    users.reset_password(wh, "li", PASSWORD + "2", who="管理员")
    return wh


def _figures(wh: store.Warehouse) -> dict:
    """What a restore must bring back, without the data versions (which a restore may renumber)."""
    con = wh.connect()
    observations = store.observations(con).sort_values(["region_code", "indicator_code", "period"])
    loads = store.list_loads(con, limit=None)[["load_id", "file_name", "status", "loaded_by", "values_loaded",
                                              "content_hash", "loaded_at", "reverted_at", "reverted_by", "is_demo"]]
    targets = kt.current_targets(con).drop(columns=["version"]).sort_values("target_id")
    accounts = [(u.public(), u.password_hash) for u in auth.list_users(con)]
    return {"observations": observations.reset_index(drop=True),
            "loads": loads.sort_values("load_id").reset_index(drop=True),
            "targets": targets.reset_index(drop=True), "users": accounts,
            "boundaries": con.execute("SELECT region_code, geometry FROM boundaries ORDER BY region_code").fetchall()}


def _same(before: dict, after: dict) -> None:
    for name in ("observations", "loads", "targets"):
        pd.testing.assert_frame_equal(before[name], after[name], check_dtype=False, obj=name)
    assert before["users"] == after["users"]
    assert before["boundaries"] == after["boundaries"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[store.Warehouse, dict]:
    wh = _build(store.Warehouse(tmp_path_factory.mktemp("template") / "wh" / "kpi.duckdb"))
    return wh, _figures(wh)


@pytest.fixture
def built(template, tmp_path) -> tuple[store.Warehouse, dict]:
    """A copy of the built warehouse folder (file, archive, journal; times kept) and its figures."""
    wh, figures = template
    shutil.copytree(wh.path.parent, tmp_path / "wh")
    return store.Warehouse(tmp_path / "wh" / wh.path.name), figures


def _scribble_on_observations(wh: store.Warehouse) -> None:
    """Overwrite a few bytes inside a block that holds observations: the file still opens, and only reading that
    block finds the damage (its checksum no longer matches)."""
    con = duckdb.connect(str(wh.path), read_only=True)
    block = con.execute(
        "SELECT max(block_id) FROM pragma_storage_info('observations') WHERE block_id >= 0").fetchall()[0][0]
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    con.close()
    with open(wh.path, "r+b") as fh:
        fh.seek(3 * 4096 + block * block_size + 100)  # after the file header and the two database headers
        fh.write(b"\x5a" * 64)


def _asides(wh: store.Warehouse, tag: str = "damaged") -> list:
    return sorted(p.name for p in wh.path.parent.glob(f"{wh.path.name}.{tag}-*"))


@pytest.mark.parametrize("damage", ["truncate", "scribble"])
def test_a_damaged_warehouse_is_rebuilt_with_the_same_figures(built, damage, capsys):
    wh, original = built
    if damage == "truncate":
        with open(wh.path, "r+b") as fh:
            fh.truncate(wh.path.stat().st_size // 3)
    else:
        _scribble_on_observations(wh)
    damaged_bytes = wh.path.read_bytes()
    assert restore.health(wh.path).state == "damaged"

    assert _cli("restore", "--db", str(wh.path)) == 0
    out = capsys.readouterr().out
    assert "数据库文件无法读取" in out and "恢复完成" in out
    assert "导入批次 3 个；撤销 1 次；目标值变更 3 次；边界导入 1 次；用户变更 2 次" in out
    assert "[1/9] 导入 2 个文件（海曙区2026年8月.xlsx、海曙区2026年9月.xlsx）" in out
    assert "各次写入的数据版本号、导入批次号与原来一致" in out
    _same(original, _figures(wh))
    assert auth.authenticate(wh, "li", PASSWORD + "2").display_name == "李四"
    # The damaged file is kept beside it, byte for byte; the restore is one more version and in the audit log.
    (aside,) = _asides(wh)
    assert (wh.path.parent / aside).read_bytes() == damaged_bytes
    assert f"原数据库文件已改名保留：{wh.path.parent / aside}" in out
    assert store.freshness(wh.connect())["version"] == 11
    assert not list(wh.path.parent.glob("*.restoring.duckdb*"))


def test_a_deleted_warehouse_is_rebuilt(built, capsys):
    wh, original = built
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path)) == 0
    out = capsys.readouterr().out
    assert f"数据库文件不存在：{wh.path}" in out and "原数据库文件已改名保留" not in out
    _same(original, _figures(wh))
    assert _asides(wh) == []


def test_a_healthy_warehouse_is_refused_without_force(built, capsys, monkeypatch):
    wh, original = built
    fingerprint = db_fingerprint(wh)
    assert _cli("restore", "--db", str(wh.path)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"错误：数据库可以正常读取（{wh.path}，数据版本 v10），不需要恢复。")
    assert "请加 --force" in err
    assert _cli("restore", "--db", str(wh.path), "--dry-run") == 0  # a dry run changes nothing, so it may look
    assert "不需要恢复；以下只是列出恢复时会做的事" in capsys.readouterr().out
    assert db_fingerprint(wh) == fingerprint

    monkeypatch.setenv("KPI_PASSWORD", PASSWORD + "2")  # rebuilding a healthy warehouse is an administrator's write
    assert _cli("restore", "--db", str(wh.path), "--force", "--user", "li") == 0
    _same(original, _figures(wh))
    (aside,) = _asides(wh, "before-restore")
    assert db_fingerprint(store.Warehouse(wh.path.parent / aside)) == fingerprint
    # A second restore replays the same journal (the first one's marker line is skipped), and later writes chain on.
    assert pipeline.load_bytes(wh, wb.month_xlsx("2026年7月", wb.county_rows()), "海曙区2026年7月.xlsx").status == "loaded"
    after_load = _figures(wh)
    wh.path.unlink()
    capsys.readouterr()
    assert _cli("restore", "--db", str(wh.path)) == 0
    out = capsys.readouterr().out
    assert "注意" not in out
    _same(after_load, _figures(wh))


def test_dry_run_lists_the_plan_and_changes_nothing(built, capsys):
    wh, _ = built
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "恢复日志" in out and "9 次写入（导入 2 次，撤销 1 次，目标值 3 次，边界 1 次，用户 2 次）" in out
    assert "[4/9] 保存目标值 3 条（待确认）  —— 丁" in out and "[9/9] 重置用户 li 的密码" in out
    assert "试运行：没有改动任何文件" in out
    assert not wh.path.exists()


def test_a_file_missing_from_the_archive_is_reported_and_the_rest_restored(built, capsys):
    wh, original = built
    october = next(wh.archive_dir.rglob("*_海曙区2026年10月.xlsx"))
    october.unlink()
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path)) == 3
    out = capsys.readouterr().out
    where = str(october.relative_to(wh.path.parent))
    assert f"存档中缺少的文件（1 个）：\n    {where}（导入批次 #3，海曙区2026年10月.xlsx）" in out
    assert "数据版本号和导入批次号已重新编号" in out
    restored = _figures(wh)
    loads = restored["loads"]
    assert list(loads.file_name) == ["海曙区2026年8月.xlsx", "海曙区2026年9月.xlsx"]
    assert list(loads.status) == ["active", "reverted"]
    assert restored["users"] == original["users"]
    cols = ["region_code", "indicator_code", "year", "kind", "value", "state", "changed_by", "changed_at"]
    pd.testing.assert_frame_equal(original["targets"][cols], restored["targets"][cols])
    assert restored["boundaries"] == original["boundaries"]
    assert set(restored["observations"].period.astype(str).str[:7]) == {"2026-08"}


def test_a_gap_in_the_journal_is_reported(built, capsys):
    wh, _ = built
    path = journal.journal_path(wh)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[1]  # the 2026年10月 load: as if the process was killed between publishing and journaling it
    path.write_text("".join(lines) + '{"kind": "load", "db": "kpi.du', encoding="utf-8")
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path)) == 3
    out = capsys.readouterr().out
    assert "注意：恢复日志第2行的写入基于数据版本 v3，前面的记录只到 v2：v3 共1次写入没有记录" in out
    assert "恢复日志第 9 行无法读取" in out
    assert "撤销导入批次 #2（海曙区2026年9月.xlsx）" in out  # still restored: the revert maps by the load it names
    assert "恢复日志有缺口" in out


def test_without_a_journal_the_archived_reports_are_replayed(built, capsys):
    wh, original = built
    journal.journal_path(wh).unlink()
    with open(wh.path, "r+b") as fh:
        fh.truncate(1000)
    assert _cli("restore", "--db", str(wh.path)) == 3
    out = capsys.readouterr().out
    assert "恢复日志中没有这个数据库的记录" in out and "撤销记录、目标值、边界和用户账号无法恢复" in out
    assert "数据版本号和导入批次号已重新编号" in out
    assert "plan.csv：目标值文件，不能作为报表导入" in out
    assert "demo.geojson：边界文件" in out
    restored = _figures(wh)
    # Every report file is back (the reverted one active again, as the journal that knew is gone), loaded by 存档恢复.
    assert sorted(restored["loads"].file_name) == sorted(original["loads"].file_name)
    assert set(restored["loads"].status) == {"active"} and set(restored["loads"].loaded_by) == {"存档恢复"}
    assert restored["users"] == [] and restored["targets"].empty
    # Later writes are journaled; a second restore replays the files again and then those writes.
    users.add_user(wh, "wang", PASSWORD, "view")
    again = _figures(wh)
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path)) == 3
    after = _figures(wh)
    pd.testing.assert_frame_equal(again["observations"], after["observations"])
    assert after["users"] == again["users"]


def test_a_journal_that_starts_late_replays_older_files_first(warehouse, capsys):
    wh = wb.county_warehouse(warehouse.path)
    journal.journal_path(wh).unlink()  # as if these loads were made before the journal existed
    pipeline.revert(wh, 1, who="丙")
    original = _figures(wh)
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path)) == 3
    out = capsys.readouterr().out
    assert "恢复日志从数据版本 v2 之后开始" in out
    restored = _figures(wh)
    assert list(restored["loads"].status) == ["reverted", "active"]
    pd.testing.assert_frame_equal(original["observations"], restored["observations"], check_dtype=False)


def test_the_demo_build_name_is_followed(tmp_path, capsys):
    """etl.demo.build writes <stem>.building.duckdb and renames it over the warehouse: its lines count."""
    wh = store.Warehouse(tmp_path / "kpi.duckdb")
    building = store.Warehouse(tmp_path / restore.demo_build_name(wh.path))
    wb.make_warehouse(building.path, is_demo=True)
    os.replace(building.path, wh.path)
    users.add_user(wh, "li", PASSWORD, "admin")
    original = _figures(wh)
    wh.path.unlink()
    assert _cli("restore", "--db", str(wh.path)) == 0
    out = capsys.readouterr().out
    assert "build-demo" in out and "注意" not in out
    _same(original, _figures(wh))


def test_an_interrupted_restore_leaves_the_warehouse_and_a_rerun_starts_over(built, monkeypatch, capsys):
    wh, original = built
    with open(wh.path, "r+b") as fh:
        fh.truncate(2000)
    damaged = db_fingerprint(wh)
    # A restore killed earlier left its half-built file behind.
    wh.path.with_name("kpi.restoring.duckdb").write_bytes(b"half built")

    def killed(self, e):
        raise KeyboardInterrupt

    monkeypatch.setattr(restore.Replay, "_user_reset", killed)
    with pytest.raises(KeyboardInterrupt):
        _cli("restore", "--db", str(wh.path))
    assert db_fingerprint(wh) == damaged and _asides(wh) == []
    monkeypatch.undo()
    assert _cli("restore", "--db", str(wh.path)) == 0
    _same(original, _figures(wh))


# ---- the journal itself ---------------------------------------------------------------------------------------------


def _lines(wh: store.Warehouse) -> list[dict]:
    return journal.read(wh)[0]


def test_a_rejected_load_or_a_failed_write_appends_nothing(warehouse, monkeypatch):
    wh = wb.make_warehouse(warehouse.path)
    assert [e["kind"] for e in _lines(wh)] == ["load"]
    result = pipeline.load_bytes(wh, b"not a workbook", "bad.xlsx")
    assert result.status == "rejected"
    assert pipeline.load_bytes(wh, wb.month_xlsx(), wb.FIRST_FILE).status == "duplicate"
    assert len(_lines(wh)) == 1

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "insert_load", broken)
    with pytest.raises(RuntimeError):
        pipeline.load_bytes(wh, wb.month_xlsx("2026年9月"), "september.xlsx")
    with pytest.raises(ValueError):
        pipeline.revert(wh, 99)
    with pytest.raises(users.UserError):
        users.add_user(wh, "a b", PASSWORD, "view")
    assert len(_lines(wh)) == 1


def test_lines_chain_versions_and_hold_hashes_not_passwords(warehouse):
    wh = wb.make_warehouse(warehouse.path)
    users.add_user(wh, "li", PASSWORD, "admin")
    users.reset_password(wh, "li", PASSWORD + "2")
    users.disable_user(wh, "li")
    assert users.disable_user(wh, "li") is None  # no change, no line
    lines = _lines(wh)
    assert [(e["kind"], e["before"], e["version"]) for e in lines] == [
        ("load", 0, 1), ("user_add", 1, 2), ("user_reset", 2, 3), ("user_disable", 3, 4)]
    text = journal.journal_path(wh).read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert lines[2]["password_hash"] == auth.get_user(wh.connect(), "li").password_hash
    assert lines[0]["loads"][0]["archive"].startswith("archive/") and lines[0]["db"] == "kpi.duckdb"


def test_a_journal_failure_warns_but_the_write_stands(warehouse):
    wh = wb.make_warehouse(warehouse.path)
    path = journal.journal_path(wh)
    path.unlink()
    path.mkdir()  # appending now fails
    with pytest.warns(journal.JournalWarning, match="未能记入恢复日志"):
        version = users.add_user(wh, "li", PASSWORD, "admin")
    assert version == 2 and auth.get_user(wh.connect(), "li") is not None


def test_a_line_cut_off_by_a_crash_does_not_swallow_the_next(warehouse):
    wh = wb.make_warehouse(warehouse.path)
    with open(journal.journal_path(wh), "a", encoding="utf-8") as fh:
        fh.write('{"kind": "user_add", "us')
    users.add_user(wh, "li", PASSWORD, "admin")
    entries, bad = journal.read(wh)
    assert [e["kind"] for e in entries] == ["load", "user_add"] and bad == [2]


def test_the_cli_refuses_an_empty_archive(tmp_path, capsys):
    path = tmp_path / "none.duckdb"
    assert _cli("restore", "--db", str(path)) == 1
    assert "没有可用于恢复的记录或报表文件" in capsys.readouterr().err


def test_users_add_reads_the_password_from_stdin_and_journals_only_its_hash(warehouse, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert _cli("users", "add", "li", "--role", "admin", "--password-stdin", "--db", str(warehouse.path)) == 0
    line = json.loads(journal.journal_path(warehouse).read_text(encoding="utf-8").splitlines()[0])
    assert line["kind"] == "user_add" and line["password_hash"].startswith("scrypt$") and PASSWORD not in str(line)
