"""(c) Loads from the command line while the app is serving: the next rerun shows the new data version and values, no
restart, and never an error — not even for reruns that land while the loader copies, writes and replaces the file."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from kpi import store
from tests.app.workbooks import VALUES_PER_FILE, county_rows, month_xlsx
from tests.browser.driver import ROOT, metric, open_app, rerun, screenshot, sidebar

pytestmark = pytest.mark.browser


def etl_load(db, *files) -> list[str]:
    return [sys.executable, "-m", "etl", "load", *map(str, files), "--db", str(db)]


def status(db) -> dict:
    return store.status(store.Warehouse(db).connect())


def test_cli_load_shows_after_a_rerun(page, server, tmp_path):
    open_app(page, server, "catalog")
    expect(metric(page, "当前有效数值")).to_have_text(f"{VALUES_PER_FILE} 个")
    expect(sidebar(page)).to_contain_text("数据版本 v1 ·")

    august = tmp_path / "海曙区2026年8月.xlsx"
    august.write_bytes(month_xlsx("2026年8月"))
    done = subprocess.run(etl_load(server.db, august), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"已导入：{VALUES_PER_FILE}个数值" in done.stdout

    rerun(page, lambda: page.keyboard.press("r"))  # Streamlit's own rerun key, as a user would press it
    expect(metric(page, "当前有效数值")).to_have_text(f"{2 * VALUES_PER_FILE} 个")
    expect(sidebar(page)).to_contain_text("数据版本 v2 ·")
    screenshot(page, "catalog_after_cli_load")


def test_rapid_reruns_while_the_cli_loads(page, server, tmp_path):
    before = status(server.db)
    open_app(page, server, "catalog")
    expect(sidebar(page)).to_contain_text(f"数据版本 v{before['version']} ·")

    # Six monthly files of all 17 townships of 海曙区, loaded by three commands one after the other: three snapshots
    # published while the page reruns as fast as it can.
    rows = county_rows()
    files = []
    for month in range(1, 7):
        path = tmp_path / f"海曙区2026年{month}月.xlsx"
        path.write_bytes(month_xlsx(f"2026年{month}月", rows))
        files.append(path)
    script = " && ".join(shlex.join(etl_load(server.db, *files[i:i + 2])) for i in range(0, len(files), 2))
    loader = subprocess.Popen(["sh", "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    refresh = page.get_by_role("button", name="刷新数据")
    reruns, versions_seen = 0, set()
    try:
        while loader.poll() is None:
            if reruns % 2:
                rerun(page, lambda: page.keyboard.press("r"))
            else:  # a rerun, and a click that interrupts it with another
                rerun(page, lambda: (page.keyboard.press("r"), refresh.click()))
            reruns += 1
            versions_seen.add(sidebar(page).get_by_text("数据版本").inner_text().split(" ·")[0])
    finally:
        output = loader.communicate(timeout=120)[0]
    print(f"{reruns} reruns during the loads; versions seen: {sorted(versions_seen)}")
    assert loader.returncode == 0, output
    assert reruns >= 3, f"only {reruns} reruns overlapped the load; the test proves nothing"

    rerun(page, lambda: page.keyboard.press("r"))
    added = len(rows) * 5 * len(files)
    expect(sidebar(page)).to_contain_text(f"数据版本 v{before['version'] + len(files)} ·")
    expect(metric(page, "当前有效数值")).to_have_text(f"{before['observations_current'] + added:,} 个")
    screenshot(page, "catalog_after_rapid_reruns")
