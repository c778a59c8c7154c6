"""The layering the project promises, checked: the domain never imports Streamlit or etl; pages hold no SQL."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_kpi_and_etl_never_import_streamlit():
    offenders = [p.relative_to(ROOT) for pkg in ("kpi", "etl") for p in (ROOT / pkg).rglob("*.py")
                 if "streamlit" in _imports(p)]
    assert offenders == []


def test_kpi_never_imports_etl():
    """kpi/ is the pure domain; etl/ reads, validates and loads files and may import kpi, never the other way round."""
    files = sorted((ROOT / "kpi").rglob("*.py"))
    assert files
    offenders = [p.relative_to(ROOT) for p in files if "etl" in _imports(p)]
    assert offenders == []


def test_pages_hold_no_sql_and_no_database_driver():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert len(files) >= 2
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "duckdb" not in _imports(path), path
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\s+[\w*]", text), path


def test_sql_lives_in_one_module():
    for path in (ROOT / "kpi").rglob("*.py"):
        if path.name == "sql.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"[\"']\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE TABLE)\b", text), path
