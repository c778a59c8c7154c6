"""The 大屏 through AppTest: it runs without an exception on a small warehouse, says calmly what it cannot draw, and
reports a URL parameter it cannot use. (Layout, rotation and refresh are checked in a real browser:
tests/browser/test_screen.py.)"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from tests.app.workbooks import HAISHU


def screen(params: dict[str, str] | None = None) -> tuple[AppTest, str]:
    """Run /screen; returns the test app and all the HTML the screen drew."""
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page("views/screen.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, "\n".join(h.proto.body for h in at.get("html"))


def test_the_screen_shows_the_home_region_and_says_what_it_cannot_draw(db, monkeypatch):
    monkeypatch.setenv("KPI_HOME_REGION", HAISHU)
    at, page = screen()
    assert "海曙区民政局 · 民政事业发展指标" in page
    assert "海曙区 · 报告期 2026年10月" in page
    assert "数据更新于 " in page and 'data-screen-version="1"' in page
    assert "还没有乡镇(街道)边界数据，无法绘制地图。" in page  # no boundaries in this warehouse: a calm note
    assert [c.value for c in at.sidebar.caption] == []  # the frame's footer (数据版本 …) is not drawn on a wall


def test_a_url_parameter_it_cannot_use_is_reported_at_the_bottom(db):
    _, page = screen({"region": HAISHU, "rotate": "1"})
    assert "链接参数有误：轮播间隔应为 3–3600 秒，“1”无法使用，已改为 20 秒。" in page


def test_a_panel_that_fails_says_so_calmly_and_the_others_still_show(db, monkeypatch):
    import sys

    at, _ = screen({"region": HAISHU, "trend": "EC_BED_TOTAL"})
    shared = sys.modules["views.shared"]  # the module the page imported in that run

    def broken(*args, **kwargs):
        raise RuntimeError("a query that fails")

    monkeypatch.setattr(shared, "monthly", broken)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    page = "\n".join(h.proto.body for h in at.get("html"))
    assert "走势图暂时无法显示，系统会在下次刷新时自动重试。" in page
    assert 'class="scr-kpis"' in page and "海曙区 · 报告期 2026年10月" in page  # the rest of the wall is there
