"""Killing a writer at any moment leaves the warehouse as it was before or as the whole write made it, never in
between, and the next write works.

tests/etl/test_revisions.py kills a load in-process while it writes (an injected sleep after the insert). These kill
the real command line, ``python -m etl load`` of a batch of three files and ``python -m etl revert``, with SIGKILL at
moments read from the writer's own progress: while it archives and checks the files, the instant its private copy
of the warehouse appears, and a little later inside the write. bench/fault_trials.py does the same at random moments
with the app serving; its consistency check (every event, load, observation and audit entry agrees) is the one used
here, and is itself shown to catch a half-written load.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from bench.fault_trials import consistency_problems, kill_after, leftovers, state
from kpi import store
from tests.app.workbooks import county_rows, county_warehouse, month_xlsx
from tests.conftest import db_fingerprint

PROJECT = Path(__file__).resolve().parents[2]
MONTHS = ("2026年6月", "2026年7月", "2026年8月")


def etl(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "etl", *args, "--db", str(db)]


@pytest.fixture
def wh(tmp_path) -> store.Warehouse:
    """海曙区's townships for 2026年9月 and 10月 (two loads)."""
    return county_warehouse(tmp_path / "wh" / "kpi.duckdb")


@pytest.fixture
def batch(tmp_path) -> list[Path]:
    """Three more months of 海曙区, 85 values each: one ``etl load`` publishes them as one snapshot."""
    rows = county_rows()
    files = []
    for month in MONTHS:
        path = tmp_path / "in" / f"海曙区{month}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(month_xlsx(month, rows))
        files.append(path)
    return files


def archived(wh: store.Warehouse) -> int:
    return sum(1 for p in wh.archive_dir.rglob("*") if p.is_file()) if wh.archive_dir.exists() else 0


def kill_when_checking(proc: subprocess.Popen, wh: store.Warehouse) -> tuple[str, float]:
    """Kill as soon as the load has archived its first file: it is reading and checking, has not copied anything."""
    start, before = time.monotonic(), archived(wh)
    while archived(wh) == before and proc.poll() is None:
        time.sleep(0.001)
    return kill_after(proc, 0.0, wh.path)[0], time.monotonic() - start


@pytest.mark.parametrize("moment", ["checking", "copy appears", "writing"])
def test_a_killed_batch_load_publishes_all_of_it_or_nothing(wh, batch, moment):
    before, fingerprint = state(wh.path), db_fingerprint(wh)
    whole = before._replace(version=before.version + 3, loads=before.loads + 3, active=before.active + 3,
                            observations=before.observations + 3 * 85)
    proc = subprocess.Popen(etl(wh.path, "load", *map(str, batch)), cwd=PROJECT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        if moment == "checking":
            phase, _ = kill_when_checking(proc, wh)
        else:  # the copy appears: the writer holds the lock and copies; writing: it migrates, inserts, checkpoints
            delay = 0.0 if moment == "copy appears" else random.uniform(0.002, 0.015)
            phase, _ = kill_after(proc, delay, wh.path, after_copy=True)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == -signal.SIGKILL, f"the load finished before the kill ({phase}): the test proved nothing"
    expected = {"checking": {"启动或校验中"}, "copy appears": {"写副本中"}, "writing": {"写副本中", "已发布"}}[moment]
    assert phase in expected
    assert consistency_problems(wh.path) == []
    if phase == "已发布":  # killed between the replace and the exit: the whole batch is in
        assert state(wh.path) == whole
    else:
        assert db_fingerprint(wh) == fingerprint and state(wh.path) == before
    if phase == "写副本中":
        assert any(".tmp" in name for name in leftovers(wh.path)), "the dead writer's private copy should be there"

    # The next load of the same files: the whole batch (or, had it published, three repeats changing nothing), and
    # the dead writer's copy is gone.
    done = subprocess.run(etl(wh.path, "load", *map(str, batch)), cwd=PROJECT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert state(wh.path) == whole
    assert leftovers(wh.path) == []
    assert consistency_problems(wh.path) == []


def test_a_killed_revert_reverts_or_leaves_the_load_in_force(wh):
    before = state(wh.path)
    proc = subprocess.Popen(etl(wh.path, "revert", "2"), cwd=PROJECT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    phase, _ = kill_after(proc, random.uniform(0.0, 0.01), wh.path, after_copy=True)
    assert proc.returncode == -signal.SIGKILL, f"the revert finished before the kill ({phase})"
    assert consistency_problems(wh.path) == []
    reverted = before._replace(version=before.version + 1, active=before.active - 1)
    assert state(wh.path) == (reverted if phase == "已发布" else before)

    again = subprocess.run(etl(wh.path, "revert", "2"), cwd=PROJECT, capture_output=True, text=True, timeout=120)
    if phase == "已发布":
        assert again.returncode == 1 and "无需重复撤销" in again.stderr
    else:
        assert again.returncode == 0, again.stdout + again.stderr
    assert state(wh.path) == reverted
    assert leftovers(wh.path) == []
    assert consistency_problems(wh.path) == []


def test_the_consistency_check_finds_a_half_written_load(wh, tmp_path):
    """The check the fault trials rely on is not vacuous: a load missing some of its values, an event without its
    audit entry and a revert without its event are each reported."""
    assert consistency_problems(wh.path) == []
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(wh.path, broken)
    con = duckdb.connect(str(broken))
    con.execute("DELETE FROM observations WHERE load_id = 2 AND region_code = (SELECT min(region_code) "
                "FROM observations WHERE load_id = 2)")
    con.execute("DELETE FROM audit_log WHERE version = 1")
    con.execute("UPDATE loads SET status = 'reverted', revert_version = 9 WHERE load_id = 1")
    con.close()
    problems = "\n".join(consistency_problems(broken, since_version=0))
    assert "导入批次的数值个数与记录不符（半个导入）" in problems
    assert "写入事件没有审计记录" in problems
    assert "撤销没有对应的撤销事件" in problems
