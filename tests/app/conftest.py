"""AppTest tier: each page run in-process (no browser) against a small temporary warehouse named by $KPI_DB."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.workbooks import make_warehouse

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    """A warehouse holding one load (workbooks.township_xlsx: 海曙区, 2026年10月, 2 townships x 2 indicators)."""
    path = tmp_path / "warehouse" / "kpi.duckdb"
    make_warehouse(path)
    monkeypatch.setenv("KPI_DB", str(path))
    return path


def run_app(page: str | None = None) -> AppTest:
    """The app as `streamlit run app.py` would start it, switched to ``page`` (e.g. "views/data.py")."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


PASSWORD = "correct-horse-9"


def add_account(db: Path, username: str = "张三", role: str = "admin") -> None:
    """A local account in the warehouse at ``db`` (password PASSWORD), as `python -m etl users add` makes it."""
    from etl import users
    from kpi import store

    users.add_user(store.Warehouse(db), username, PASSWORD, role, who="test")


def sign_in(at: AppTest, db: Path, username: str = "张三", role: str = "admin") -> AppTest:
    """``at`` with ``username`` signed in (the account is created first), as after the sign-in form; not yet rerun."""
    from kpi import auth, store
    from views.shared import SESSION_KEY

    add_account(db, username, role)
    user = auth.get_user(store.Warehouse(db).connect(), username)
    at.session_state[SESSION_KEY] = auth.Session.start(user)
    return at
