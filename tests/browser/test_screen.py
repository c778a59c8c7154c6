"""The 大屏 (/screen) in a real browser at 1920×1080 and 3840×2160: it fills the screen exactly (no scrollbars, nothing
outside the viewport, no clipped text, no text below the wall's minimum size), shows none of Streamlit's chrome at any
moment, rotates the map, and takes in a new load, an unreadable warehouse and a server restart without a page reload.

The page's own refresh is the only thing that moves: the tests wait on what it draws (data-screen-* attributes),
with the refresh and rotation intervals shortened through the URL.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from etl import boundaries, targets
from kpi import screen, store
from tests.app.workbooks import HAISHU, county_rows, make_warehouse, month_xlsx
from tests.browser import driver
from tests.browser.driver import ARTIFACTS, ROOT, settled, start_server, stop_server

pytestmark = pytest.mark.browser

SIZES = {"1080p": (1920, 1080), "4k": (3840, 2160), "1080p_8cards": (1920, 1080)}
MIN_FONT_AT_1080P = 16  # px; scaled with the screen: 32 px at 2160p
HEADLINE = ["EC_R_BED_10K", "EC_BED_TOTAL", "EC_BED_NEW", "EC_R_NURSING_BED", "POP60_HJ", "EC_BED_INST"]
HEADLINE_8 = [*HEADLINE, "EC_R_COG_BED_10K", "SO_4A_PLUS"]  # the most a row takes; the last two have no data
MAP = ["EC_R_BED_10K", "EC_BED_TOTAL"]
TREND = ["EC_R_BED_10K", "EC_BED_TOTAL", "EC_BED_NEW"]
# 海曙区 2026: beds per 10,000 older people behind (383 of ≥500), new beds far behind (32 of +100), beds met.
TARGETS = """region_code,indicator_code,year,comparator,value,value_min,kind,keep,plan_attribute,base_value,document,sentence
330203000000,EC_R_BED_10K,2026,>=,500,,annual,,,,海曙区2026年工作要点（测试）,每万名老年人拥有养老床位500张
330203000000,EC_BED_NEW,2026,+,100,,annual,,,,海曙区2026年工作要点（测试）,新增养老床位100张
330203000000,EC_BED_TOTAL,2026,>=,7000,,annual,,,,海曙区2026年工作要点（测试）,养老床位总数不少于7000张
"""
CHROME = ['[data-testid="stSidebar"]', '[data-testid="stSidebarNav"]', '[data-testid="stHeader"]',
          '[data-testid="stToolbar"]', '[data-testid="stStatusWidget"]', '[data-testid="stDecoration"]',
          '[data-testid="stSidebarCollapsedControl"]', '[data-testid="stMainMenu"]',
          '[data-testid="stDialog"]']  # Streamlit's own "Connection error" box

# From the first frame on, note any of Streamlit's chrome that is ever visible (a flash before the page's stylesheet
# arrives would show here), every animation frame until the test reads it.
WATCH_CHROME = """
window.__chromeSeen = [];
(function sample() {
    for (const sel of %s) {
        const el = document.querySelector(sel);
        if (!el) continue;
        const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
        if (r.width > 0 && r.height > 0 && cs.display !== 'none' && cs.visibility !== 'hidden' &&
            el.innerText.trim() !== '' && !window.__chromeSeen.includes(sel)) window.__chromeSeen.push(sel);
    }
    requestAnimationFrame(sample);
})();
""" % CHROME

# Every visible text on the page: its font size, and whether it sticks out of the viewport or out of a box that clips
# it (an ellipsis, a cut-off line). Text nodes are measured with a Range: the glyphs, not the box around them.
MEASURE = """() => {
    const W = innerWidth, H = innerHeight, out = {fonts: [], outside: [], clipped: [], boxes: []};
    // Hidden, or visually hidden for screen readers (Streamlit's "Skip to main content": a 1-px clipping box).
    const visible = el => {
        let clipping = true;  // a position:fixed box escapes the clipping of the boxes around it
        for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
            const cs = getComputedStyle(e);
            if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return false;
            const b = e.getBoundingClientRect();
            if (clipping && cs.overflow !== 'visible' && (b.width <= 1 || b.height <= 1)) return false;
            if (cs.position === 'fixed') clipping = false;
        }
        return true;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        const el = node.parentElement;
        if (!el || ['STYLE', 'SCRIPT', 'NOSCRIPT'].includes(el.tagName) || !visible(el)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (el.closest('#js-plotly-tester')) continue;
        const text = node.textContent.trim().slice(0, 40);
        out.fonts.push([parseFloat(getComputedStyle(el).fontSize), text]);
        if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) out.outside.push(text);
        // Up to the box that clips the text; a position:fixed box is clipped by the viewport alone (checked above).
        for (let a = el; a && a !== document.body; a = a.parentElement) {
            const cs = getComputedStyle(a);
            if (cs.position === 'fixed') break;
            if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
            const b = a.getBoundingClientRect();
            if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
                out.clipped.push(text + ' ⊄ ' + (a.className.baseVal ?? a.className).toString().slice(0, 60));
                break;
            }
        }
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).textOverflow === 'ellipsis')
            out.clipped.push(text + ' (ellipsis)');
    }
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        // Plotly measures text in an svg parked at -10000px; it is never seen.
        if (r.width === 0 || r.height === 0 || !visible(el) || el.closest('#js-plotly-tester')) continue;
        if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
            out.boxes.push(el.tagName + '.' + (el.className.baseVal ?? el.className).toString().slice(0, 50) +
                           ' ' + JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round)));
    }
    const doc = document.documentElement;
    out.scroll = [doc.scrollWidth, doc.scrollHeight, W, H];
    return out;
}"""


def screen_url(server, **params) -> str:
    query = {"region": HAISHU, "indicators": ",".join(HEADLINE), "map": ",".join(MAP), "trend": ",".join(TREND),
             "rotate": "600", "refresh": "3", **params}
    return f"{server.url}/screen?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """海曙区's 17 townships for 2026年9月 and 10月, the demo boundaries, three 2026 targets — and every event of the
    warehouse dated 60 days back, so the screen starts stale until a test loads a new month. One session opens the
    overview first, as on any server someone has used."""
    tmp = tmp_path_factory.mktemp("screen")
    db = tmp / "kpi.duckdb"
    rows = county_rows()
    wh = make_warehouse(db, [(month_xlsx(f"2026年{m}月", rows), f"海曙区2026年{m}月.xlsx") for m in (9, 10)])
    imported = boundaries.import_boundaries(wh, boundaries.DEMO_BOUNDARIES, level=None, who="测试", is_demo=True)
    assert imported.status == "loaded", imported.message
    assert targets.import_bytes(wh, TARGETS.encode(), "targets.csv", who="测试").status == "imported"
    with wh.writing() as con:  # a test's own warehouse: back-date it as if nothing had been loaded for two months
        con.execute("UPDATE events SET happened_at = happened_at - INTERVAL 60 DAY")
    srv = start_server(db, tmp / "streamlit.log")
    first = browser.new_page()
    first.goto(f"{srv.url}/")
    first.wait_for_selector(driver.IDLE, timeout=60_000)
    first.close()
    yield srv
    stop_server(srv)


def open_screen(page, server, size=(1920, 1080), cards: int = len(HEADLINE), **params) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.add_init_script(WATCH_CHROME)
    page.goto(screen_url(server, **params))
    rendered(page, cards=cards)
    page.evaluate("() => { window.__screenMarker = 'still the same page'; }")


def rendered(page, trends: int = len(TREND), cards: int = len(HEADLINE)) -> None:
    """Every panel drawn: the cards, the ranking, the trend charts and the map's canvas, nothing still waiting for
    the browser's size report."""
    settled(page)
    expect(page.locator(".scr-kpi")).to_have_count(cards, timeout=30_000)
    expect(page.locator('[class*="st-key-scr-chart-"] .js-plotly-plot')).to_have_count(trends, timeout=30_000)
    expect(page.locator(".st-key-scr-map canvas")).to_have_count(1, timeout=30_000)
    expect(page.locator(".scr-map-wait")).to_have_count(0)
    expect(page.locator(".scr-rank").first).to_be_visible()
    page.wait_for_timeout(1500)  # deck.gl and Plotly draw on the next animation frames


def tick(page) -> str:
    return page.locator("[data-screen-tick]").get_attribute("data-screen-tick")


def dark_pixels(png: bytes) -> int:
    """Pixels of the map in one of the screen's class colours."""
    colours = np.array([*screen.DARK_BLUES, *screen.DARK_PURPLES, screen.DARK_MISSING], dtype=int)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int).reshape(-1, 1, 3)
    return int((np.abs(pixels - colours[None, :, :]).sum(axis=2) < 24).any(axis=1).sum())


def save(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def etl_load(db, *files) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "load", *map(str, files), "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


# ---- tests, in order: stale → new load → fills the screen → rotation → unreadable file → server restart --------------


def test_stale_data_warning_goes_away_when_a_new_month_is_loaded(page, server, tmp_path):
    open_screen(page, server)
    alert = page.get_by_test_id("screenAlert")
    expect(alert).to_contain_text("数据已 60天")
    expect(alert).to_contain_text("未更新")
    expect(page.locator(".scr-sub")).to_have_text("海曙区 · 报告期 2026年10月")
    version = page.locator("[data-screen-version]").get_attribute("data-screen-version")
    save(page, "screen_stale")

    november = tmp_path / "海曙区2026年11月.xlsx"
    november.write_bytes(month_xlsx("2026年11月", county_rows()))
    done = etl_load(server.db, november)
    assert done.returncode == 0, done.stdout + done.stderr

    # No reload: the screen's next refresh reads the new snapshot, moves to the new month and drops the warning.
    expect(page.locator("[data-screen-version]")).not_to_have_attribute("data-screen-version", version,
                                                                        timeout=20_000)
    expect(page.locator(".scr-sub")).to_have_text("海曙区 · 报告期 2026年11月")
    expect(alert).to_have_count(0)
    expect(page.get_by_test_id("screenStamp")).to_contain_text("数据更新于 ")
    assert page.evaluate("() => window.__screenMarker") == "still the same page"
    assert page.evaluate("() => window.__chromeSeen") == []


@pytest.mark.parametrize("name", SIZES)
def test_fills_the_screen_with_nothing_cut_off(page, server, name):
    width, height = SIZES[name]
    headline = HEADLINE_8 if name.endswith("8cards") else HEADLINE
    open_screen(page, server, (width, height), cards=len(headline), indicators=",".join(headline))
    metrics = page.evaluate(MEASURE)
    save(page, f"screen_{name}")

    assert metrics["scroll"] == [width, height, width, height], "the document scrolls"
    assert metrics["boxes"] == [], "elements outside the viewport"
    assert metrics["outside"] == [], "text outside the viewport"
    assert metrics["clipped"] == [], "text cut off by its box"
    smallest = min(metrics["fonts"])
    assert smallest[0] >= MIN_FONT_AT_1080P * width / 1920 - 0.01, f"text too small for a wall: {smallest}"
    assert page.evaluate("() => window.__chromeSeen") == [], "Streamlit's chrome showed"
    for selector in CHROME:
        expect(page.locator(selector)).not_to_be_visible()

    # Every panel is there and full: six cards, the ranking (head, "…", tail of 17 townships), the 需关注 list, three
    # charts, a painted map with its legend, the clock.
    expect(page.locator(".scr-kpi")).to_have_count(len(headline))
    expect(page.locator(".scr-kpi").first).to_contain_text("每万名老年人拥有养老床位数")
    expect(page.locator(".scr-rank--gap")).to_contain_text("共 17 个乡镇(街道)")
    expect(page.locator(".scr-attn").first).to_contain_text("新增养老床位数")
    expect(page.locator(".scr-legend")).to_be_visible()
    expect(page.get_by_test_id("screenClock")).to_contain_text("星期")
    chart = page.locator(".st-key-scr-map")
    box = chart.bounding_box()
    assert dark_pixels(chart.screenshot()) > 0.05 * box["width"] * box["height"]  # a blank canvas has none


def test_rotation_moves_the_map_and_ranking_to_the_next_indicator_without_redrawing_the_canvas(page, server):
    open_screen(page, server, rotate="4")
    title = page.get_by_test_id("screenMapTitle")
    first = title.get_attribute("data-code")
    page.evaluate("() => { document.querySelector('.st-key-scr-map canvas').__mark = 1; }")
    expected = MAP[(MAP.index(first) + 1) % len(MAP)]
    expect(title).to_have_attribute("data-code", expected, timeout=20_000)
    expect(page.locator(".scr-ranks").locator("..")).to_contain_text("养老床位总数" if expected == "EC_BED_TOTAL"
                                                                     else "每万名老年人拥有养老床位数")
    expect(page.locator(".scr-dots > i.on")).to_have_count(1)
    # The same canvas, its layers updated in place: no blank frame between two indicators.
    assert page.evaluate("() => document.querySelector('.st-key-scr-map canvas').__mark") == 1
    assert page.evaluate("() => window.__screenMarker") == "still the same page"
    save(page, "screen_rotated")


def test_unreadable_warehouse_keeps_the_last_figures_under_a_warning(page, server):
    open_screen(page, server)
    good = server.db.with_name("kpi.good.duckdb")
    shutil.copyfile(server.db, good)
    bad = server.db.with_name("kpi.bad.duckdb")
    bad.write_bytes(b"\x00not a warehouse\x00" * 4096)
    try:
        os.replace(bad, server.db)  # as the loader publishes: an atomic rename over the file the app reads
        alert = page.get_by_test_id("screenAlert")
        expect(alert).to_contain_text("数据库暂时无法读取", timeout=20_000)
        expect(page.locator(".scr-kpi")).to_have_count(len(HEADLINE))  # the last figures stay on screen
        expect(page.locator(".scr-calm")).to_have_count(0)
        save(page, "screen_unreadable")
    finally:
        os.replace(good, server.db)
    expect(page.get_by_test_id("screenAlert")).to_have_count(0, timeout=20_000)
    assert page.evaluate("() => window.__screenMarker") == "still the same page"


def test_server_restart_is_noticed_and_recovered_from_without_a_reload(page, server):
    open_screen(page, server)
    port = int(server.url.rsplit(":", 1)[1])
    stop_server(server)
    banner = page.get_by_test_id("screenOffline")
    expect(banner).to_be_visible(timeout=40_000)  # 15 s without a refresh at refresh=3
    expect(banner).to_contain_text("与服务器的连接已中断")
    page.wait_for_timeout(8_000)  # Streamlit opens its own connection box after six failed pings
    expect(banner).to_be_visible()
    save(page, "screen_offline")

    with mock.patch.object(driver, "free_port", return_value=port):
        restarted = start_server(server.db, server.log_path.with_name("streamlit-restarted.log"))
    server.proc = restarted.proc  # the module fixture stops this one at the end
    before = tick(page)
    expect(banner).to_be_hidden(timeout=60_000)
    expect(page.locator("[data-screen-tick]")).not_to_have_attribute("data-screen-tick", before)
    rendered(page)
    assert page.evaluate("() => window.__screenMarker") == "still the same page"
    # Neither Streamlit's English connection box nor the first run of a fresh process (views/ old-style) showed.
    assert page.evaluate("() => window.__chromeSeen") == []
    save(page, "screen_after_restart")
