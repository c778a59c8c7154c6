"""Concurrent sessions while loads run (not a test): N websocket clients browse every page of a real ``streamlit run
app.py`` while ``python -m etl load`` and ``python -m etl revert`` write the same warehouse.

    python -m bench.load_sessions                       # 50 sessions, 2 rounds of the 8 pages each
    python -m bench.load_sessions --sessions 10 --minutes 3

The warehouse is a copy of the demo warehouse (``--db``, default $KPI_DB or data/warehouse/kpi.duckdb; built with
``python -m etl build-demo`` into the temporary directory when missing), served on a free port. Each session is one
browser tab (bench/ws_client.py): it visits the pages in its own random order with a region, period and indicator
from a fixed pool in the URL, pausing a little between visits. Meanwhile a loader loads the demo generator's files of
the next month (and a 更正 of the latest month) in batches, one ``python -m etl load`` per batch, and now and then
reverts one of its loads.

Figures printed: page runs and errors (exception elements, st.error alerts, runs that did not finish or lost their
connection — must be 0), p50/p95/max seconds per page and overall (request sent → script run finished), the loads
done, and the data versions the sessions saw. Then the checks that no session saw partial data:

- every run shows one data version (the sidebar's "数据版本 vN" and any version the page itself prints agree; a 月报's
  stamp may name an older one, the last change the report reads, never a newer one);
- every version a session saw is one the loader published whole: a batch of k files is one snapshot holding k
  versions, and only its last may ever be seen;
- the figures a run showed are the figures of the version it showed, recomputed afterwards from the final warehouse
  (it keeps every version) with kpi itself: 指标目录's counts (SQL written here, "as of V"), every card of 指标总览 and
  the tiles of 指标详情 (kpi.scorecard.cards at V), the 总体情况 paragraph of 月报 (kpi.report.build at V, although
  the page made it as of its stamp's version). A run whose
  figures are those of a *later* version is counted apart (the sidebar's version label lagging the page);
- every load of the loader is all-or-nothing: its observations in the warehouse number exactly the values its
  file's check found, and the warehouse passes bench.fault_trials.consistency_problems.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load_bench import _pad, _width, environment
from bench.ws_client import ClientError, PageRun, Session, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "indicator", "map", "report", "plan", "catalog", "data", "screen")
PAGE_NAMES = {"overview": "指标总览", "indicator": "指标详情", "map": "地图", "report": "月报", "plan": "十五五规划",
              "catalog": "指标目录", "data": "数据管理", "screen": "大屏"}
# 指标总览 is the default page: Streamlit serves it at the root URL, and a request for /overview gets "page not
# found" (and the main page) — so the sessions ask for "", as the sidebar link does.
URL_PATHS = {"overview": ""}
# 海曙区, 鄞州区, 南浔区, 晋江市 (counties), 宁波市 (the city: the heaviest pages), 南门街道 (a township).
COUNTIES = ("330203000000", "330212000000", "330503000000", "350582000000")
CITY, TOWNSHIP = "330200000000", "330203001000"
REGIONS = (*COUNTIES, CITY, TOWNSHIP)
REPORT_REGIONS = (CITY, *COUNTIES[:2])
INDICATORS = ("EC_R_BED_10K", "EC_BED_TOTAL", "EC_BED_NEW", "SA_DIBAO_PERSONS")
WHO = "并发基准"
CORRECTION_SEED = 2027  # the demo generator with another seed: a 更正 of a month already loaded, every value changed

LOADED = re.compile(r"已导入：(\d+)个数值（导入批次 #(\d+)，数据版本 v(\d+)）")
DUPLICATE = re.compile(r"内容相同的文件已于")
REVERTED = re.compile(r"已撤销导入批次 #(\d+)（数据版本 v(\d+)）")


def say(text: str = "") -> None:
    print(text, flush=True)


# ---- the warehouse and the files to load ----------------------------------------------------------------------------


def copy_warehouse(source: Path | None, folder: Path) -> Path:
    """A private copy of ``source`` (default $KPI_DB or the demo warehouse; built into ``folder`` if missing)."""
    from kpi import store

    source = Path(source) if source else store.default_db_path()
    if not source.exists():
        source = folder / "demo" / "kpi.duckdb"
        say(f"没有示例数据库，先生成（约 2 分钟）：python -m etl build-demo --db {source}")
        subprocess.run([sys.executable, "-m", "etl", "build-demo", "--db", str(source)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    db = folder / "wh" / "kpi.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, db)
    return db


def last_period(db: Path) -> dt.date:
    from kpi import store

    return store.status(store.Warehouse(db).connect())["last_period"]


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def loader_files(db: Path, folder: Path) -> tuple[list[Path], list[str]]:
    """Files for the loader, in load order, and the months they cover: the demo generator's next month after the
    warehouse's latest (when that month has begun: a report period may not lie in the future), then a 更正 of the
    latest month with every value changed (another generator seed)."""
    from etl import demo

    last = last_period(db)
    files, months = [], []
    nxt = next_month(last)
    if nxt <= dt.date.today():
        files += demo.generate(folder / "next", start=f"{nxt:%Y-%m}", end=f"{nxt:%Y-%m}")
        months.append(f"{nxt:%Y-%m}")
    files += demo.generate(folder / "correction", start=f"{last:%Y-%m}", end=f"{last:%Y-%m}", seed=CORRECTION_SEED)
    months.append(f"{last:%Y-%m}（更正）")
    return files, months


def etl_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "etl", *args, "--db", str(db)]


def parse_loads(output: str) -> list[tuple[int, int, int]]:
    """(load_id, version, values) of every file a ``python -m etl load`` reported as loaded."""
    return [(int(m[2]), int(m[3]), int(m[1])) for m in LOADED.finditer(output)]


# ---- the server ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``streamlit run app.py`` on a warehouse (as tests/browser/driver.py starts it), on a fixed port so that a
    restart comes back at the same address; its output goes to ``log`` (appended across restarts)."""

    def __init__(self, db: Path, log: Path, port: int | None = None):
        self.db, self.log_path = db, log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> float:
        """Start it; returns the seconds until /_stcore/health answered."""
        env = {**os.environ, "KPI_DB": str(self.db), "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
               str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            return wait_healthy(self.url, timeout, alive=lambda: self.proc.poll() is None)
        except ClientError as exc:
            self.stop()
            raise SystemExit(f"streamlit 未能启动（{exc}）：\n{self.log()[-3000:]}") from None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown handler runs."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tracebacks(self) -> int:
        return self.log().count("Traceback (most recent call last)")

    def exceptions(self) -> dict[str, int]:
        """The exception line of every traceback in the log (first 100 characters), with how often it occurred."""
        counts: dict[str, int] = {}
        for line in re.findall(r"^(?:[\w.]+\.)?\w*(?:Error|Exception)\b.*$", self.log(), re.M):
            counts[line[:100]] = counts.get(line[:100], 0) + 1
        return counts


# ---- the sessions ----------------------------------------------------------------------------------------------------


@dataclass
class Visit:
    session: int
    page: str
    params: dict[str, str]
    at: float  # seconds since the start of the run, when the request was sent
    run: PageRun


def page_params(page: str, rng: random.Random, periods: list[str]) -> dict[str, str]:
    """A region, period and indicator from the pools, as far as the page reads them."""
    if page in ("catalog", "data"):
        return {}
    if page == "screen":
        return {"region": rng.choice((CITY, *COUNTIES))}
    if page == "report":
        # A 月报 is computed and drawn (seconds) again whenever a load touches its region and month: a bureau opens
        # its own few, for the latest months — the city's changes with almost every load.
        return {"region": rng.choice(REPORT_REGIONS), "period": rng.choice(periods[-2:])}
    params = {"region": rng.choice(REGIONS), "period": rng.choice(periods)}
    if page in ("indicator", "map"):
        params["indicator"] = rng.choice(INDICATORS)
    return params


def query_string(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def browse(number: int, url: str, pages: tuple[str, ...], periods: list[str], rounds: int, deadline: float | None,
           think: float, seed: int, t0: float, visits: list[Visit], lock: threading.Lock) -> None:
    """One session: ``rounds`` passes over the pages in a random order each (or until ``deadline``), reconnecting
    if the connection drops (the failed run counts as an error)."""
    rng = random.Random(seed * 1000 + number)
    time.sleep(rng.uniform(0, 2))  # tabs are not opened all in the same instant
    session = Session(url)
    try:
        session.connect()
    except ClientError as exc:
        with lock:
            visits.append(Visit(number, "connect", {}, time.monotonic() - t0, PageRun("connect", "", failure=str(exc))))
        return
    done = 0
    try:
        while (deadline is None and done < rounds) or (deadline is not None and time.monotonic() < deadline):
            for page in rng.sample(pages, len(pages)):
                if deadline is not None and time.monotonic() >= deadline:
                    break
                params = page_params(page, rng, periods)
                at = time.monotonic() - t0
                run = session.open(URL_PATHS.get(page, page), query_string(params))
                run.page = page
                with lock:
                    visits.append(Visit(number, page, params, at, run))
                if not run.finished:
                    session.close()
                    try:
                        session.connect()
                    except ClientError:
                        return
                time.sleep(rng.uniform(0, 2 * think))
            done += 1
    finally:
        session.close()


def baseline(url: str, pages: tuple[str, ...], last: dt.date) -> str:
    """Each page opened twice by one session on the idle server: '总览 1.2/0.3 秒，…'."""
    rng = random.Random(0)
    out = []
    with Session(url) as session:
        for page in pages:
            query = query_string(page_params(page, rng, [f"{last:%Y-%m}"] * 2))
            first, second = (session.open(URL_PATHS.get(page, page), query) for _ in range(2))
            mark = "" if first.ok and second.ok else "（出错）"
            out.append(f"{PAGE_NAMES[page]} {first.seconds:.1f}/{second.seconds:.1f}{mark}")
    return "，".join(out) + " 秒"


# ---- the loader ------------------------------------------------------------------------------------------------------


@dataclass
class Action:
    kind: str  # load | revert
    label: str
    at: float
    seconds: float
    returncode: int
    output: str
    loads: list[tuple[int, int, int]] = field(default_factory=list)  # (load_id, version, values)
    duplicates: int = 0
    version: int | None = None  # the version of the snapshot it published

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Loader(threading.Thread):
    """Loads ``batches`` one ``python -m etl load`` at a time, ``pause`` seconds apart (randomised ±50%), and after
    every ``revert_every`` loads reverts the first load of the batch before."""

    def __init__(self, db: Path, batches: list[list[Path]], pause: float, revert_every: int, seed: int, t0: float):
        super().__init__(name="loader", daemon=True)
        self.db, self.batches, self.pause, self.revert_every = db, batches, pause, revert_every
        self.rng = random.Random(seed)
        self.t0 = t0
        self.actions: list[Action] = []
        self.halt = threading.Event()

    def _run(self, kind: str, label: str, args: list[str]) -> Action:
        at = time.monotonic()
        done = subprocess.run(etl_command(self.db, *args), cwd=ROOT, capture_output=True, text=True, timeout=600)
        out = done.stdout + done.stderr
        act = Action(kind, label, at - self.t0, time.monotonic() - at, done.returncode, out)
        if kind == "load":
            act.loads = parse_loads(out)
            act.duplicates = len(DUPLICATE.findall(out))
            act.version = max((v for _, v, _ in act.loads), default=None)
        elif (m := REVERTED.search(out)) is not None:
            act.version = int(m[2])
        self.actions.append(act)
        return act

    def run(self) -> None:
        for n, batch in enumerate(self.batches, 1):
            if self.halt.wait(self.rng.uniform(0.5, 1.5) * self.pause):
                return
            act = self._run("load", f"{len(batch)} 个文件", ["load", *map(str, batch), "--user", WHO])
            if self.revert_every and n % self.revert_every == 0 and len(self.actions) >= 2:
                previous = [a for a in self.actions[:-1] if a.kind == "load" and a.loads]
                if previous and not self.halt.wait(self.rng.uniform(0.5, 1.5) * self.pause):
                    load_id = previous[-1].loads[0][0]
                    self._run("revert", f"撤销 #{load_id}", ["revert", str(load_id), "--user", WHO])
            del act


# ---- what each version should show -----------------------------------------------------------------------------------

# 指标目录's counts as of version V, written here rather than taken from kpi.store.status (which reads the newest
# snapshot): a load counts at V when made at or before V and not reverted by then; the snapshot of V holds every
# observation of the loads made at or before V, reverted or not.
CATALOG_AS_OF = """
    WITH made AS (SELECT load_id, version, revert_version FROM loads WHERE version <= $v),
    active AS (SELECT load_id FROM made WHERE revert_version IS NULL OR revert_version > $v)
    SELECT (SELECT count(*) FROM indicators),
           (SELECT count(*) FROM (SELECT DISTINCT region_code, indicator_code, period
                                  FROM observations JOIN active USING (load_id))),
           (SELECT count(*) FROM active),
           (SELECT max(period) FROM observations JOIN made USING (load_id))
"""


def _flat(text: str) -> str:
    """A page's text with shared.plain()'s escaping undone (character references, word joiners, line breaks)."""
    return re.sub(r"\s*[\r\n]+\s*", " ", html.unescape(text).replace("\u2060", "")).strip()


class Expected:
    """The figures each page should show at a data version, recomputed from the final warehouse with kpi."""

    def __init__(self, db: Path):
        from etl import pipeline
        from kpi import store, targets

        self.con = store.Warehouse(db).connect()
        self.catalog, self.regions = pipeline.reference()
        self.thresholds = targets.load_thresholds()
        self._cards: dict[tuple, list] = {}
        self._books: dict[int, object] = {}
        self._reports: dict[tuple, str | None] = {}

    def _period(self, text: str):
        from kpi.periods import Period

        return Period.parse(text)

    def cards(self, region: str, period: str, version: int) -> list:
        from kpi import scorecard, targets

        key = (region, period, version)
        if key not in self._cards:
            if version not in self._books:
                self._books[version] = targets.book(self.con, version)
            self._cards[key] = scorecard.cards(self.con, self.catalog, self._books[version], region,
                                               self._period(period), thresholds=self.thresholds, version=version)
        return self._cards[key]

    def catalog_page(self, params: dict, version: int) -> dict[str, str]:
        indicators, current, active, last = self.con.execute(CATALOG_AS_OF, {"v": version}).fetchall()[0]
        return {"指标": f"{indicators} 个", "当前有效数值": f"{current:,} 个", "导入批次": f"{active} 个有效",
                "最新报告期": f"{last:%Y-%m}" if last else "—"}

    def overview_page(self, params: dict, version: int) -> dict[str, str]:
        from kpi import display
        from kpi.progress import STATUSES
        from kpi.scorecard import status_counts

        cards = self.cards(params["region"], params["period"], version)
        counts = status_counts(cards)
        out = {status: str(counts.get(status, 0)) for status in STATUSES}
        for card in cards:
            if card.value is not None:
                value, suffix = display.metric(card.figure.value, card.indicator.unit)
                out[card.indicator.name + suffix] = value
        return out

    def indicator_page(self, params: dict, version: int) -> dict[str, str]:
        from kpi import display

        card = next(c for c in self.cards(params["region"], params["period"], version)
                    if c.indicator.code == params["indicator"])
        unit = card.indicator.unit
        return {label: display.metric(fig.value, unit)[0] for label, fig in
                (("本期", card.figure), ("上期", card.previous), ("上年同期", card.last_year), ("上年末", card.year_end))}

    def report_summary(self, params: dict, version: int) -> str | None:
        """The 总体情况 paragraph, or None where kpi.report refuses to make the report (the page says why)."""
        from kpi.report import ReportError, content

        key = (params["region"], params["period"], version)
        if key not in self._reports:
            try:
                report = content.build(self.con, self.catalog, self.regions, params["region"],
                                       self._period(params["period"]), version=version, thresholds=self.thresholds)
                self._reports[key] = _flat(report.summary)
            except ReportError:
                self._reports[key] = None
        return self._reports[key]

    def matches(self, visit: Visit, version: int) -> tuple[bool, str]:
        """(the run showed exactly what ``version`` holds, the first difference)."""
        run = visit.run
        if visit.page == "report":
            # Made as of the last change it reads: never after the run's version, and saying what that version holds.
            if run.report_version is not None and run.report_version > version:
                return False, f"月报按 v{run.report_version} 生成，晚于页面版本 v{version}"
            want = self.report_summary(visit.params, version)
            shown = [_flat(t) for t in run.texts]
            if want is None:
                return not any("总体情况" in t for t in shown), "月报应无法生成"
            return want in shown, f"总体情况应为：{want[:60]}…"
        want = {"catalog": self.catalog_page, "overview": self.overview_page,
                "indicator": self.indicator_page}[visit.page](visit.params, version)
        for label, value in want.items():
            if run.metrics.get(label) != value:
                return False, f"“{label}”显示 {run.metrics.get(label)}，应为 {value}"
        extra = set(run.metrics) - set(want)
        if visit.page == "overview" and extra:
            return False, f"多出的卡片：{sorted(extra)[:3]}"
        return True, ""


CHECKED_PAGES = ("catalog", "overview", "indicator", "report")


@dataclass
class Verdicts:
    checked: dict[str, int] = field(default_factory=dict)
    good: dict[str, int] = field(default_factory=dict)
    lagging: list[str] = field(default_factory=list)  # figures of a later published version under the sidebar's
    wrong: list[str] = field(default_factory=list)  # figures of no published version: partial or mixed data
    mixed_versions: list[str] = field(default_factory=list)  # one run naming two versions
    unpublished: list[str] = field(default_factory=list)  # a version inside a batch, never published alone
    label_runs: set[int] = field(default_factory=set)  # runs whose sidebar names another snapshot than the page's
    seconds: float = 0.0


def verify(visits: list[Visit], db: Path, published: list[int]) -> Verdicts:
    """Check every finished run against the versions the loader published and the figures of the version shown."""
    t = time.monotonic()
    expected = Expected(db)
    out = Verdicts()
    for visit in visits:
        run = visit.run
        if not run.ok:
            continue  # already counted as an error
        where = f"会话{visit.session} /{visit.page}?{query_string(visit.params)}"
        if len(run.versions) > 1:
            out.mixed_versions.append(f"{where}：同一页面显示了版本 {sorted(run.versions)}")
            out.label_runs.add(id(visit))
        for v in run.versions:
            if v not in published:
                out.unpublished.append(f"{where}：显示了未单独发布的版本 v{v}")
        if visit.page not in CHECKED_PAGES or not run.versions:
            continue
        version = run.sidebar_version if run.sidebar_version is not None else min(run.versions)
        out.checked[visit.page] = out.checked.get(visit.page, 0) + 1
        ok, why = expected.matches(visit, version)
        if ok:
            out.good[visit.page] = out.good.get(visit.page, 0) + 1
            continue
        later = next((v for v in published if v > version and expected.matches(visit, v)[0]), None)
        if later is not None:
            out.lagging.append(f"{where}：侧栏为 v{version}，数值为 v{later} 的")
            out.label_runs.add(id(visit))
        else:
            out.wrong.append(f"{where}（v{version}）：{why}")
    out.seconds = time.monotonic() - t
    return out


def loads_all_or_nothing(db: Path, actions: list[Action]) -> tuple[int, list[str]]:
    """(loads checked, problems): each load's observations number what its file's check found."""
    from kpi import store

    con = store.Warehouse(db).connect()
    problems, n = [], 0
    for act in actions:
        for load_id, _, values in act.loads:
            n += 1
            stored, recorded = con.execute(
                "SELECT (SELECT count(*) FROM observations WHERE load_id = $id), "
                "(SELECT values_loaded FROM loads WHERE load_id = $id)", {"id": load_id}).fetchall()[0]
            if not stored == recorded == values:
                problems.append(f"导入批次 #{load_id}：文件 {values} 个数值，记录 {recorded}，数据库中 {stored}")
    return n, problems


# ---- output ----------------------------------------------------------------------------------------------------------


def table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(_pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(r, widths))) for r in [head, *rows]]
    lines.insert(1, "-" * (sum(widths) + 2 * (len(widths) - 1)))
    return "\n".join(lines)


def quantile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def timing_rows(visits: list[Visit]) -> list[list[str]]:
    rows = []
    for name, group in [*[(PAGE_NAMES[p], [v for v in visits if v.page == p]) for p in PAGES], ("全部", visits)]:
        done = [v.run.seconds for v in group if v.run.finished]
        errors = sum(not v.run.ok for v in group)
        if not group:
            continue
        stats = [f"{quantile(done, q):.2f}" for q in (0.5, 0.95)] + [f"{max(done):.2f}"] if done else ["—"] * 3
        rows.append([name, str(len(group)), str(errors), str(len(done)), *stats])
    return rows


def versions_text(versions: list[int]) -> str:
    if len(versions) <= 8:
        return "、".join(f"v{v}" for v in versions)
    return f"v{versions[0]} … v{versions[-1]}"


# ---- entry point -----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=50, help="concurrent sessions (default 50)")
    ap.add_argument("--rounds", type=int, default=2, help="passes over the pages per session (default 2)")
    ap.add_argument("--pages", default=",".join(PAGES), help=f"pages to browse (default all: {','.join(PAGES)})")
    ap.add_argument("--minutes", type=float, default=None, help="browse for this long instead of --rounds")
    ap.add_argument("--db", type=Path, default=None, help="warehouse to copy (default $KPI_DB or the demo warehouse)")
    ap.add_argument("--batch", type=int, default=3, help="files per python -m etl load (default 3)")
    ap.add_argument("--pause", type=float, default=6.0, help="mean seconds between loader actions (default 6)")
    ap.add_argument("--revert-every", type=int, default=4, help="revert one load after every N loads (0: never)")
    ap.add_argument("--think", type=float, default=1.0, help="mean pause of a session between pages, s (default 1)")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the sessions and the loader")
    ap.add_argument("--cold", action="store_true",
                    help="no warm-up visit: the sessions' first requests are the server's first (see README)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (warehouse, files, server log)")
    args = ap.parse_args(argv)

    return in_temp_folder("kpi-load-sessions-", args, run)


def in_temp_folder(prefix: str, args, run) -> int:
    """Print the environment, then ``run(args, folder)`` in a new temporary folder, removed afterwards unless
    ``args.keep`` (shared by this script and bench.fault_trials)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    say(environment())
    try:
        return run(args, folder)
    finally:
        if args.keep:
            say(f"临时文件夹保留在 {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args, folder: Path) -> int:
    from bench.fault_trials import consistency_problems

    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    unknown = set(pages) - set(PAGES)
    if unknown or not pages:
        raise SystemExit(f"--pages 只能是 {','.join(PAGES)} 中的页面：{sorted(unknown)}")
    db = copy_warehouse(args.db, folder)
    last = last_period(db)
    files, months = loader_files(db, folder / "files")
    batches = [files[i:i + args.batch] for i in range(0, len(files), args.batch)]
    periods = sorted({f"{last:%Y-%m}", f"{last.replace(day=1) - dt.timedelta(days=1):%Y-%m}",
                      f"{next_month(last):%Y-%m}"})
    from kpi import store

    start_version = store.current_version(store.Warehouse(db).connect())
    say(f"数据库副本：{db}（数据版本 v{start_version}，最新报告期 {last:%Y-%m}）")
    say(f"待导入：{len(files)} 个文件（{'、'.join(months)}），每次 {args.batch} 个，共 {len(batches)} 次导入；"
        f"每 {args.revert_every} 次导入后撤销一次")

    server = Server(db, folder / "streamlit.log")
    say(f"启动服务器：{server.start():.1f} 秒后就绪（{server.url}）")
    if not args.cold:
        # Until one run has gone through app.py's st.navigation, Streamlit treats views/ as an old-style page folder,
        # and concurrent first requests to a page other than the root fail (see README: 冷启动). One visit first.
        with Session(server.url) as session:
            warm = session.open("")
        say(f"预热：一个会话先打开首页，{warm.seconds:.1f} 秒" + ("" if warm.ok else f"，出错：{warm.problems()}"))
    say("单会话基线（无并发、无导入；同一地址打开两次：第一次计算，第二次走缓存）：" + baseline(server.url, pages, last))
    visits: list[Visit] = []
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + args.minutes * 60 if args.minutes else None
    loader = Loader(db, batches, args.pause, args.revert_every, args.seed, t0)
    sessions = [threading.Thread(target=browse, name=f"session-{n}",
                                 args=(n, server.url, pages, periods, args.rounds, deadline, args.think, args.seed,
                                       t0, visits, lock), daemon=True)
                for n in range(1, args.sessions + 1)]
    plan = f"{args.minutes:g} 分钟" if args.minutes else f"每个会话 {args.rounds} 轮 × {len(pages)} 页"
    say(f"{args.sessions} 个会话开始浏览（{plan}），同时导入……")
    for t in sessions:
        t.start()
    loader.start()
    progress_at = 30.0
    while any(t.is_alive() for t in sessions):
        time.sleep(0.5)
        if time.monotonic() - t0 >= progress_at:
            progress_at += 30
            say(f"  {time.monotonic() - t0:4.0f} 秒：页面运行 {len(visits)} 次（错误 {sum(not v.run.ok for v in visits)}），"
                f"写入 {len(loader.actions)} 次")
    wall = time.monotonic() - t0
    loader.halt.set()
    loader.join()
    tracebacks, exception_lines = server.tracebacks(), server.exceptions()
    server.stop()

    runs = len(visits)
    bad = [v for v in visits if not v.run.ok]
    exceptions = sum(len(v.run.exceptions) for v in visits)
    alerts = sum(len(v.run.errors) for v in visits)
    unfinished = sum(not v.run.finished for v in visits)
    say()
    say(f"页面运行 {runs} 次，用时 {wall:.0f} 秒；错误 {len(bad)} 次（异常 {exceptions}，错误提示 {alerts}，"
        f"未完成或断开 {unfinished}）")
    for v in bad[:10]:
        say(f"  会话{v.session} /{v.page}?{query_string(v.params)}：{'；'.join(v.run.problems())[:300]}")
    say()
    say("页面耗时（秒，发出请求到脚本运行结束；只计运行完的）")
    say(table(["页面", "次数", "错误", "运行完", "p50", "p95", "最大"], timing_rows(visits)))

    loads = [a for a in loader.actions if a.kind == "load"]
    reverts = [a for a in loader.actions if a.kind == "revert"]
    failed_actions = [a for a in loader.actions if not a.ok]
    published = sorted({start_version, *(a.version for a in loader.actions if a.ok and a.version)})
    end_version = store.current_version(store.Warehouse(db).connect())
    load_seconds = [a.seconds for a in loads]
    say()
    say(f"导入：{len(loads)} 次 python -m etl load（{sum(len(a.loads) for a in loads)} 个导入批次、"
        f"{sum(v for a in loads for *_, v in a.loads):,} 个数值，重复 {sum(a.duplicates for a in loads)} 个），"
        f"撤销 {len(reverts)} 次，失败 {len(failed_actions)} 次；"
        + (f"每次导入 {statistics.median(load_seconds):.1f} 秒（中位数），最长 {max(load_seconds):.1f} 秒；" if loads else "")
        + f"数据版本 v{start_version} → v{end_version}，其间发布 {len(published) - 1} 个快照")
    for a in failed_actions:
        say(f"  失败：{a.label}（退出码 {a.returncode}）：{a.output.strip()[-300:]}")
    if len(loader.actions) and loader.actions[-1].at > wall:
        say("  （最后一次写入在会话结束之后）")
    if len(loads) < len(batches):
        say(f"  会话结束时还有 {len(batches) - len(loads)} 批文件未导入")
    seen = sorted({v for visit in visits for v in visit.run.versions})
    say(f"会话看到的版本：{len(seen)} 个（{versions_text(seen)}）")

    say()
    say("核对（会话结束后，在最终数据库上按各次运行所示的版本重新计算）")
    verdicts = verify(visits, db, published)
    finished = sum(v.run.finished for v in visits)
    say(f"  每次运行只显示一个数据版本：{finished - len(verdicts.mixed_versions)}/{finished}")
    say(f"  所示版本都是完整发布的版本（不是一批导入中间的版本）：{finished - len(verdicts.unpublished)}/{finished}")
    say("  数值与所示版本一致：" + "，".join(
        f"{PAGE_NAMES[p]} {verdicts.good.get(p, 0)}/{verdicts.checked.get(p, 0)}" for p in CHECKED_PAGES)
        + f"（核对用时 {verdicts.seconds:.0f} 秒）")
    reports = [v.run for v in visits if v.page == "report" and v.run.finished and v.run.report_version is not None]
    older = sum(r.report_version < r.sidebar_version for r in reports if r.sidebar_version is not None)
    say(f"  月报按较早的版本生成（其后的变动不涉及它，数值仍与所示版本一致）：{older}/{len(reports)}")
    say(f"  侧栏版本落后于页面数值（数值属于较新的已发布版本）：{len(verdicts.lagging)}")
    say(f"  数值不属于任何已发布版本（部分数据）：{len(verdicts.wrong)}")
    for line in (verdicts.mixed_versions + verdicts.unpublished + verdicts.lagging + verdicts.wrong)[:10]:
        say(f"    {line}")
    n_loads, partial = loads_all_or_nothing(db, loader.actions)
    say(f"  导入全有或全无：{n_loads - len(partial)}/{n_loads} 个导入批次的数值个数与文件一致")
    for line in partial[:5]:
        say(f"    {line}")
    problems = consistency_problems(db, since_version=start_version)
    say(f"  数据库一致性检查：{'通过' if not problems else '；'.join(problems[:5])}")
    say(f"服务器日志中的异常堆栈（Traceback）：{tracebacks}")
    for line, n in exception_lines.items():
        say(f"  {n} × {line}")

    clean = not (bad or failed_actions or verdicts.unpublished or verdicts.wrong or partial or problems)
    say()
    labels = len(verdicts.label_runs)
    say("结论：" + ("零错误，没有会话看到部分数据" if clean else "有错误或部分数据，见上")
        + (f"；{labels} 次运行的侧栏版本号与页面所用的快照不同（两者都是完整的快照，见 bench/README.md"
           "“侧栏版本号”）" if labels else "") + "。")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
