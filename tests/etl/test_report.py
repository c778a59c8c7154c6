"""`python -m etl report` on a small warehouse: it writes PNG panels, a ZIP, a PDF and a .docx; the documents carry
the commentary, whose numbers are the warehouse's; and a report re-made as of an older version after a revised file
was loaded says exactly what it said before."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from docx import Document
from PIL import Image

from etl import boundaries, cli, pipeline
from etl import targets as etl_targets
from kpi import aggregate, display, store
from kpi.periods import Period
from kpi.report import panels
from tests import fixtures
from tests.app.workbooks import HAISHU, county_rows, make_warehouse, month_xlsx

OCT = Period(2026, 10)
TARGETS = "region_code,indicator_code,year,comparator,value\n330203000000,EC_R_BED_10K,2026,>=,400\n"


def rows_with(extra_beds: int) -> list[list]:
    """The county's townships with ``extra_beds`` more beds (and half as many more institutional beds) each."""
    return [[name, beds + extra_beds, inst + extra_beds // 2, nursing, pop, new]
            for name, beds, inst, nursing, pop, new in county_rows()]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> store.Warehouse:
    """海曙区's 17 townships for 2025年12月, 2026年9月 and 10月, the demo boundaries and one confirmed target."""
    db = tmp_path_factory.mktemp("report") / "kpi.duckdb"
    wh = make_warehouse(db, [(month_xlsx("2025年12月", rows_with(-20)), "海曙区2025年12月.xlsx"),
                             (month_xlsx("2026年9月", rows_with(-5)), "海曙区2026年9月.xlsx"),
                             (month_xlsx("2026年10月", rows_with(0)), "海曙区2026年10月.xlsx")])
    imported = boundaries.import_boundaries(wh, boundaries.DEMO_BOUNDARIES, level=None, who="测试", is_demo=True)
    assert imported.status == "loaded", imported.message
    target = etl_targets.import_bytes(wh, TARGETS.encode(), "目标.csv", who="测试")
    assert target.status == "imported", target.problems
    return wh


def run_report(wh: store.Warehouse, out: Path, *extra: str) -> int:
    return cli.main(["report", "--region", HAISHU, "--month", "2026-10", "--out", str(out), "--db", str(wh.path),
                     *extra])


def docx_text(path: Path) -> tuple[list[str], list[list[str]]]:
    """(paragraphs, table rows) of a .docx."""
    doc = Document(str(path))
    rows = [[cell.text for cell in row.cells] for table in doc.tables for row in table.rows]
    return [p.text for p in doc.paragraphs if p.text], rows


def only(directory: Path, pattern: str) -> Path:
    found = sorted(directory.glob(pattern))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def made(warehouse, tmp_path_factory):
    """The report as of now, written once for the tests that read it."""
    out = tmp_path_factory.mktemp("out")
    assert run_report(warehouse, out) == 0
    return out


def test_writes_png_zip_pdf_and_docx(made, warehouse, capsys):
    version = store.current_version(warehouse.connect())
    stem = f"月报_海曙区_2026-10_v{version}"
    pngs = sorted(made.glob(f"{stem}_*.png"))
    titles = [p.name[len(stem) + 1:] for p in pngs]
    assert titles[0] == "01_主要指标完成情况.png"
    assert any("分地区：每万名老年人拥有养老床位数" in t for t in titles)
    assert titles[-1].endswith("需关注：落后于序时进度的指标.png")
    for png in pngs:
        image = Image.open(png)
        assert image.format == "PNG"
        # 170 mm at 192 dpi: twice the 643 px the page shows it at.
        assert image.size[0] == round(panels.PAGE_WIDTH_MM / 25.4 * panels.DPI)
    with zipfile.ZipFile(made / f"{stem}_图片.zip") as archive:
        names = archive.namelist()
        assert [n for n in names if n.endswith(".png")] == titles
        assert archive.read(titles[0]) == pngs[0].read_bytes()
    assert (made / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert zipfile.is_zipfile(made / f"{stem}.docx")


def test_cli_speaks_chinese(warehouse, tmp_path, capsys):
    assert run_report(warehouse, tmp_path) == 0
    out = capsys.readouterr().out
    assert "正在计算月报数据：330203000000 2026年10月……" in out
    assert "海曙区民政主要指标月报（2026年10月）" in out
    assert re.search(r"已生成 \d+ 个文件（\d+ 张图片、ZIP、PDF、DOCX），用时[\d.]+秒。", out)


@pytest.mark.parametrize("args, message", [
    (["--region", "110000000000"], "错误：区划代码“110000000000”不在地区表中：应为现行地区的12位区划代码，如 330200000000。"),
    (["--month", "2026-13"], "错误：无法识别的报告期“2026-13”，应为 2026-10、2026Q3 或 2026"),
    (["--month", "2026-12"], "错误：2026年12月还没有数据：截至数据版本 v{v}，最新报告期为2026年10月。"),
    (["--as-of", "v999"], "错误：数据版本 v999 不存在：数据库当前为 v{v}，可选 v1 至 v{v}。"),
    (["--as-of", "最新"], "错误：数据版本“最新”应为数字，如 2826 或 v2826"),
])
def test_clear_errors(warehouse, tmp_path, capsys, args, message):
    version = store.current_version(warehouse.connect())
    argv = dict(zip(["--region", "--month", "--out", "--db"], [HAISHU, "2026-10", str(tmp_path / "x"),
                                                                str(warehouse.path)]))
    argv.update({args[0]: args[1]} if args[0] != "--as-of" else {})
    extra = args if args[0] == "--as-of" else []
    assert cli.main(["report", *[x for kv in argv.items() for x in kv], *extra]) == 1
    assert capsys.readouterr().err.strip() == message.format(v=version)
    assert not (tmp_path / "x").exists()  # nothing written


def test_docx_holds_the_commentary_and_the_warehouse_numbers(made, warehouse):
    paragraphs, table_rows = docx_text(only(made, "*.docx"))
    catalog, _ = pipeline.reference()
    con = warehouse.connect()
    beds = aggregate.figure(con, catalog, "EC_R_BED_10K", HAISHU, OCT)
    year_end = aggregate.figure(con, catalog, "EC_R_BED_10K", HAISHU, OCT.last_year_end())
    # What the township rows add up to, computed here from the file's own numbers.
    expected = sum(r[1] for r in county_rows()) / sum(r[4] for r in county_rows()) * 10000
    assert beds.value == pytest.approx(expected)
    value, unit = display.number(beds.value, "张/万老年人"), "张/万老年人"
    rise = display.number(beds.value - year_end.value, unit)
    remaining = display.number(400 - beds.value, unit)
    sentence = (f"截至2026年10月，全区每万名老年人拥有养老床位数{value}{unit}，较上年末提高{rise}{unit}，"
                f"距年度目标400.0{unit}尚差{remaining}{unit}，进度严重滞后于序时进度。")
    assert sentence in paragraphs
    row = next(r for r in table_rows if r[0] == "每万名老年人拥有养老床位数")
    assert row[1:] == [unit, value, row[3], row[4], f"+{rise}", "不低于 400.0", row[7], remaining, "严重滞后"]
    assert paragraphs[0] == "海曙区民政主要指标月报（2026年10月）"
    assert paragraphs[1].startswith(f"数据版本 v{store.current_version(con)}（")
    assert any(p.startswith("截至2026年10月，全区纳入本月报的4项主要指标中，1项设有年度目标：严重滞后1项") for p in paragraphs)
    assert any(p.startswith("分乡镇(街道)看，每万名老年人拥有养老床位数以") for p in paragraphs)
    # Every headline sentence is in the document, and every number in it is in the document's tables.
    numbers = set(re.findall(r"\d[\d,]*(?:\.\d+)?", " ".join(" ".join(r) for r in table_rows)))
    for text in paragraphs:
        if text.startswith("截至2026年10月，全区") and "纳入本月报" not in text:
            assert set(re.findall(r"\d[\d,]*(?:\.\d+)?", text.replace("2026年10月", ""))) <= numbers, text


def test_pdf_has_chinese_text_and_embeds_the_font(made):
    reader = pypdf.PdfReader(str(only(made, "*.pdf")))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "海曙区民政主要指标月报（2026年10月）" in text
    assert "每万名老年人拥有养老床位数" in text and "需关注的指标" in text
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert any("WenQuanYi" in name or "Noto" in name for name in fonts), fonts
    assert reader.metadata.title == "海曙区民政主要指标月报（2026年10月）"


def test_as_of_an_older_version_reproduces_the_older_report(warehouse, tmp_path):
    before = store.current_version(warehouse.connect())
    assert run_report(warehouse, tmp_path / "then") == 0
    # A revised October file: every township 30 more beds.
    result = pipeline.load_bytes(warehouse, month_xlsx("2026年10月", rows_with(30)), "海曙区2026年10月（更正）.xlsx")
    assert result.status == "loaded", result.message
    assert store.current_version(warehouse.connect()) == before + 1

    assert run_report(warehouse, tmp_path / "again", "--as-of", f"v{before}") == 0
    assert run_report(warehouse, tmp_path / "now") == 0
    then, again, now = (docx_text(only(tmp_path / d, "*.docx")) for d in ("then", "again", "now"))
    assert again == then  # every paragraph and every table cell, stamp included
    assert now != then
    beds_then = next(r for r in then[1] if r[0] == "每万名老年人拥有养老床位数")[2]
    beds_now = next(r for r in now[1] if r[0] == "每万名老年人拥有养老床位数")[2]
    catalog, _ = pipeline.reference()
    con = warehouse.connect()
    assert beds_now == display.number(aggregate.figure(con, catalog, "EC_R_BED_10K", HAISHU, OCT).value, "张/万老年人")
    assert beds_then == display.number(
        aggregate.figure(con, catalog, "EC_R_BED_10K", HAISHU, OCT, version=before).value, "张/万老年人")
    assert beds_now != beds_then
    # The pictures are the same pixels too.
    old_pngs = sorted((tmp_path / "then").glob("*.png"))
    new_pngs = sorted((tmp_path / "again").glob("*.png"))
    assert [p.name for p in old_pngs] == [p.name for p in new_pngs]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(old_pngs, new_pngs))
    assert (only(tmp_path / "then", "*.pdf").read_bytes() == only(tmp_path / "again", "*.pdf").read_bytes())
    assert [p.name for p in (tmp_path / "now").glob("*.pdf")] == [f"月报_海曙区_2026-10_v{before + 1}.pdf"]


def test_a_summary_longer_than_a_docx_property_still_renders(warehouse):
    """python-docx refuses core properties over 255 characters; a 总体情况 with many lagging indicators is longer.
    The document keeps the whole text in its body and the property its start."""
    import dataclasses
    import io

    from kpi.report import build, documents

    catalog, regions = pipeline.reference()
    report = build(warehouse.connect(), catalog, regions, HAISHU, OCT)
    long = dataclasses.replace(report, summary="落后于序时进度的指标：" + "养老床位总数、" * 60)
    assert len(long.summary) > 300
    outputs = documents.render(long)
    doc = Document(io.BytesIO(outputs.docx))
    assert doc.core_properties.comments == long.summary[:254] + "…"
    assert long.summary in [p.text for p in doc.paragraphs]


# ---- made as of the last change it reads ------------------------------------------------------------------------------

JIANGBEI = "330205000000"
CITY = "330200000000"
NOV = Period(2026, 11)


def jiangbei_xlsx(extra_beds: int = 0) -> bytes:
    """江北区's townships for 2026年10月, ``extra_beds`` more beds each."""
    rows = [[name, beds + extra_beds, inst, nursing, pop, new]
            for name, beds, inst, nursing, pop, new in county_rows(JIANGBEI)]
    return fixtures.xlsx(fixtures.table_rows(rows=rows, title="江北区民政业务统计月报表",
                                             scope="填报单位：宁波市江北区民政局", period="报告期：2026年10月"))


def figures(report) -> tuple:
    """Everything a report says apart from its stamp: every cell and sentence, every monthly series, the map's values."""
    return (
        report.summary,
        tuple((*r.cells(), r.commentary) for r in report.rows),
        tuple(tuple(r.cells()) for r in report.others),
        tuple(frame.to_csv(index=False) for group in report.groups for frame in group.monthly),  # NaN == NaN here
        tuple(r.code for r in report.behind),
        (report.map.units, report.map.commentary, report.map.highlight) if report.map else None,
    )


def test_a_report_is_made_as_of_the_last_change_it_reads(tmp_path):
    """A load for another county or a later month, a revert of one, or a user change leaves a report's data version
    where it was; a load, a revert or a target change it reads moves it. And at every version, the report as of
    kpi.report.data_version says exactly what the report as of that version says."""
    from etl import users
    from kpi.report import ReportError, build, data_version

    catalog, regions = pipeline.reference()
    haishu_township = regions.townships_of(HAISHU)[0].code
    wh = make_warehouse(tmp_path / "kpi.duckdb", [
        (month_xlsx("2026年9月", rows_with(-5)), "海曙区2026年9月.xlsx"),
        (month_xlsx("2026年10月", rows_with(0)), "海曙区2026年10月.xlsx"),
        (jiangbei_xlsx(), "江北区2026年10月.xlsx"),
    ])
    boundaries.import_boundaries(wh, boundaries.DEMO_BOUNDARIES, level=None, who="测试", is_demo=True)
    assert etl_targets.import_bytes(wh, TARGETS.encode(), "目标.csv", who="测试").status == "imported"
    con = lambda: wh.connect()  # noqa: E731 — each write publishes a new snapshot
    base = store.current_version(con())

    def made(region: str, period: Period, version: int | None = None) -> int:
        return data_version(con(), regions, region, period, version).version

    assert {made(r, OCT) for r in (CITY, HAISHU, haishu_township, JIANGBEI)} == {base}

    correction = pipeline.load_bytes(wh, jiangbei_xlsx(40), "江北区2026年10月（更正）.xlsx")
    assert correction.status == "loaded", correction.message
    v1 = base + 1
    assert (made(CITY, OCT), made(JIANGBEI, OCT)) == (v1, v1)
    assert (made(HAISHU, OCT), made(haishu_township, OCT)) == (base, base)

    november = pipeline.load_bytes(wh, month_xlsx("2026年11月", rows_with(3)), "海曙区2026年11月.xlsx")
    assert november.status == "loaded", november.message
    v2 = v1 + 1
    assert (made(HAISHU, OCT), made(CITY, OCT), made(HAISHU, NOV), made(CITY, NOV)) == (base, v1, v2, v2)

    v3 = pipeline.revert(wh, correction.load_id, who="测试")
    assert (made(CITY, OCT), made(JIANGBEI, OCT), made(HAISHU, OCT)) == (v3, v3, base)
    assert made(CITY, OCT, version=v2) == v1  # as of an older version: the last change up to it

    v4 = users.add_user(wh, "zhang", "correct-horse-9", "admin", who="测试")
    assert (made(HAISHU, OCT), made(CITY, OCT)) == (base, v3)

    more = "region_code,indicator_code,year,comparator,value\n330205000000,EC_R_BED_10K,2026,>=,420\n"
    assert etl_targets.import_bytes(wh, more.encode(), "目标2.csv", who="测试").status == "imported"
    v5 = v4 + 1
    assert {made(r, OCT) for r in (CITY, HAISHU, haishu_township, JIANGBEI)} == {v5}  # targets: every report

    def outcome(region: str, period: Period, version: int):
        try:
            return figures(build(con(), catalog, regions, region, period, version=version))
        except ReportError as exc:
            return str(exc)

    checked = 0
    for region in (CITY, HAISHU, haishu_township, JIANGBEI):
        for period in (OCT, NOV):
            for version in range(base, v5 + 1):
                basis = made(region, period, version)
                assert basis <= version
                if basis != version:
                    checked += 1
                    assert outcome(region, period, basis) == outcome(region, period, version), (region, period, version)
    assert checked >= 12


def test_a_worker_process_draws_the_same_bytes_and_a_dead_one_is_replaced(warehouse, monkeypatch):
    """The page computes and draws in kpi.report.worker's processes: the same report, PNGs and PDF as here; an error in
    the worker reaches the caller and keeps the worker; a worker that dies mid-call is answered for here, and replaced."""
    import os
    import signal

    from kpi.progress import Thresholds
    from kpi.report import ReportError, build, documents, worker
    from kpi.report.content import DEFAULT_MAP_INDICATOR

    monkeypatch.delenv("KPI_DRAW_IN_PROCESS", raising=False)
    catalog, regions = pipeline.reference()
    report = build(warehouse.connect(), catalog, regions, HAISHU, OCT)
    here = documents.drawn(report)
    worker.shutdown()
    try:
        version = store.current_version(warehouse.connect())
        made = worker.build(str(warehouse.path), catalog, regions, HAISHU, OCT, version, Thresholds(),
                            DEFAULT_MAP_INDICATOR)
        assert figures(made) == figures(report) and made.stamp == report.stamp
        with pytest.raises(ReportError, match="不在地区表中"):
            worker.build(str(warehouse.path), catalog, regions, "110000000000", OCT, version, Thresholds(),
                         DEFAULT_MAP_INDICATOR)
        there = worker.drawn(report)
        assert there.stem == here.stem
        assert [p.png for p in there.panels] == [p.png for p in here.panels]
        assert worker.document(report, there.panels, "pdf") == documents.document(report, here.panels, "pdf")
        (first,) = worker._idle
        assert first.alive() and first.proc.pid != os.getpid()

        with pytest.raises(KeyError):
            worker.document(report, there.panels, "xls")  # raised in the worker, raised again here
        assert worker._idle == [first] and first.alive()

        # Killed while it looks alive (as if it died mid-call): this call is drawn here, the next gets a new worker.
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait()
        monkeypatch.setattr(worker.Worker, "alive", lambda self: self is first or self.proc.poll() is None)
        assert [p.png for p in worker.drawn(report).panels] == [p.png for p in here.panels]
        assert worker._idle == []
        assert [p.png for p in worker.drawn(report).panels] == [p.png for p in here.panels]
        (second,) = worker._idle
        assert second is not first and second.proc.poll() is None
    finally:
        worker.shutdown()
    assert second.proc.returncode == 0  # it exits at the end of its input


def test_without_worker_processes_the_report_is_made_here(warehouse, monkeypatch):
    """Where no process can be started (a locked-down server), the report is made in this process, the same bytes."""
    import subprocess

    from kpi.report import build, documents, worker

    def refuse(*args, **kwargs):
        raise PermissionError("fork not allowed")

    monkeypatch.delenv("KPI_DRAW_IN_PROCESS", raising=False)
    monkeypatch.setattr(worker, "_disabled", False)
    worker.shutdown()
    monkeypatch.setattr(subprocess, "Popen", refuse)
    catalog, regions = pipeline.reference()
    report = build(warehouse.connect(), catalog, regions, HAISHU, OCT)
    assert [p.png for p in worker.drawn(report).panels] == [p.png for p in documents.drawn(report).panels]
    assert worker._disabled and worker._idle == []


def test_a_worker_does_not_outlive_a_killed_server():
    """A server killed outright (SIGKILL, the OOM killer) leaves no worker behind: the worker reads end of input."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from bench.fault_trials import alive
    from kpi.report import worker

    script = ("from kpi.report import worker\n"
              "w = worker.Worker()\n"
              "print(w.proc.pid, flush=True)\n"
              "import time; time.sleep(600)\n")
    server = subprocess.Popen([sys.executable, "-c", script], cwd=worker.ROOT, stdout=subprocess.PIPE, text=True)
    pid = int(server.stdout.readline())
    assert alive(pid)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.1)
    assert not alive(pid)



@pytest.mark.parametrize("ending", ["truncated request", "answer unread"])
def test_a_worker_whose_server_dies_mid_exchange_exits_quietly(warehouse, ending):
    """A server that dies while writing a request, or before reading the answer, leaves no traceback in its log."""
    import pickle
    import subprocess
    import sys

    from kpi.report import build, worker

    proc = subprocess.Popen([sys.executable, "-m", "kpi.report.worker"], cwd=worker.ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    catalog, regions = pipeline.reference()
    request = pickle.dumps(("drawn", (build(warehouse.connect(), catalog, regions, HAISHU, OCT),)))
    if ending == "truncated request":
        proc.stdin.write(request[:len(request) // 2])
    else:
        proc.stdout.close()  # nobody will read the answer
        proc.stdin.write(request)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()
