"""指标详情: one indicator at one region — its 口径, the months against target and pace, the sub-regions ranked, and
where every number came from (load, file, sheet, cell).

Numbers come from kpi (scorecard, trend, ranking, provenance); this page only draws them. Picking a row of the
ranking moves the whole page to that sub-region.
"""

import plotly.graph_objects as go
import streamlit as st

from kpi import app_data, display, trend
from kpi.catalog import KIND_NAMES
from kpi.regions import LEVEL_NAMES
from kpi.scorecard import change
from views import controls, shared


key, tkey = shared.data_key(), shared.targets_key()
catalog, regions = shared.reference()
region, period, latest = controls.region_and_period(key, "指标详情")
ind = controls.indicator_picker(catalog, default="EC_R_BED_10K")
card = next(c for c in shared.cards(key, tkey, region.code, str(period)) if c.indicator.code == ind.code)
fig, prog, unit = card.figure, card.progress, ind.unit

st.title(ind.name)
controls.show_url_problems()
controls.no_data_note(period, latest)
parts = ""
if ind.is_ratio:
    num, den = catalog.parts(ind.code)
    parts = f" · {num.name} ÷ {den.name}" + (f" × {ind.scale:g}" if ind.scale != 1 else "")
st.caption(f"{region.name} · {period.label} · {ind.area} · {KIND_NAMES.get(ind.kind, ind.kind)} · 单位：{unit}{parts}")
with st.expander("统计口径", icon=":material/menu_book:"):
    st.markdown(shared.plain(ind.definition))
    if ind.basis:
        st.caption(f"人口口径：{ind.basis}")



def tile(col, label: str, value: float | None, **kwargs) -> None:
    """A number tile; a long unit (张/万老年人) is in the caption above, so the label stays short."""
    text, _ = display.metric(value, unit)
    col.metric(label, text, border=True, **kwargs)


cols = st.columns(5)
tile(cols[0], "本期", fig.value, help=display.reporting(fig.reporting, fig.expected) or None)
tile(cols[1], "上期", card.previous.value, delta=display.change(change(fig, card.previous), unit), delta_color="off")
tile(cols[2], "上年同期", card.last_year.value, delta=display.change(change(fig, card.last_year), unit), delta_color="off")
tile(cols[3], "上年末", card.year_end.value)
with cols[4].container(border=True):
    st.caption("目标与进度")
    st.badge(prog.status, color=display.STATUS_COLORS[prog.status])
    if card.target:
        st.markdown(f"{card.target.text} {unit} · 完成 {display.percent(prog.completion)}")
        if prog.gap is not None:
            st.caption(f"序时应达 {display.number(prog.pace_value, unit)}，{display.points(prog.gap)}")
        elif prog.expected is None and ind.kind != "level" and not card.target.target.keep:
            st.caption("缺少上年末数据，无法计算序时进度")
    else:
        st.caption("本年度没有目标值，仅监测")
if card.target:
    st.caption(f"目标来源：{shared.plain(card.target.document)} —— “{shared.plain(card.target.sentence)}”")

# ---- the year's months ------------------------------------------------------------------------------------------------

months = shared.monthly(key, tkey, region.code, ind.code, str(period))
label = trend.measure_name(ind.kind, card.target)
chart = go.Figure()
x = [f"{m}月" for m in months["月"]]
chart.add_scatter(x=x, y=months["上年"], name=f"{period.year - 1}年", line=dict(color="#9e9e9e", dash="dot"))
chart.add_scatter(x=x, y=months["本年"], name=f"{period.year}年", line=dict(color="#1565c0", width=3),
                  mode="lines+markers")
if card.target:
    chart.add_scatter(x=x, y=months["目标"], name="目标", line=dict(color="#c62828", dash="dash"))
    chart.add_scatter(x=x, y=months["序时进度"], name="序时进度", line=dict(color="#ef6c00", dash="dashdot"))
chart.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.12),
                    yaxis_title=unit)
st.markdown(f"**逐月走势** · {label}（{unit}）")
st.plotly_chart(chart, config={"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]})

# ---- sub-regions ------------------------------------------------------------------------------------------------------

rows = shared.ranking(key, tkey, region.code, ind.code, str(period))
if rows:
    level = LEVEL_NAMES[rows[0].region.level]
    st.subheader(f"各{level}排名")
    table = app_data.ranking_frame(rows, ind)
    st.caption("点选一行可切换到该地区。" + ("比率按各单位分子、分母合计后计算，不是下级比率的平均数。" if ind.is_ratio else ""))

    def drill() -> None:
        picked = st.session_state["ranking_table"].selection.rows
        if picked:
            controls.choose("region", rows[picked[0]].region.code)

    st.dataframe(table, hide_index=True, width="stretch", on_select=drill, selection_mode="single-row",
                 key="ranking_table", height=min(36 + 35 * len(table), 560),
                 column_config={"本期值": st.column_config.NumberColumn(format="%.2f" if display.decimals(unit, 1.5) else "%d")})
parent = region.parent_code and regions.get(region.parent_code)
if parent:
    def up() -> None:
        controls.choose("region", parent.code)

    st.button(f"返回上级：{parent.name}", icon=":material/arrow_upward:", on_click=up)

# ---- where the numbers came from --------------------------------------------------------------------------------------

st.subheader("数据来源")
sources = shared.figure_sources(key, region.code, ind.code, str(period))
if sources.empty:
    st.caption("本期没有数据。")
else:
    loads = shared.loads(key, fig.load_ids)
    st.caption(f"{display.value_with_unit(fig.value, unit)} 由下列 {len(loads)} 个导入批次中的 {len(sources)} 个数值计算得出"
               f"（数据版本 v{key.version}）。")
    shared.table(app_data.loads_frame(loads), max_height=300)
    with st.expander(f"逐单位明细（{len(sources)} 行）", icon=":material/table_rows:"):
        detail = app_data.sources_frame(sources, catalog)
        st.dataframe(detail, hide_index=True, width="stretch")
        st.download_button("下载明细（CSV）", detail.to_csv(index=False).encode("utf-8-sig"),
                           file_name=f"{ind.code}_{region.code}_{period}.csv", mime="text/csv",
                           icon=":material/download:")
