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
    files = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]
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


# The functions that write the warehouse, as pages call them (module alias, function).
WRITES = {("pipeline", "load_batch"), ("pipeline", "revert"), ("pipeline", "load_bytes"), ("et", "save"),
          ("et", "set_state"), ("et", "import_bytes"), ("users", "add_user"), ("users", "disable_user"),
          ("users", "reset_password"), ("boundaries", "import_boundaries")}


def _guarded_writes(path: Path) -> list[tuple[int, bool]]:
    """(line, guarded) for each write call in ``path``: guarded when an enclosing ``if`` asks shared.refuse() or the
    page's may_write() — the server-side role check that runs even if a disabled button is clicked."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in WRITES:
            guarded, up = False, node
            while up in parents:
                up = parents[up]
                if isinstance(up, ast.If):
                    guarded |= bool(re.search(r"\b(refuse|may_write)\(", ast.unparse(up.test)))
                if isinstance(up, ast.FunctionDef) and any(
                        re.search(r"\b(refuse|may_write)\(", ast.unparse(c)) for c in _callers(tree, up.name)):
                    guarded = True
            found.append((node.lineno, guarded))
    return found


def _callers(tree: ast.AST, name: str) -> list[ast.expr]:
    """The conditions of the ``if`` statements whose body calls function ``name``."""
    return [n.test for n in ast.walk(tree) if isinstance(n, ast.If)
            and any(isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == name
                    for b in n.body for c in ast.walk(b))]


def test_every_write_from_a_page_is_behind_a_role_check():
    writes = {p.name: _guarded_writes(p) for p in [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]}
    assert sum(len(w) for w in writes.values()) >= 7  # data.py load + revert, targets.py, plan.py
    unguarded = {name: [line for line, ok in w if not ok] for name, w in writes.items()}
    assert {name: lines for name, lines in unguarded.items() if lines} == {}


def test_the_router_imports_every_module_plotly_only_peeks_at():
    """plotly's JSON encoder takes numpy, pandas and PIL.Image from sys.modules without importing them. If app.py's
    imports leave one out, the first sessions after a start race: one thread half-imports it while another's
    st.plotly_chart finds it there (seen in CI: "partially initialized module 'PIL.Image'")."""
    import importlib.util
    import subprocess
    import sys

    import plotly.io._json as plotly_json

    source = Path(plotly_json.__file__).read_text(encoding="utf-8")
    peeked = re.findall(r"""get_module\(\s*["']([\w.]+)["']\s*,\s*should_load=False\s*\)""", source)
    assert "PIL.Image" in peeked, peeked
    installed = [m for m in peeked if importlib.util.find_spec(m.split(".")[0]) is not None]
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    imports = "\n".join(ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    check = f"{imports}\nimport sys\nprint(' '.join(m for m in {installed!r} if m not in sys.modules))"
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == []
