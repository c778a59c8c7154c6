"""Injection through everything a user or a file can put on a page: URL parameters, pasted and uploaded work plans, file
names, sheet names and cells that end up in messages.

Two rules are checked. No SQL is built from input: the code is read (ast) for queries made of f-strings, concatenation,
``%`` or ``.format``, and every page is run with SQL-injection strings in every URL parameter while the warehouse is
watched row for row and byte for byte. Text from outside is inert: it reaches Streamlit only as plain text (shared.plain
for Markdown, html.escape inside HTML), so the Markdown or HTML a page sends carries no tag, link or image made from it.
(tests/browser/test_injection.py checks what a real browser then shows.)
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl import pipeline
from kpi import store
from tests.app.conftest import APP, run_app
from tests.app.workbooks import FIRST_FILE, make_warehouse, month_xlsx
from tests.conftest import db_fingerprint
from tests.fixtures import xlsx

ROOT = Path(__file__).resolve().parents[2]

# What an attacker types into a link: SQL injection in each dialect of quoting, a stacked query, a UNION reading the
# password hashes, a very long value, a NUL, and HTML.
HOSTILE = [
    "' OR 1=1 --",
    "330200000000'; DROP TABLE observations; --",
    'EC_R_BED_10K" OR "1"="1',
    "2026-10' UNION SELECT username, password_hash, role FROM users --",
    "9" * 10_000,
    "330203000000\x00' OR '1'='1",
    '<img src=x onerror="window.__pwned=1">',
]
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = "<svg onload=window.__pwned=1>"  # a sheet name: Excel allows < > = in sheet names
MARKDOWN = "![x](http://203.0.113.9/x.png) [点我](javascript:window.__pwned=1) **粗** www.example.com"
HOSTILE_FILE = f"{IMG}[点我](javascript:window.__pwned=1)**粗**.xlsx"

# The URL parameters each page reads (views/controls.py, views/report.py; kpi/screen.py for /screen).
DASHBOARD_PARAMS = ("region", "period", "indicator", "map")
SCREEN_PARAMS = ("region", "period", "indicators", "map", "indicator", "trend", "panels", "method", "rotate", "refresh",
                 "stale", "title")
PAGES = {  # page -> the URL parameters it says it could not use (with "无法识别")
    "views/overview.py": ("地区", "报告期"),
    "views/indicator.py": ("地区", "报告期", "指标"),
    "views/map.py": ("地区", "报告期", "指标"),
    "views/report.py": ("地区", "报告期", "地图指标"),
    "views/plan.py": ("地区", "报告期"),
    "views/targets.py": (),  # reads region and period, but shows no warning about them (see the report)
    "views/catalog.py": (),
    "views/data.py": (),
}


def hostile_warehouse(path: Path) -> store.Warehouse:
    """The fixture load, then a 民政统计 form whose file name, sheet name and three unknown indicator rows are hostile:
    each unknown row is a warning recorded with the load, quoting its cell. Shared with tests/browser/test_injection.py.
    """
    wh = make_warehouse(path)
    form = [["民政统计月报表"], ["地区编码：330203000000", None, "报告期：2026年9月"], ["指标名称", "单位", "代码", "数量"],
            ["甲", "乙", "丙", "1"], ["养老床位总数", "张", "", 1500], [SCRIPT, "张", "", 5], [IMG, "个", "X1", 6],
            [MARKDOWN, "", "", 7]]
    result = pipeline.load_bytes(wh, xlsx(sheets={SVG: form}), HOSTILE_FILE, who=f"{SCRIPT}审核员")
    assert result.status == "loaded" and result.report.file == HOSTILE_FILE, result.message
    assert len(result.report.warnings) == 3
    return wh


def warehouse_state(db: Path) -> tuple:
    """The data version, the row count of every table, and the file's bytes: 'unchanged' is all three."""
    con = store.Warehouse(db).connect()
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
    # Table names from DuckDB's own catalogue, quoted: the one identifier a test may put into SQL text.
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    assert counts.get("observations", 0) > 0
    return store.current_version(con), counts, db_fingerprint(store.Warehouse(db))


def literal(text: str) -> str:
    """What a plain()-escaped string reads as (numeric references decoded, word joiners dropped)."""
    return html.unescape(text).replace("\u2060", "")


def no_markup_from_input(markdown: str) -> None:
    """Markdown a page sends: no raw tag, link, image or emphasis can come from the hostile strings."""
    for made in ("<img", "<script", "<svg", "](", "**粗", "javascript:", "www.example"):
        assert made not in markdown, (made, markdown[:300])


# ---- SQL injection through URL parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_hostile_url_parameters_change_nothing_and_are_reported(db, page):
    """Each parameter gets each hostile value once (rotated, so every run also mixes them): the page runs, says what it
    could not use, shows the value only as text, and the warehouse is exactly as it was."""
    before = warehouse_state(db)
    at = run_app(page)
    for n in range(len(HOSTILE)):
        for k, name in enumerate(DASHBOARD_PARAMS):
            at.query_params[name] = HOSTILE[(n + k) % len(HOSTILE)]
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        warnings = [w.value for w in at.warning]
        for what in PAGES[page]:
            assert any(w.startswith(f"链接中的{what}“") and "无法识别" in w for w in warnings), (what, warnings)
        for text in warnings:
            no_markup_from_input(text)
            assert "'" not in text and '"' not in text and "<" not in text  # quotes and tags arrive as references
        if PAGES[page]:
            assert at.query_params["region"] not in HOSTILE  # the default took its place in the URL
    assert warehouse_state(db) == before


def test_the_warning_quotes_the_hostile_value_exactly(db):
    at = run_app()
    at.query_params["region"] = HOSTILE[1]
    at.run()
    [warning] = [w.value for w in at.warning if w.value.startswith("链接中的地区")]
    assert literal(warning) == f"链接中的地区“{HOSTILE[1]}”无法识别，已改为显示默认地区。"


def screen_html(params: dict[str, str]) -> tuple[AppTest, str]:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.switch_page("views/screen.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, "\n".join(h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_screen_parameters_change_nothing(db, value):
    before = warehouse_state(db)
    _, page = screen_html({name: value for name in SCREEN_PARAMS})
    assert "链接参数有误：" in page
    assert "<img src=x" not in page and "<script" not in page
    assert warehouse_state(db) == before


def test_screen_title_and_problems_are_escaped(db):
    _, page = screen_html({"title": IMG, "method": SCRIPT})
    assert f'<h1 class="scr-title">{html.escape(IMG)}</h1>' in page
    assert html.escape(SCRIPT) in page  # quoted in the problem about method
    assert IMG not in page and SCRIPT not in page


# ---- no SQL built from input (static) --------------------------------------------------------------------------------

# DuckDB's (and pandas') ways to run SQL. ``query`` is also shapely's STRtree.query and pandas' DataFrame.query (an
# expression evaluator, as dangerous when built from input), so for it only a built string is flagged.
SQL_CALLS = {"execute", "executemany", "sql", "from_query", "read_sql", "read_sql_query"}
AMBIGUOUS_CALLS = {"query"}
# Functions that pass their argument on as the query: name -> index of that argument.
FORWARDERS = {"_one": 1}
# Names that may be passed as the query, each because of where its value comes from.
ALLOWED_NAMES = {
    ("kpi/store.py", "_one", "query"): "the query of a _one() call, itself checked at every call",
    ("kpi/store.py", "migrate", "ddl"): "a DDL constant of kpi.sql.MIGRATIONS",
    ("etl/restore.py", "_finish", "statement"): "a constant of kpi.sql.RESTORE_TIMES",
}
# Queries built at run time, each with the reason it is safe. Identifiers cannot be query parameters.
ALLOWED_BUILT = {
    ("etl/restore.py", "health"): "sql.SCAN_TABLE with table names from the file's own catalogue (sql.LIST_TABLES), "
                                  "double quotes doubled",
}


def _constant_query(node: ast.expr) -> bool:
    """A string literal, a constant of kpi.sql (``sql.NAME``), or an item of one (``sql.REPLACE_REFERENCE[t][0]``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "sql"
    if isinstance(node, ast.Subscript):
        return _constant_query(node.value)
    return False


def _built(node: ast.expr) -> bool:
    """An f-string, a concatenation or %-formatting, or a .format()/.join()/.replace() call: text made at run time."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
        "format", "format_map", "join", "replace")


def query_problems(source: str, path: str) -> tuple[list[str], set[tuple]]:
    """Every query argument in ``source`` that is not a constant; and the allowed exceptions that were used."""
    problems, used = [], set()

    def check(call: ast.Call, index: int, function: str, strict: bool) -> None:
        args = list(call.args) + [k.value for k in call.keywords if k.arg in ("query", "sql", "expr")]
        if len(args) <= index:
            return
        arg = args[index]
        if isinstance(arg, ast.Name) and (path, function, arg.id) in ALLOWED_NAMES:
            used.add((path, function, arg.id))
        elif _built(arg) and (path, function) in ALLOWED_BUILT:
            used.add((path, function))
        elif _built(arg) or (strict and not _constant_query(arg)):
            problems.append(f"{path}:{call.lineno} in {function}(): {ast.unparse(arg)[:80]}")

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Attribute) and func.attr in SQL_CALLS | AMBIGUOUS_CALLS:
                    check(child, 0, function, strict=func.attr in SQL_CALLS)
                elif isinstance(func, ast.Name) and func.id in FORWARDERS:
                    check(child, FORWARDERS[func.id], function, strict=True)
            visit(child, name)

    visit(ast.parse(source), "<module>")
    return problems, used


def test_no_query_is_built_from_input():
    """kpi/, etl/, views/ and app.py pass only constants of kpi.sql (or string literals) as SQL; values go in as
    parameters. A query made with an f-string, +, % or .format — or held in any other variable — fails here."""
    files = [p for folder in ("kpi", "etl", "views") for p in sorted((ROOT / folder).rglob("*.py"))] + [ROOT / "app.py"]
    problems, used = [], set()
    for path in files:
        found, names = query_problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        problems += found
        used |= names
    assert not problems, "queries not taken from kpi.sql:\n" + "\n".join(problems)
    allowed = set(ALLOWED_NAMES) | set(ALLOWED_BUILT)
    assert used == allowed, f"exceptions no longer needed: {allowed - used}"


@pytest.mark.parametrize("snippet", [
    'con.execute(f"SELECT * FROM loads WHERE file_name = \'{name}\'")',
    'con.execute("SELECT * FROM loads WHERE load_id = " + raw)',
    'con.execute("SELECT * FROM loads WHERE load_id = %s" % raw)',
    'con.sql("SELECT * FROM {}".format(table))',
    'query = sql.GET_LOAD + where\ncon.execute(query, {})',
    '_one(con, f"SELECT {column} FROM loads")',
    'frame.query(f"region_code == \'{raw}\'")',
])
def test_the_query_check_catches_built_queries(snippet):
    problems, _ = query_problems(f"def page(con, name, raw, table, where, column, frame):\n"
                                 + "".join(f"    {line}\n" for line in snippet.split("\n")), "views/x.py")
    assert len(problems) == 1, problems


def test_kpi_sql_builds_its_constants_only_from_its_own_constants():
    """kpi/sql.py composes queries from its own fragments at import time (f"WITH active AS ({ACTIVE_LOADS})"); nothing
    in it is a function of anything else."""
    tree = ast.parse((ROOT / "kpi" / "sql.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda, ast.ClassDef))]
    module_names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    loop_names = {g.target.id for n in ast.walk(tree) if isinstance(n, ast.DictComp) for g in n.generators
                  if isinstance(g.iter, ast.Tuple) and all(isinstance(e, ast.Constant) for e in g.iter.elts)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue):
            assert isinstance(node.value, ast.Name) and node.value.id in module_names | loop_names, ast.unparse(node)
        if isinstance(node, ast.Call) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)):
            raise AssertionError(f"kpi/sql.py line {node.lineno}: {ast.unparse(node)[:80]}")


# ---- HTML and Markdown from files and from what users type -----------------------------------------------------------


def test_data_page_shows_hostile_file_names_and_cells_as_text(tmp_path, monkeypatch):
    path = tmp_path / "warehouse" / "kpi.duckdb"
    hostile_warehouse(path)
    monkeypatch.setenv("KPI_DB", str(path))
    at = run_app("views/data.py")
    assert list(at.dataframe[0].value["文件"]) == [HOSTILE_FILE, FIRST_FILE]  # st.dataframe: a grid of text
    assert at.selectbox[0].options[0] == f"#2\u3000{HOSTILE_FILE}\u3000（有效）"  # option labels are plain text
    assert at.selectbox[0].value == 2
    warnings = at.table[0].value
    cells = [str(c) for c in warnings.to_numpy().ravel()]
    for cell in cells:
        no_markup_from_input(cell)
        assert "<" not in cell and "(" not in cell and "*" not in cell
    assert literal(warnings["工作表"].iloc[0]) == SVG
    assert sorted(literal(m) for m in warnings["问题"]) == sorted([
        f"“{SCRIPT}”（代码无）不在指标目录中，本行未导入。处理办法：如需跟踪该指标，请管理员在指标目录中添加",
        f"“{IMG}”（代码X1）不在指标目录中，本行未导入。处理办法：如需跟踪该指标，请管理员在指标目录中添加",
        f"“{MARKDOWN}”（代码无）不在指标目录中，本行未导入。处理办法：如需跟踪该指标，请管理员在指标目录中添加"])


def test_upload_check_shows_hostile_names_and_cells_as_text(db):
    from tests.app.conftest import sign_in

    at = sign_in(run_app("views/data.py"), db, "填报员", "load").run()
    rows = [["南门街道", 300, 200, 120, 8000, 3], [SCRIPT, 1, 1, 1, 1, 1], [MARKDOWN, 1, 1, 1, 1, 1]]
    at.file_uploader[0].set_value((HOSTILE_FILE, month_xlsx(rows=rows), "application/octet-stream")).run()
    assert not at.exception
    [card] = [m.value for m in at.markdown if "有错误，不能导入" in m.value]
    no_markup_from_input(card)
    assert literal(card).endswith(f"**{HOSTILE_FILE}** — 有错误，不能导入")
    problems = at.table[0].value["问题"]
    for message in problems:
        no_markup_from_input(message)
    assert any(literal(m).startswith(f"未知的地区“{SCRIPT}”") for m in problems)
    assert any(literal(m).startswith(f"未知的地区“{MARKDOWN}”") for m in problems)


PLAN_TEXT = (f"2026年全区新增养老床位不少于200张{SCRIPT}。\n"
             f"持证养老护理员达到150人{IMG}，{MARKDOWN}。")


def test_pasted_work_plan_is_shown_escaped(db):
    at = run_app("views/targets.py")
    at.text_area(key="plan_text").input(PLAN_TEXT)
    next(b for b in at.button if b.label == "提取目标").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [original] = [m.value for m in at.markdown if m.value.startswith("<div style='line-height:1.8'>")]
    # The page's own tags only: the document's text is all references.
    assert set(re.findall(r"</?([a-zA-Z]+)", original)) == {"div", "mark", "br"}
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in original
    assert html.escape(IMG) in original
    assert "<mark>2026年全区新增养老床位不少于200张&lt;script&gt;" in original  # the highlighted target, escaped too
    assert html.unescape(re.sub(r"<[^>]+>", "", original.replace("<br>", "\n"))) == PLAN_TEXT


def test_uploaded_work_plan_name_is_shown_as_text(db):
    at = run_app("views/targets.py")
    name = f"{IMG}[说明](javascript:window.__pwned=1).txt"
    at.file_uploader(key="plan_file").set_value((name, PLAN_TEXT.encode(), "text/plain")).run()
    next(b for b in at.button if b.label == "提取目标").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [summary] = [m.value for m in at.markdown if "找到目标" in m.value]
    no_markup_from_input(summary)
    assert literal(summary).startswith(f"**{name}**：找到目标 2 条")


def test_unreadable_work_plan_error_shows_its_name_as_text(db):
    at = run_app("views/targets.py")
    name = "请访问www.example.com核对[说明](javascript:window.__pwned=1).txt"
    at.file_uploader(key="plan_file").set_value((name, b"", "text/plain")).run()
    next(b for b in at.button if b.label == "提取目标").click().run()
    [error] = [e.value for e in at.error]
    assert literal(error).startswith(f"[错误] 文件「{name}」：文件是空的")
    no_markup_from_input(error)
