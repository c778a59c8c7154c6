"""Soak run of the 大屏 (not a test): serve /screen for N minutes of rotation in headless Chromium and report the
server's and the browser's memory at the start and the end (and every few minutes in between).

    python -m bench.screen_soak                      # 30 minutes, demo warehouse, map rotating every 10 s
    python -m bench.screen_soak --minutes 5 --rotate 5 --republish 1

A wall runs for days, so what matters is the slope: memory a run takes on while the screen rotates, refreshes and
reads new snapshots. The server is a fresh ``streamlit run app.py`` on a copy of the warehouse (``--db``, default
$KPI_DB or the demo warehouse); ``--republish`` replaces the copy atomically every N minutes, as a load does, so the
screen moves to a new snapshot (new file identity: its cached results miss and are computed again). The browser is
Debian's Chromium with the same switches as the browser tests; every request that leaves localhost is refused and
counted. Memory is read from /proc (resident set size, RSS) for the server and for every Chromium process, plus the
page's JavaScript heap and DOM node count through the DevTools protocol after a forced garbage collection.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def rss_mb(pid: int) -> float:
    """Resident set size of one process, MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat parent ids)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KPI_DB": str(db), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"streamlit was not healthy after 90 s:\n{log.read_text()}")


def republish(db: Path) -> None:
    """Replace the warehouse file by an identical copy, atomically, as a load publishes a new snapshot."""
    tmp = db.with_name(db.name + ".soak")
    shutil.copyfile(db, tmp)
    os.replace(tmp, db)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    ap.add_argument("--db", type=Path, default=None, help="warehouse to copy (default $KPI_DB or the demo warehouse)")
    ap.add_argument("--rotate", type=int, default=10, help="map rotation, seconds (default 10)")
    ap.add_argument("--refresh", type=int, default=30, help="check for new data, seconds (default 30)")
    ap.add_argument("--republish", type=float, default=5.0,
                    help="replace the warehouse file every N minutes, as a load would (default 5; 0 = never)")
    ap.add_argument("--sample", type=float, default=5.0, help="print a sample every N minutes (default 5)")
    ap.add_argument("--size", default="1920x1080", help="viewport, WxH (default 1920x1080)")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from kpi import store

    source = args.db or store.default_db_path()
    if not source.exists():
        raise SystemExit(f"no warehouse at {source}: run python -m etl build-demo first, or pass --db")
    width, height = (int(v) for v in args.size.lower().split("x"))
    work = Path(tempfile.mkdtemp(prefix="screen-soak-"))
    db = work / "kpi.duckdb"
    shutil.copyfile(source, db)
    port = free_port()
    server = start_server(db, port, work / "streamlit.log")
    url = f"http://127.0.0.1:{port}/screen?rotate={args.rotate}&refresh={args.refresh}"
    print(f"服务 {url}（数据库副本 {db}），{args.minutes:g} 分钟，视口 {width}×{height}")
    outside: list[str] = []
    samples = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")

            def guard(route):
                if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            browser_cdp = browser.new_browser_cdp_session()
            page.goto(url)
            page.wait_for_selector(".st-key-scr-map canvas", timeout=120_000)
            page.wait_for_timeout(3000)
            page.evaluate("() => { window.__soakMarker = 1; }")
            codes_seen: list[str] = []

            def sample(label: str) -> dict:
                cdp.send("HeapProfiler.collectGarbage")
                page.wait_for_timeout(500)
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                pids = [p["id"] for p in browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]]
                browser_rss = sum(rss_mb(p) for p in pids)
                server_rss = sum(rss_mb(p) for p in descendants(server.pid))
                row = {"label": label, "minutes": (time.monotonic() - started) / 60, "server": server_rss,
                       "browser": browser_rss, "heap": metrics.get("JSHeapUsedSize", 0) / 2**20,
                       "nodes": int(metrics.get("Nodes", 0)), "listeners": int(metrics.get("JSEventListeners", 0)),
                       "version": page.locator("[data-screen-version]").get_attribute("data-screen-version"),
                       "rotations": max(len(codes_seen) - 1, 0)}
                samples.append(row)
                print(f"{row['label']:>4} {row['minutes']:6.1f} 分 服务器 RSS {row['server']:7.1f} MB · "
                      f"浏览器 RSS {row['browser']:7.1f} MB · JS 堆 {row['heap']:6.1f} MB · DOM 节点 {row['nodes']:6d} · "
                      f"监听器 {row['listeners']:5d} · 数据版本 v{row['version']} · 已轮播 {row['rotations']} 次",
                      flush=True)
                return row

            started = time.monotonic()
            sample("开始")
            end = started + args.minutes * 60
            next_sample = started + args.sample * 60
            next_publish = started + args.republish * 60 if args.republish else float("inf")
            last_code = None
            while time.monotonic() < end:
                page.wait_for_timeout(1000)  # lets Playwright serve the route guard meanwhile
                code = page.locator("[data-testid=screenMapTitle]").get_attribute("data-code")
                if code != last_code:
                    codes_seen.append(code)
                    last_code = code
                now = time.monotonic()
                if now >= next_publish:
                    republish(db)
                    next_publish += args.republish * 60
                if now >= next_sample:
                    sample("")
                    next_sample += args.sample * 60
            final = sample("结束")
            reloaded = page.evaluate("() => window.__soakMarker") != 1
            offline = page.get_by_test_id("screenOffline").is_visible()
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    first = samples[0]
    print()
    print(f"服务器 RSS：{first['server']:.1f} → {final['server']:.1f} MB（{final['server'] - first['server']:+.1f}）")
    print(f"浏览器 RSS（全部 Chromium 进程）：{first['browser']:.1f} → {final['browser']:.1f} MB"
          f"（{final['browser'] - first['browser']:+.1f}）")
    print(f"页面 JS 堆：{first['heap']:.1f} → {final['heap']:.1f} MB；DOM 节点：{first['nodes']} → {final['nodes']}")
    print(f"地图轮播 {final['rotations']} 次；页面{'被重新加载过' if reloaded else '从未重新加载'}；"
          f"{'连接中断提示正在显示' if offline else '无连接中断提示'}；访问外网的请求 {len(outside)} 个")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
