"""Month files and small warehouses for the app and browser tiers, built with the shared file builders of tests/fixtures.py
(a 海曙区 township table: 3 townships x 5 indicators = 15 values, a 合计 row and a footer)."""

from __future__ import annotations

from pathlib import Path

from etl import pipeline
from kpi import store
from kpi.regions import load_regions
from tests import fixtures

HAISHU = "330203000000"
FIRST_FILE = "海曙区民政业务统计月报表2026年10月.xlsx"
VALUES_PER_FILE = 15


def month_xlsx(month: str = "2026年10月", rows=None) -> bytes:
    """The fixtures' township table for 报告期 ``month`` (e.g. "2026年9月"), optionally with other ``rows``."""
    return fixtures.xlsx(fixtures.table_rows(rows=rows, period=f"报告期：{month}"))


def county_rows(county: str = HAISHU) -> list[list]:
    """One plausible row per current township of ``county``, in the fixtures' columns (beds, of which institutional,
    of which nursing; 60+ population; new beds)."""
    rows = []
    for n, township in enumerate(load_regions().townships_of(county)):
        beds = 300 + 20 * n
        rows.append([township.name, beds, beds // 2, beds // 4, 8000 + 500 * n, n % 3])
    return rows


def make_warehouse(path: Path, files: list[tuple[bytes, str]] | None = None, is_demo: bool = False) -> store.Warehouse:
    """A warehouse at ``path`` holding ``files`` (default: the 2026年10月 table), loaded by the ETL's own load_batch."""
    wh = store.Warehouse(path)
    files = files or [(month_xlsx(), FIRST_FILE)]
    results = pipeline.load_batch(wh, files, who="测试", is_demo=is_demo)
    assert [r.status for r in results] == ["loaded"] * len(files), [r.message for r in results]
    return wh


def county_warehouse(path: Path, months: tuple[str, ...] = ("2026年9月", "2026年10月")) -> store.Warehouse:
    """All townships of 海曙区 (county_rows) for each of ``months``, one load per month."""
    rows = county_rows()
    return make_warehouse(path, [(month_xlsx(m, rows), f"海曙区{m}.xlsx") for m in months])


def add_demo_boundaries(wh: store.Warehouse) -> store.Warehouse:
    """The demo outlines (counties, and schematic township cells), imported as the demo build does."""
    from etl import boundaries

    imported = boundaries.import_boundaries(wh, boundaries.DEMO_BOUNDARIES, level=None, who="测试", is_demo=True)
    assert imported.status == "loaded", imported.message
    return wh
