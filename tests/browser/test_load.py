"""Concurrent sessions while the command line loads: no session sees an error or partial data.

Eight sessions talk to the real app over its websocket as a browser tab does (bench/ws_client.py: no Chromium, so
many sessions cost little) and keep opening 总览, 指标详情, 指标目录 and 地图 while ``python -m etl load`` publishes two
batches of three months each. Every run must finish without an exception or an error alert; every data version a
run shows must be one the loader published whole (a batch is one snapshot holding three versions: the first two may
never be seen); and the figures a run shows must be kpi's figures for that version, recomputed afterwards from the
final warehouse, which keeps every version (bench.load_sessions.verify — the same check as the 50-session benchmark).

app.py pins the snapshot it read for the page as well (views.shared.pin_data_key), so the sidebar's version and the
page's figures always agree: a run showing two versions fails. And a cold start — concurrent first requests to a
freshly started server, which Streamlit once ran bare when the pages lived in a folder named pages/ — all go
through the router.
"""

from __future__ import annotations

import random
import shlex
import subprocess
import sys
import threading

import pytest

from bench.load_sessions import Server, Visit, query_string, verify
from bench.ws_client import Session
from kpi import store
from tests.app.workbooks import HAISHU, county_rows, county_warehouse, month_xlsx
from tests.browser.driver import ROOT, served

pytestmark = pytest.mark.browser

SESSIONS = 8
MONTHS = ("2026年3月", "2026年4月", "2026年5月", "2026年6月", "2026年7月", "2026年8月")
# (page, url path, query): 海曙区 and one of its townships, at 2026-10 and at 2026-05 (a month the loads bring).
VIEWS = [
    ("overview", "", {"region": HAISHU, "period": "2026-10"}),
    ("overview", "", {"region": "330203001000", "period": "2026-05"}),
    ("indicator", "indicator", {"region": HAISHU, "period": "2026-10", "indicator": "EC_BED_NEW"}),
    ("indicator", "indicator", {"region": HAISHU, "period": "2026-05", "indicator": "EC_R_BED_10K"}),
    ("catalog", "catalog", {}),
    ("map", "map", {"region": HAISHU, "period": "2026-10", "indicator": "EC_BED_TOTAL"}),
]


def browse(number: int, url: str, loader: subprocess.Popen, visits: list[Visit], lock: threading.Lock) -> None:
    """Open the views in a random order until the loads are done and at least two passes are made."""
    rng = random.Random(number)
    passes = 0
    with Session(url) as session:
        while loader.poll() is None or passes < 2:
            for page, path, params in rng.sample(VIEWS, len(VIEWS)):
                run = session.open(path, query_string(params), timeout=60)
                run.page = page
                with lock:
                    visits.append(Visit(number, page, params, 0.0, run))
                if not run.finished:
                    return
            passes += 1


def test_sessions_see_whole_versions_while_the_cli_loads(tmp_path):
    with served(tmp_path, county_warehouse) as server:
        with Session(server.url) as warm:
            assert warm.open("").ok
        start = store.current_version(store.Warehouse(server.db).connect())
        rows = county_rows()
        files = []
        for month in MONTHS:
            path = tmp_path / f"海曙区{month}.xlsx"
            path.write_bytes(month_xlsx(month, rows))
            files.append(path)
        script = " && ".join(
            shlex.join([sys.executable, "-m", "etl", "load", *map(str, files[i:i + 3]), "--db", str(server.db)])
            for i in (0, 3))
        visits: list[Visit] = []
        lock = threading.Lock()
        loader = subprocess.Popen(["sh", "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        sessions = [threading.Thread(target=browse, args=(n, server.url, loader, visits, lock))
                    for n in range(SESSIONS)]
        for t in sessions:
            t.start()
        output = loader.communicate(timeout=180)[0]
        for t in sessions:
            t.join(timeout=180)
        server_log = server.log()

    assert loader.returncode == 0, output
    problems = [f"{v.page}?{query_string(v.params)}: {v.run.problems()}" for v in visits if not v.run.ok]
    assert not problems, "\n".join(problems) + "\n--- server log:\n" + server_log
    # The loader published start + 3 and start + 6; start + 1, 2, 4 and 5 exist only inside those snapshots.
    published = [start, start + 3, start + 6]
    seen = sorted({v for visit in visits for v in visit.run.versions})
    during = [v for v in visits if v.run.version not in (None, start, start + 6)]
    print(f"{len(visits)} runs; versions seen {seen}; {len(during)} runs showed the version between the batches")
    assert len(visits) >= SESSIONS * 2 * len(VIEWS)
    verdicts = verify(visits, server.db, published)
    assert not verdicts.unpublished, verdicts.unpublished
    assert not verdicts.wrong, verdicts.wrong
    assert sum(verdicts.checked.values()) >= SESSIONS * 2 * 5  # overviews, detail pages, catalogues of 2 passes
    assert not (verdicts.lagging or verdicts.mixed_versions), verdicts.lagging + verdicts.mixed_versions


def start_cold(tmp_path) -> Server:
    db = tmp_path / "cold" / "kpi.duckdb"
    county_warehouse(db)
    server = Server(db, tmp_path / "cold.log")
    server.start()
    return server


def test_concurrent_first_requests_after_a_start_all_go_through_the_router(tmp_path):
    server = start_cold(tmp_path)
    runs = []
    try:
        def first(path: str) -> None:
            with Session(server.url) as session:
                runs.append(session.open(path, f"region={HAISHU}" if path != "catalog" else "", timeout=60))

        threads = [threading.Thread(target=first, args=(p,)) for p in ("catalog", "indicator", "map", "data", "plan")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        server.stop()
    assert [r.problems() for r in runs if not r.ok] == [], server.log()[-5000:]
    assert server.tracebacks() == 0, server.log()[-5000:]
    # Through the router: the frame's sidebar (with the data version) is on every page.
    assert all(r.sidebar_version is not None for r in runs)
