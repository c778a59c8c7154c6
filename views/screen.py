"""大屏: the unattended wall display — headline KPIs, the choropleth and ranking of one indicator at a time, the 需关注
list and the trend of a few key indicators, on a dark 16:9 layout with no Streamlit chrome.

Settings: data/screen.toml, overridden by the URL (kpi/screen.py parses both). The body is one fragment that wakes up
every few seconds (``st.fragment(run_every=…)``): it moves the map to the next indicator when its turn is up and reads
the data version, so a new load shows within one refresh interval with no page reload. Every number comes from the
cached loaders in views/shared.py, keyed on the data version. A panel that fails says so calmly in its own box; a
warehouse that cannot be read leaves the last figures on screen under a warning; a lost connection to the server is
noticed by the browser itself (views/screen_watch.py).

Sizes are CSS (``--u`` is 1/100 of a 16:9 frame fitted into the viewport: 19.2 px at 1920×1080, 38.4 px at 3840×2160),
so the wall scales as one picture. Canvases (the deck.gl map, Plotly) get the same unit in pixels from the watcher.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import time
from pathlib import Path

import streamlit as st

# Our own static stylesheet: hides Streamlit's chrome and lays out the wall. Sent before anything else, so the wall
# never shows a moment of the default chrome.
st.html("<style>" + Path(__file__).with_name("screen.css").read_text(encoding="utf-8") + "</style>")

import plotly.graph_objects as go  # noqa: E402
import pydeck as pdk  # noqa: E402

from kpi import display, geo, screen, trend  # noqa: E402
from kpi.periods import Period  # noqa: E402
from kpi.progress import BEHIND, MET, MONITOR, NO_DATA, ON_TRACK, SEVERELY_BEHIND  # noqa: E402
from kpi.regions import LEVEL_NAMES  # noqa: E402
from kpi.scorecard import attention, change_rate  # noqa: E402
from views import controls, screen_watch, shared  # noqa: E402

log = logging.getLogger("kpi.screen")

STATUS_CLASS = {MET: "met", ON_TRACK: "on", BEHIND: "behind", SEVERELY_BEHIND: "severe", MONITOR: "monitor",
                NO_DATA: "nodata"}
# Lines each list has room for at 16:9 (all sizes scale together, so the same at every resolution).
RANKING_ROOM, RANKING_ROOM_ALONE = 11, 21
ATTENTION_ROOM, ATTENTION_ROOM_ALONE = 5, 10
FONT_FAMILY = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
DECK_FONT = FONT_FAMILY.replace('"', "")
# Session keys (UI state only: which map indicator is up, which snapshot was last readable).
SLOT, SLOT_AT, LAST_KEY, FAILED_AT, SIZE = "_scr_slot", "_scr_slot_at", "_scr_key", "_scr_failed", "_scr_size"
FAILING = "_scr_failing"


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text))


def settings() -> tuple[screen.ScreenConfig, list[str]]:
    """The file's settings under the URL's, and what was wrong with either."""
    catalog, regions = shared.reference()
    config, problems = shared.screen_settings(shared.screen_settings_key())
    config, url_problems = screen.with_params(config, st.query_params.to_dict(), catalog, regions)
    return config, [*problems, *url_problems]


def calm(text: str, cls: str = "") -> None:
    st.html(f'<div class="scr-calm {cls}">{esc(text)}</div>')


def panel(name: str, draw, *args) -> None:
    """Draw one panel; an error in it becomes a calm message in its place. Logged with its traceback once per
    failure, not at every refresh while it lasts."""
    failing = st.session_state.setdefault(FAILING, set())
    try:
        draw(*args)
    except Exception:
        if name not in failing:
            log.exception("大屏 panel %s failed", name)
        failing.add(name)
        calm(f"{name}暂时无法显示，系统会在下次刷新时自动重试。")
    else:
        failing.discard(name)


# ---- data ------------------------------------------------------------------------------------------------------------


def read_warehouse() -> tuple[shared.DataKey | None, dict | None, str | None]:
    """(key, freshness, problem). When the warehouse cannot be read: the last snapshot that could (its results are
    still cached) and what went wrong; (None, None, problem) if none ever could. Logged once per failure, with the
    traceback, not at every refresh."""
    try:
        key = shared.data_key(fresh=True)  # a fragment's rerun: app.py did not run, so nothing is pinned for it
        shared.upgrade_schema(key)
        info = shared.freshness(key)
    except Exception:
        if FAILED_AT not in st.session_state:
            log.exception("大屏: cannot read the warehouse")
        failed = st.session_state.setdefault(FAILED_AT, dt.datetime.now())
        key = st.session_state.get(LAST_KEY)
        if key is None:
            return None, None, (f"数据库暂时无法读取（{failed:%H:%M} 起），系统每隔几秒自动重试。"
                                "请联系管理员检查数据库文件。")
        try:
            info = shared.freshness(key)  # cached for that snapshot
        except Exception:
            info = None
        return key, info, f"数据库暂时无法读取（{failed:%H:%M} 起），画面显示的是最后一次读到的数据，系统正在自动重试。"
    if st.session_state.pop(FAILED_AT, None):
        log.info("大屏: the warehouse can be read again")
    st.session_state[LAST_KEY] = key
    return key, info, None


def rotation(config: screen.ScreenConfig) -> int:
    """The map indicator now up: the next one once its time is over (a rerun for another reason does not skip one)."""
    now = time.monotonic()
    slot, since = st.session_state.get(SLOT, 0), st.session_state.get(SLOT_AT)
    if since is None:
        since = now
    elif now - since >= 0.9 * config.rotate_seconds:
        slot, since = screen.next_slot(slot, len(config.map)), now
    st.session_state[SLOT], st.session_state[SLOT_AT] = slot % len(config.map), since
    return slot % len(config.map)


# ---- header and footer -----------------------------------------------------------------------------------------------


def header(title: str, subtitle: str, info: dict | None, version: int | None, alerts: list[tuple[str, str]]) -> None:
    """Title, period and the data stamp; the refresh stamp ``data-screen-tick`` feeds the browser's watchdog."""
    updated = info["updated_at"] if info else None
    stamp = f"数据更新于 {updated:%Y-%m-%d %H:%M}" if updated else "数据更新时间未知"
    alert_html = "".join(f'<div class="scr-alert scr-alert--{kind}" data-testid="screenAlert">'
                         f'<span class="scr-alert__icon">!</span>{esc(text)}</div>' for kind, text in alerts)
    st.html(
        f'<header class="scr-head" data-screen-tick="{time.monotonic_ns()}" data-screen-version="{version or 0}">'
        f'<div class="scr-head__side scr-head__left"><div class="scr-sub">{esc(subtitle)}</div>'
        f'<div class="scr-stamp{" scr-stamp--stale" if alerts else ""}" data-testid="screenStamp">{esc(stamp)}</div>'
        f'</div>'
        f'<div class="scr-head__center"><h1 class="scr-title">{esc(title)}</h1>{alert_html}</div>'
        f'<div class="scr-head__side scr-head__right"></div></header>')


def footer(left: str, right: str, warn: bool) -> None:
    st.html(f'<footer class="scr-foot"><span>{esc(left)}</span>'
            f'<span class="{"scr-foot__warn" if warn else ""}">{esc(right)}</span></footer>')


# ---- panels ----------------------------------------------------------------------------------------------------------


def kpi_cards(cards: list | None, codes: tuple[str, ...]) -> None:
    if cards is None:
        raise RuntimeError("cards unavailable")  # logged where they failed; panel() shows the calm message
    by_code = {c.indicator.code: c for c in cards}
    parts = []
    for code in codes:
        card = by_code.get(code)
        if card is None:
            continue
        ind, prog, fig = card.indicator, card.progress, card.figure
        status = prog.status
        number = display.number(fig.value, ind.unit)
        # Units that have not reported yet: the figure is provisional, and the wall says so beside its progress.
        missing = fig.expected - fig.reporting if fig.expected and fig.value is not None else 0
        partial = (f'<span class="scr-kpi__partial" title="{esc(display.reporting(fig.reporting, fig.expected))}">'
                   f'缺报 {missing}</span>') if missing > 0 else ""
        if card.target and prog.completion is not None:
            done = min(max(prog.completion, 0.0), 1.0)
            pace = (f'<b class="scr-bar__pace" style="left:{min(prog.expected, 1.0) * 100:.1f}%"></b>'
                    if prog.expected is not None else "")
            bar = (f'<div class="scr-kpi__progress"><div class="scr-bar"><i style="width:{done * 100:.1f}%"></i>'
                   f'{pace}</div><span>{esc(display.percent(prog.completion))}</span>{partial}</div>')
            note = ("目标 " if len(codes) <= 6 else "") + screen.target_text(card.target)  # 7–8 cards: no room
        else:
            rate = change_rate(fig, card.last_year)
            bar = f'<div class="scr-kpi__progress"><div class="scr-bar scr-bar--none"></div>{partial}</div>'
            note = ("本期无数据" if fig.value is None else
                    f"同比 {rate * 100:+.1f}%" if rate is not None and ind.unit != "%" else "无目标值")
        parts.append(
            f'<div class="scr-kpi scr-kpi--{STATUS_CLASS[status]}" data-code="{esc(code)}">'
            f'<div class="scr-kpi__name">{esc(ind.name)}</div>'
            f'<div class="scr-kpi__value"><span class="scr-num">{esc(number)}</span>'
            f'<span class="scr-unit">{esc(ind.unit)}</span></div>{bar}'
            f'<div class="scr-kpi__foot"><span>{esc(note)}</span>'
            f'<span class="scr-pill scr-pill--{STATUS_CLASS[status]}">{esc(status)}</span></div></div>')
    if not parts:
        calm("没有可显示的核心指标。")
        return
    # Fewer than four cards keep the width of four, centred: one card across the whole wall reads as a banner.
    st.html(f'<div class="scr-kpis" style="--n:{len(parts)};--cols:{max(len(parts), 4)}">{"".join(parts)}</div>')


def map_panel(key, tkey, region, ind, period: str, config: screen.ScreenConfig, slot: int, u: float | None,
              size: dict | None) -> None:
    catalog, _ = shared.reference()
    data = shared.map_data(key, tkey, region.code, ind.code, period, config.method)
    view, cells, legend = data["view"], data["cells"], data["legend"]
    level = LEVEL_NAMES[view.level]
    dots = "".join(f'<i class="{"on" if i == slot else ""}"></i>' for i in range(len(config.map)))
    names = " · ".join(esc(catalog.get(c).name) for c in config.map) if len(config.map) > 1 else ""
    st.html(f'<div class="scr-panel__title" data-testid="screenMapTitle" data-code="{esc(ind.code)}">'
            f'<span>{esc(view.region_name)} · 各{esc(level)}{esc(ind.name)}</span>'
            f'<span class="scr-dots" title="{names}">{dots}</span></div>')
    holder = st.container(key="scr-map")
    if not cells["features"]:
        with holder:
            calm(f"{view.region_name}还没有{level}边界数据，无法绘制地图。")
        return
    if not size or (size.get("map_w") or 0) < 50 or (size.get("map_h") or 0) < 50 or u is None:
        with holder:
            st.html('<div class="scr-map-wait"></div>')  # a moment at start-up, until the browser reports sizes
        return
    cells, legend = screen.darken(cells, legend)
    # The legend floats over the map's lower left corner (its size estimated from its lines, as screen.css sets it).
    legend_px = (max(screen.text_width(e.label, 0.86 * u) for e in legend) + 3.6 * u,
                 (len(legend) + 1) * 1.34 * u + 1.8 * u)
    box = (size["map_w"], size["map_h"])
    center, zoom = (screen.fit_map(view.bounds, box, round(1.2 * u), view.outline, legend_px) if view.bounds
                    else (view.center, view.zoom))
    layers = [pdk.Layer("GeoJsonLayer", cells, id="cells", pickable=False, stroked=True, filled=True,
                        get_fill_color="properties.fill", get_line_color=[8, 22, 48], line_width_min_pixels=1)]
    if view.outline:
        layers.append(pdk.Layer("GeoJsonLayer", view.outline, id="outline", pickable=False, stroked=True,
                                filled=False, get_line_color=[90, 200, 255], line_width_min_pixels=max(2, u / 8)))
    values = {r.region.code: display.number(r.figure.value, ind.unit) for r in data["rows"]
              if r.figure.value is not None}
    labels = screen.place_labels(cells, values, center, zoom, box, round(0.86 * u))
    for light in (False, True):  # white labels on dark cells, dark ones on light cells
        layers.append(pdk.Layer(
            "TextLayer", [lb for lb in labels if lb["on_light"] == light], id=f"labels{int(light)}",
            get_position="position", get_text="text", get_size=round(0.86 * u),
            # Quoted: pydeck reads a bare string as a JavaScript expression.
            size_units='"pixels"', character_set='"auto"', font_family=f'"{DECK_FONT}"', font_weight=700,
            line_height=1.2, font_settings={"sdf": True}, outline_width=2,
            get_color=[4, 16, 39] if light else [240, 248, 255],
            outline_color=[200, 240, 255, 200] if light else [4, 16, 39, 220],
            get_text_anchor='"middle"', get_alignment_baseline='"center"'))
    deck = pdk.Deck(layers=layers,
                    initial_view_state=pdk.ViewState(longitude=center[0], latitude=center[1], zoom=zoom),
                    # No basemap, and map_style left unset: any map_style makes Streamlit fetch a Carto style.
                    map_provider=None)
    with holder:
        st.pydeck_chart(deck, height="stretch", key="scr_deck")
    swatches = "".join(f'<div><i style="background:rgb{e.rgb}"></i>{esc(e.label)}</div>' for e in legend)
    notes = []
    if view.schematic:
        notes.append("乡镇边界为示意分区")
    st.html(f'<div class="scr-legend"><div class="scr-legend__unit">{esc(ind.unit)}</div>{swatches}</div>'
            + (f'<div class="scr-map-note">{esc("；".join(notes))}</div>' if notes else ""))


def ranking_panel(key, tkey, region, ind, period: str, room: int) -> None:
    rows = shared.ranking(key, tkey, region.code, ind.code, period)
    ranked = [r for r in rows if r.figure.value is not None]
    missing = [r for r in rows if r.figure.value is None]
    level = LEVEL_NAMES[rows[0].region.level] if rows else "下级地区"
    title = (f'<div class="scr-panel__title"><span>各{esc(level)}排名</span></div>'
             f'<div class="scr-sub-row"><span>{esc(ind.name)}（{esc(ind.unit)}）</span></div>')
    if not ranked:
        st.html(title + f'<div class="scr-calm">{esc(region.name)}的{esc(level)}本期还没有{esc(ind.name)}数据。</div>')
        return
    room -= 1 if missing else 0
    head, tail = screen.ranking_window(len(ranked), room)
    top = max(abs(r.figure.value) for r in ranked) or 1.0

    def line(r) -> str:
        width = abs(r.figure.value) / top * 100
        status = r.progress.status
        dot = f'<i class="scr-dot scr-dot--{STATUS_CLASS[status]}" title="{esc(status)}"></i>' if r.target else ""
        medal = " scr-rank__no--top" if r.rank and r.rank <= 3 else ""
        return (f'<div class="scr-rank"><span class="scr-rank__no{medal}">{r.rank}</span>'
                f'<span class="scr-rank__name">{esc(r.region.name)}</span>'
                f'<span class="scr-rank__bar"><i style="width:{width:.1f}%"></i></span>'
                f'<span class="scr-rank__value">{esc(display.number(r.figure.value, ind.unit))}</span>{dot}</div>')

    lines = [line(ranked[i]) for i in head]
    if tail:
        lines.append(f'<div class="scr-rank scr-rank--gap">… 共 {len(ranked)} 个{esc(level)} …</div>')
        lines.extend(line(ranked[i]) for i in tail)
    if missing:
        lines.append(f'<div class="scr-rank scr-rank--missing">未报送 {len(missing)} 个：'
                     f'{esc("、".join(r.region.name for r in missing[:3]))}{"等" if len(missing) > 3 else ""}</div>')
    legend = ""
    if any(r.target for r in ranked):
        legend = ('<div class="scr-rank-legend">' + "".join(
            f'<span><i class="scr-dot scr-dot--{STATUS_CLASS[s]}"></i>{esc(s)}</span>'
            for s in (MET, ON_TRACK, BEHIND, SEVERELY_BEHIND)) + "</div>")
    st.html(title + f'<div class="scr-ranks" style="--rows:{room + (1 if missing else 0)}">{"".join(lines)}</div>'
            + legend)


def attention_panel(cards: list | None, room: int) -> None:
    if cards is None:
        raise RuntimeError("cards unavailable")
    behind = attention(cards)
    title = (f'<div class="scr-panel__title"><span>需关注（{len(behind)}）</span>'
             f'<span class="scr-panel__hint">落后于序时进度的指标</span></div>')
    if not behind:
        st.html(title + '<div class="scr-calm scr-calm--ok">有目标值的指标都没有落后于序时进度。</div>')
        return
    items = []
    for card in behind[:room if len(behind) <= room else room - 1]:
        prog, ind = card.progress, card.indicator
        detail = [f"完成 {display.percent(prog.completion)}"]
        if prog.gap is not None:
            detail.append(display.points(prog.gap))
        elif prog.remaining is not None:
            detail.append(f"尚差 {display.value_with_unit(prog.remaining, ind.unit)}")
        items.append(f'<div class="scr-attn"><span class="scr-pill scr-pill--{STATUS_CLASS[prog.status]}">'
                     f'{esc(prog.status)}</span><div class="scr-attn__text"><div class="scr-attn__name">'
                     f'{esc(ind.name)}</div><div class="scr-attn__detail">{esc(" · ".join(detail))}</div></div></div>')
    if len(behind) > room:
        items.append(f'<div class="scr-attn scr-attn--more">另有 {len(behind) - room + 1} 项，见“指标总览”页</div>')
    st.html(title + f'<div class="scr-attns" style="--rows:{room}">{"".join(items)}</div>')


def trend_panel(key, tkey, region, code: str, period, u: float | None, index: int) -> None:
    catalog, _ = shared.reference()
    ind = catalog.get(code)
    card = next((c for c in shared.cards(key, tkey, region.code, str(period)) if c.indicator.code == code), None)
    target = card.target if card else None
    months = shared.monthly(key, tkey, region.code, code, str(period))
    label = trend.measure_name(ind.kind, target)
    chips = (f'<span class="scr-chip scr-chip--now">{period.year}年</span>'
             f'<span class="scr-chip scr-chip--last">{period.year - 1}年</span>'
             + ('<span class="scr-chip scr-chip--target">目标</span>' if target else ""))
    st.html(f'<div class="scr-panel__title scr-trend__title"><span>{esc(ind.name)}</span></div>'
            f'<div class="scr-sub-row"><span>{esc(label)}（{esc(ind.unit)}）</span>'
            f'<span class="scr-chips">{chips}</span></div>')
    box = st.container(key=f"scr-chart-{index}")
    if u is None:
        with box:
            st.html('<div class="scr-map-wait"></div>')
        return
    tick = round(0.86 * u)
    x = [f"{m}月" for m in months["月"]]
    chart = go.Figure()
    chart.add_scatter(x=x, y=months["上年"], name=f"{period.year - 1}年", mode="lines",
                      line=dict(color="#7d8fa8", width=max(1.5, u / 10), dash="dot"))
    if target:
        chart.add_scatter(x=x, y=months["目标"], name="目标", mode="lines",
                          line=dict(color="#ff6b6b", width=max(1.5, u / 10), dash="dash"))
    chart.add_scatter(x=x, y=months["本年"], name=f"{period.year}年", mode="lines+markers",
                      line=dict(color="#3ee0ff", width=max(2.5, u / 6)), marker=dict(size=max(5, u / 3)))
    axis = dict(color="#9fb3cc", tickfont=dict(size=tick, family=FONT_FAMILY, color="#9fb3cc"), automargin=True,
                gridcolor="rgba(120,160,210,0.14)", zeroline=False, showline=False)
    chart.update_layout(
        showlegend=False, margin=dict(l=round(0.3 * u), r=round(0.6 * u), t=round(0.5 * u), b=round(0.3 * u)),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", font=dict(family=FONT_FAMILY, size=tick),
        xaxis={**axis, "tickvals": x[::2]}, yaxis={**axis, "nticks": 4, "tickformat": ","},
    )
    with box:
        st.plotly_chart(chart, height="stretch", theme=None, key=f"scr_trend_{index}",
                        config={"staticPlot": True, "displayModeBar": False})


# ---- the screen ------------------------------------------------------------------------------------------------------


def draw(size: dict | None, tick_seconds: float) -> None:
    config, problems = settings()
    if config.tick_seconds != tick_seconds:  # the settings file changed the pace: restart the clock
        st.rerun(scope="app")
    catalog, regions = shared.reference()
    root = st.container(key="scr")
    with root:
        key, info, read_problem = read_warehouse()
        region = regions.get(config.region) if config.region else None
        if region is None:
            region = controls.home_region(regions, controls.region_options(regions))
        title = config.title or f"{region.name}民政局 · 民政事业发展指标"
        alerts = []
        if read_problem:
            alerts.append(("error", read_problem))
        stale = screen.stale_message(info["updated_at"] if info else None, dt.datetime.now(),
                                     config.stale_after_hours) if info else None
        if stale and not alerts:  # one alert at a time: a warehouse that cannot be read says more than its age
            alerts.append(("warn", stale))
        if key is None:
            header(title, "", None, None, alerts)
            calm("暂时没有可显示的数据。", "scr-calm--full")
            footer("", "", False)
            return
        latest = shared.latest_period(key)
        period = Period.parse(config.period) if config.period else latest
        if period is None:
            header(title, region.name, info, key.version, alerts)
            calm("数据库中还没有数据。导入报表后，大屏会自动显示。", "scr-calm--full")
            footer("", "", False)
            return
        subtitle = f"{region.name} · 报告期 {period.label}"
        header(title, subtitle, info, key.version, alerts)

        tkey = shared.targets_key()
        u = min(size["w"] / 100, size["h"] * 16 / 9 / 100) if size and size.get("w") else None
        cards: list | None = []
        if config.shows("kpi") or config.shows("attention"):
            try:
                cards = shared.cards(key, tkey, region.code, str(period))
            except Exception:
                log.exception("大屏: cards failed")
                cards = None  # both panels that need them say so in their place
        if config.shows("kpi"):
            with st.container(key="scr-kpis"):
                panel("核心指标", kpi_cards, cards, config.headline)

        slot = rotation(config)
        ind = catalog.get(config.map[slot])
        with st.container(key="scr-main", horizontal=True, gap=None):
            if config.shows("trend"):
                with st.container(key="scr-left", gap=None):
                    for i, code in enumerate(config.trend):
                        with st.container(key=f"scr-trend-{i}", gap=None):
                            panel("走势图", trend_panel, key, tkey, region, code, period, u, i)
            if config.shows("map"):
                with st.container(key="scr-center", gap=None):
                    panel("地图", map_panel, key, tkey, region, ind, str(period), config, slot, u, size)
            if config.shows("ranking") or config.shows("attention"):
                both = config.shows("ranking") and config.shows("attention")
                with st.container(key="scr-right", gap=None):
                    if config.shows("ranking"):
                        with st.container(key="scr-ranking", gap=None):
                            panel("排名", ranking_panel, key, tkey, region, ind, str(period),
                                  RANKING_ROOM if both else RANKING_ROOM_ALONE)
                    if config.shows("attention"):
                        with st.container(key="scr-attention", gap=None):
                            panel("需关注", attention_panel, cards, ATTENTION_ROOM if both else ATTENTION_ROOM_ALONE)

        demo = "示例数据：系统按固定随机种子生成，不是真实统计数" if info and info.get("demo_loads") else \
            "数据来源：各乡镇（街道）、县（市、区）民政统计报表"
        rotating = f"地图每 {config.rotate_seconds:g} 秒切换指标（{slot + 1}/{len(config.map)}）" \
            if len(config.map) > 1 else ""
        if problems:  # one at a time, each for ten seconds, with how many there are
            shown = int(time.time() // 10) % len(problems)
            right = problems[shown] + (f"（设置问题 {shown + 1}/{len(problems)}）" if len(problems) > 1 else "")
        else:
            right = " · ".join(p for p in (rotating, f"数据版本 v{key.version}") if p)
        footer(demo, right, bool(problems))


config0, _ = settings()
tick = config0.tick_seconds
# The browser's banner shows after three missed refreshes (at least 15 s): a slow refresh is not a lost connection.
size = screen_watch.watch(silent_seconds=max(3 * tick, 15), size=st.session_state.get(SIZE))
st.session_state[SIZE] = size
st.fragment(draw, run_every=tick)(size, tick)
