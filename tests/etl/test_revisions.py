"""Revisions, reverts, idempotency and "as of": a monthly report must be reproducible later."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl import pipeline
from kpi import store
from tests.conftest import db_fingerprint
from tests.fixtures import ROWS, table_rows, xlsx

NANMEN = "330203001000"
PROJECT = Path(__file__).resolve().parents[2]


def _value(wh, version=None, region=NANMEN, code="EC_BED_TOTAL", period="2026-10"):
    df = store.observations(wh.connect(), version)
    hit = df[(df.region_code == region) & (df.indicator_code == code)
             & (df.period.astype(str).str.startswith(period))]
    return None if hit.empty else (hit.value.iloc[0], int(hit.load_id.iloc[0]))


def _revised(value: int) -> bytes:
    rows = [list(r) for r in ROWS]
    rows[0][1] = value
    return xlsx(table_rows(rows=rows))


def test_same_content_twice_is_a_noop_that_says_so(warehouse):
    first = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    before = db_fingerprint(warehouse)
    again = pipeline.load_bytes(warehouse, xlsx(table_rows()), "renamed copy.xlsx")
    assert first.status == "loaded"
    assert again.status == "duplicate"
    assert f"批次 #{first.load_id}，a.xlsx" in again.message and "本次未重复导入" in again.message
    assert db_fingerprint(warehouse) == before
    assert len(store.list_loads(warehouse.connect())) == 1


def test_later_load_supersedes_without_deleting(warehouse):
    a = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    b = pipeline.load_bytes(warehouse, _revised(333), "a_更正.xlsx")
    assert _value(warehouse) == (333, b.load_id)
    # The superseded value is kept and still answers "as of" the first load.
    assert _value(warehouse, version=a.version) == (300, a.load_id)
    # The revision re-submitted the whole table; townships it leaves out keep the first load's values.
    assert _value(warehouse, code="EC_BED_INST") == (200, b.load_id)
    c = pipeline.load_bytes(warehouse, xlsx(table_rows(rows=[["江厦街道", 1201, 800, 400, 20000, 5]])), "补报.xlsx")
    assert _value(warehouse, region="330203002000") == (1201, c.load_id)
    assert _value(warehouse) == (333, b.load_id)
    assert store.status(warehouse.connect())["observations_all"] == 35


def test_revert_brings_earlier_values_back_and_keeps_the_record(warehouse):
    a = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    b = pipeline.load_bytes(warehouse, _revised(333), "b.xlsx")
    version = pipeline.revert(warehouse, b.load_id, who="王五")
    assert _value(warehouse) == (300, a.load_id)
    loads = store.list_loads(warehouse.connect()).set_index("load_id")
    assert loads.loc[b.load_id, "status"] == "reverted"
    assert loads.loc[b.load_id, "reverted_by"] == "王五"
    # As of the moment before the revert, the revision still counted: history is reproducible.
    assert _value(warehouse, version=version - 1) == (333, b.load_id)
    # The counts and the frame's version line as of each version, read through the newest snapshot: a page pinned
    # to an older snapshot never shows a newer one's figures.
    con = warehouse.connect()
    now, before = store.status(con), store.status(con, version - 1)
    assert (now["version"], now["loads"], now["loads_active"]) == (version, 2, 1)
    assert (before["version"], before["loads"], before["loads_active"]) == (version - 1, 2, 2)
    assert before["observations_all"] == now["observations_all"]
    assert store.status(con, a.version)["loads"] == 1 and store.status(con, a.version)["observations_current"] == 15
    fresh, earlier = store.freshness(con), store.freshness(con, a.version)
    assert (fresh["version"], earlier["version"]) == (version, a.version)
    assert earlier["updated_at"] == loads.loc[a.load_id, "loaded_at"] < fresh["updated_at"]
    with pytest.raises(ValueError, match="已于.*撤销，无需重复撤销"):
        pipeline.revert(warehouse, b.load_id)
    with pytest.raises(ValueError, match="没有编号为 #99 的导入批次"):
        pipeline.revert(warehouse, 99)


def test_reverting_the_only_load_leaves_the_value_missing_not_zero(warehouse):
    a = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    pipeline.revert(warehouse, a.load_id)
    assert _value(warehouse) is None


def test_reloading_reverted_content_is_a_new_load(warehouse):
    a = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    pipeline.revert(warehouse, a.load_id)
    again = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    assert again.status == "loaded" and again.load_id != a.load_id
    assert _value(warehouse) == (300, again.load_id)


def test_as_of_a_date(warehouse):
    pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    between = dt.datetime.now()
    time.sleep(0.01)
    pipeline.load_bytes(warehouse, _revised(444), "b.xlsx")
    con = warehouse.connect()
    assert _value(warehouse, version=store.version_at(con, between))[0] == 300
    assert _value(warehouse, version=store.version_at(con, dt.datetime.now()))[0] == 444
    assert store.version_at(con, dt.datetime(2000, 1, 1)) == 0
    assert _value(warehouse, version=0) is None


def test_as_of_a_load(warehouse):
    a = pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    pipeline.load_bytes(warehouse, _revised(444), "b.xlsx")
    con = warehouse.connect()
    assert _value(warehouse, version=store.version_of_load(con, a.load_id))[0] == 300


def test_every_value_points_at_its_load_file_and_cell(warehouse):
    result = pipeline.load_bytes(warehouse, xlsx(table_rows()), "海曙10月.xlsx")
    df = store.observations(warehouse.connect())
    row = df[(df.region_code == NANMEN) & (df.indicator_code == "POP60_HJ")].iloc[0]
    assert (row.load_id, row.sheet, row.cell, row.raw_value) == (result.load_id, "Sheet1", "E4", "8000")
    load = store.get_load(warehouse.connect(), result.load_id)
    assert load["file_name"] == "海曙10月.xlsx"
    archived = warehouse.path.parent / load["archive_path"]
    assert archived.read_bytes() == xlsx(table_rows()) or archived.stat().st_size > 0


def test_a_failed_write_publishes_nothing(warehouse, monkeypatch):
    pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    before = db_fingerprint(warehouse)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "insert_load", boom)
    with pytest.raises(RuntimeError):
        pipeline.load_bytes(warehouse, _revised(999), "b.xlsx")
    assert db_fingerprint(warehouse) == before
    assert not list(warehouse.path.parent.glob("*.tmp*"))


def test_a_batch_is_per_file_all_or_nothing(warehouse):
    good = ("good.xlsx", xlsx(table_rows()))
    bad = ("bad.xlsx", xlsx(table_rows(rows=[["不存在镇", 1, 1, 1, 1, 1]])))
    results = pipeline.load_batch(warehouse, [(good[1], good[0]), (bad[1], bad[0])])
    assert [r.status for r in results] == ["loaded", "rejected"]
    loads = store.list_loads(warehouse.connect())
    assert loads.file_name.tolist() == ["good.xlsx"]


KILL_SCRIPT = """
import sys, time
from kpi import store
from etl import pipeline
real = store.insert_load
def slow(*a, **k):
    out = real(*a, **k)
    print("WRITING", flush=True)
    time.sleep(30)
    return out
store.insert_load = slow
wh = store.Warehouse(sys.argv[1])
pipeline.load_bytes(wh, open(sys.argv[2], "rb").read(), "revision.xlsx")
"""


def test_killing_a_load_midway_leaves_the_warehouse_as_it_was(warehouse, write_file):
    pipeline.load_bytes(warehouse, xlsx(table_rows()), "a.xlsx")
    before = db_fingerprint(warehouse)
    revision = write_file("revision.xlsx", _revised(777))
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(warehouse.path), str(revision)], cwd=PROJECT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert db_fingerprint(warehouse) == before
    assert _value(warehouse)[0] == 300
    # The next writer clears the dead writer's temp copy and works normally.
    assert list(warehouse.path.parent.glob("*.tmp*"))
    result = pipeline.load_bytes(warehouse, _revised(778), "next.xlsx")
    assert result.status == "loaded"
    assert _value(warehouse)[0] == 778
    assert not list(warehouse.path.parent.glob("*.tmp*"))


def test_cli_load_history_revert_status(tmp_path, write_file, capsys):
    from etl.cli import main

    db = str(tmp_path / "cli" / "k.duckdb")
    f = write_file("海曙.xlsx", xlsx(table_rows()))
    assert main(["load", str(f), "--db", db, "--user", "赵六"]) == 0
    assert "→ 已导入：15个数值（导入批次 #1，数据版本 v1）" in capsys.readouterr().out
    assert main(["load", str(f), "--db", db]) == 0
    assert "本次未重复导入" in capsys.readouterr().out
    assert main(["history", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "赵六" in out and "有效" in out and "海曙.xlsx" in out
    assert main(["revert", "1", "--db", db]) == 0
    assert "已撤销导入批次 #1（数据版本 v2）" in capsys.readouterr().out
    assert main(["status", "--json", "--db", db]) == 0
    import json

    info = json.loads(capsys.readouterr().out)
    assert info["version"] == 2 and info["observations_current"] == 0 and info["observations_all"] == 15
    assert info["regions"]["township"] == 352
