"""Computing and drawing a 月报 in processes of their own.

A report is seconds of work that holds the GIL: about 2 s to compute a city's (kpi.aggregate turns some 150,000 unit
rows into figures in Python), 2–4 s to draw its panels (matplotlib) and about 1 s more for its documents (reportlab,
python-docx). A Streamlit server is one process whose threads share the GIL in turns: with 50 sessions running pages,
a report's thread gets a fiftieth of it, and its seconds become minutes. Here the computing and drawing run in worker
processes (one per spare CPU core, at least one), so the server's own threads only wait for the answer.

A worker is ``python -m kpi.report.worker``, started on first use and reused: requests and answers are pickles over
its stdin and stdout, one at a time. Not multiprocessing: its "spawn" start re-runs the parent's ``__main__`` in the
child, and inside a Streamlit server ``__main__`` is the page script being run. A worker that dies (killed, out of
memory) is replaced at the next call; the call that saw it die does its work in this process. Where no process can be
started, everything is done in this process, as before: slower for the others, never different — the report and its
bytes are the same either way. ``KPI_DRAW_IN_PROCESS=1`` asks for that on purpose (a server short of memory: a worker
holds about 300 MB; or a benchmark's baseline).
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from kpi import store
from kpi.catalog import Catalog
from kpi.periods import Period
from kpi.progress import Thresholds
from kpi.regions import RegionIndex
from kpi.report import content, documents
from kpi.report.content import Report
from kpi.report.panels import Panel

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # where ``kpi`` is importable from

_warehouses: dict[str, store.Warehouse] = {}  # one per path per process, as the app keeps them
_warehouses_lock = threading.Lock()


def _build(path: str, catalog: Catalog, regions: RegionIndex, region: str, period: Period, version: int,
           thresholds: Thresholds, map_indicator: str) -> Report:
    with _warehouses_lock:
        wh = _warehouses.get(path) or _warehouses.setdefault(path, store.Warehouse(path))
    return content.build(wh.connect(), catalog, regions, region, period, version=version, thresholds=thresholds,
                         map_indicator=map_indicator)


# What a worker may be asked to do: nothing else is ever called from a request.
CALLS = {"build": _build, "drawn": documents.drawn, "document": documents.document}


class WorkerDied(RuntimeError):
    """The worker process ended (or garbled its answer) before answering."""


def workers() -> int:
    """One per CPU core beyond the server's own, at least one, at most four."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


class Worker:
    """One worker process and its pipes; used by one thread at a time."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "kpi.report.worker"], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, name: str, args: tuple):
        request = pickle.dumps((name, args), protocol=pickle.HIGHEST_PROTOCOL)  # fails here, not half-written
        try:
            self.proc.stdin.write(request)
            self.proc.stdin.flush()
            kind, value = pickle.load(self.proc.stdout)
        except Exception as exc:
            raise WorkerDied(f"report worker {self.proc.pid} ended: {exc!r}") from exc
        if kind == "raise":
            raise value
        return value

    def stop(self) -> None:
        """Close its stdin (it exits at end of input); kill it if it does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


_lock = threading.Lock()
_slots = threading.BoundedSemaphore(workers())
_idle: list[Worker] = []
_disabled = False  # no process could be started here: draw in this process from now on


def _call(name: str, *args):
    global _disabled
    if _disabled or os.environ.get("KPI_DRAW_IN_PROCESS") == "1":
        return CALLS[name](*args)
    with _slots:
        with _lock:
            worker = _idle.pop() if _idle else None
        if worker is None or not worker.alive():
            try:
                worker = Worker()
            except OSError:
                log.exception("cannot start a report worker; drawing reports in the server process")
                _disabled = True
                return CALLS[name](*args)
        try:
            answer = worker.call(name, args)
        except WorkerDied:
            log.warning("a report worker died; drawing this report in the server process", exc_info=True)
            worker.stop()
            return CALLS[name](*args)
        except BaseException:
            with _lock:
                _idle.append(worker)  # the drawing failed, not the worker: FontMissing and the like
            raise
        with _lock:
            _idle.append(worker)
        return answer


def build(path: str, catalog: Catalog, regions: RegionIndex, region: str, period: Period, version: int,
          thresholds: Thresholds, map_indicator: str) -> Report:
    """kpi.report.build in a worker, on its own read-only view of the warehouse at ``path``: the report as of
    ``version`` (exact whatever snapshot it reads). Raises ReportError."""
    return _call("build", path, catalog, regions, region, period, version, thresholds, map_indicator)


def drawn(report: Report) -> documents.Outputs:
    """documents.drawn in a worker: the report's panels and file names. Raises fonts.FontMissing."""
    return _call("drawn", report)


def document(report: Report, pictures: tuple[Panel, ...], kind: str) -> bytes:
    """documents.document in a worker: the report's "zip", "pdf" or "docx"."""
    return _call("document", report, pictures, kind)


@atexit.register
def shutdown() -> None:
    """Stop the idle workers (the server's exit; tests)."""
    with _lock:
        stopping = list(_idle)
        _idle.clear()
    for worker in stopping:
        worker.stop()


def serve() -> None:
    """The worker's loop: answer each request on stdin until it closes. Answers go to the real stdout; anything else
    printing to stdout (a library's warning) is sent to stderr, so it cannot corrupt the answers."""
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            name, args = pickle.load(requests)
        except (EOFError, pickle.UnpicklingError):
            return  # the server closed its end, or died while writing: nobody is left to answer
        try:
            answer = ("return", CALLS[name](*args))
        except Exception as exc:  # noqa: BLE001 — handed back to the caller, who raises it
            answer = ("raise", exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 — an exception that will not pickle: its text will
            data = pickle.dumps(("raise", RuntimeError(f"{answer[1]!r} ({exc})")))
        try:
            answers.write(data)
            answers.flush()
        except BrokenPipeError:
            os._exit(0)  # the server died while this was being made (no flush of the dead pipe at exit either)


if __name__ == "__main__":
    serve()
