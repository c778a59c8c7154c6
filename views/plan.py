"""十五五规划: the plan indicator table of the chosen region (or one of its sub-regions), each indicator's history,
required path and projection, a map of the sub-regions' gap to the 2030 target, a growth scenario for ratios, editing
of the 2030 targets and the table as xlsx.

Every number comes from kpi.plan (maths in its docstring); writes go through etl.targets.save; this page lays out.
"""

import html

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from etl import targets as et
from kpi import display, geo, plan
from kpi import targets as kt
from kpi.ranking import sub_regions
from views import controls, shared


wh = shared.warehouse()
key = shared.data_key(wh)
catalog, regions = shared.reference()
region, period, latest = controls.region_and_period(key, "十五五规划")

choices = [region] + sub_regions(regions, region.code)
shown_code = st.selectbox("查看地区", [r.code for r in choices], key="plan_unit",
                          format_func=lambda c: regions.get(c).name + ("" if c == region.code else "（下级）"),
                          help="侧栏所选地区或它的任一下级地区")
shown = regions.get(shown_code)

st.title(f"{shown.name} · 十五五规划")
controls.show_url_problems()
controls.no_data_note(period, latest)
shared.show_flash()
st.caption(f"数据截至{period.label} · 2025年基期取数据库中2025年12月数（无数据时取目标的基期值）· 预计值按近5年逐年数"
           "直线外推，区间为95%预测区间")

rows = shared.plan_rows(key, shown.code, str(period))
if not rows:
    st.info(f"{shown.name}及其上级还没有已确认的“十五五”2030年目标。可在下方“编辑2030年目标”中添加，或在“目标管理”页导入。")
if any(r.inherited for r in rows):
    st.info(f"{shown.name}没有自己的2030年目标：比率和百分比类指标按上级地区的目标判断，数量类指标不分摊，仅显示数值。",
            icon=":material/info:")

# ---- the plan table ---------------------------------------------------------------------------------------------------

if rows:
    table = pd.DataFrame(plan.table_rows(rows), columns=list(plan.TABLE_COLUMNS))
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("导出规划指标表（xlsx）", plan.table_xlsx(rows, shown.name, period),
                       file_name=f"{shown.name}_十五五规划指标_{period}.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # ---- one indicator: history, required path, projection ------------------------------------------------------------

    names = {r.indicator.code: r.indicator.name for r in rows}
    code = st.selectbox("指标", list(names), format_func=names.get, key="plan_indicator")
    row = next(r for r in rows if r.indicator.code == code)
    ind = row.indicator
    drawn = plan.chart(row)
    fig = go.Figure()
    if drawn.projection:
        xs = [p[0] for p in drawn.projection]
        fig.add_trace(go.Scatter(x=xs + xs[::-1], y=[p[3] for p in drawn.projection] + [p[2] for p in drawn.projection][::-1],
                                 fill="toself", fillcolor="rgba(25,118,210,0.15)", line={"width": 0}, mode="lines",
                                 name="95%预测区间",
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=xs, y=[p[1] for p in drawn.projection], mode="lines", name="按近年趋势预计",
                                 line={"dash": "dot", "color": "#1976d2"}))
    if drawn.required:
        fig.add_trace(go.Scatter(x=[p[0] for p in drawn.required], y=[p[1] for p in drawn.required], mode="lines",
                                 name="达到目标所需路径", line={"dash": "dash", "color": "#2e7d32"}))
    fig.add_trace(go.Scatter(x=[p[0] for p in drawn.history], y=[p[1] for p in drawn.history], mode="lines+markers",
                             name="实际值", line={"color": "#263238"}))
    if row.target is not None:
        fig.add_trace(go.Scatter(x=[plan.PLAN_YEAR], y=[row.target], mode="markers", name="2030年目标",
                                 marker={"symbol": "star", "size": 14, "color": "#c62828"}))
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_title=ind.unit,
                      xaxis={"dtick": 1}, legend={"orientation": "h"})
    chart_col, facts_col = st.columns([3, 1])
    with chart_col:
        st.plotly_chart(fig, config={"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]})
    with facts_col:
        st.metric("预计2030年", display.value_with_unit(row.projected, ind.unit))
        if row.band and row.band[0] != row.band[1]:
            st.caption(f"95%预测区间 {display.number(row.band[0], ind.unit)} ～ {display.number(row.band[1], ind.unit)}")
        st.metric("2030年目标", display.value_with_unit(row.target, ind.unit))
        st.metric("按当前趋势达到目标", f"{row.reached}年" if row.reached else "—")
        color = {plan.ON_COURSE: "green", plan.AT_RISK: "orange", plan.OFF_COURSE: "red"}.get(row.status, "gray")
        st.badge(row.status if row.target is not None else "仅监测", color=color)
        if row.base_source == "目标基期值":
            st.caption("数据库中没有2025年12月数，基期取目标的基期值。")

    # ---- map ------------------------------------------------------------------------------------------------------------

    st.subheader("各下级地区距2030年目标")
    data = shared.plan_map(key, shown.code, code, str(period))
    if data is None or not data["cells"]["features"]:
        st.info("没有下级地区边界或本指标没有目标，无法绘制地图。")
    else:
        view = data["view"]
        bases = {g.basis for g in data["gaps"] if g.basis and g.basis != "本级目标"}
        if bases:
            st.caption("没有本级2030年目标的地区：" + "；".join(sorted(bases)) + "。颜色越深，距目标越远。")
        deck = pdk.Deck(
            layers=[pdk.Layer("GeoJsonLayer", data["cells"], id="plan_cells", pickable=True, stroked=True, filled=True,
                              get_fill_color="properties.fill", get_line_color=[255, 255, 255], line_width_min_pixels=1)],
            initial_view_state=pdk.ViewState(longitude=view.center[0], latitude=view.center[1], zoom=view.zoom),
            map_provider=None,
            tooltip={"html": "<b>{name}</b><br/>现值：{value_text}<br/>2030年目标：{target_text}<br/>{gap_text}<br/>{basis}",
                     "style": {"fontSize": "14px"}},
        )
        map_col, legend_col = st.columns([4, 1])
        with map_col:
            st.pydeck_chart(deck, height=geo.VIEWPORT[1] - 160, key=f"plan_map_{view.region_code}_{code}")
        with legend_col:
            st.markdown("**距目标（尚差）**")
            # Our own numbers and fixed labels only, escaped all the same.
            st.markdown("".join(
                f'<div style="display:flex;align-items:center;gap:8px;margin:4px 0">'
                f'<span style="width:22px;height:14px;background:rgb{entry.rgb};border:1px solid #999;'
                f'display:inline-block"></span><span>{html.escape(entry.label)}</span></div>'
                for entry in data["legend"]), unsafe_allow_html=True)
            if view.schematic:
                st.caption("乡镇(街道)边界为示意分区，非真实乡镇边界。")
        gap_frame = pd.DataFrame([{"地区": regions.get(g.region_code).name, "现值": g.latest, "2030年目标": g.target,
                                   "目标依据": g.basis, "尚差": g.text} for g in data["gaps"]])
        with st.expander(f"各地区距目标（{len(gap_frame)}）", icon=":material/table_rows:"):
            st.dataframe(gap_frame, hide_index=True, width="stretch")

    # ---- scenario -------------------------------------------------------------------------------------------------------

    ratios = [r for r in rows if r.indicator.is_ratio]
    if ratios:
        st.subheader("情景推演")
        st.caption("比率指标按分子、分母各自的年均增速推到2030年（默认取各自近年趋势），调整增速看比率的变化。")
        ratio_names = {r.indicator.code: r.indicator.name for r in ratios}
        ratio_code = st.selectbox("比率指标", list(ratio_names), format_func=ratio_names.get, key="plan_scenario")
        ratio_row = next(r for r in ratios if r.indicator.code == ratio_code)
        num, den = shared.plan_drivers(key, shown.code, ratio_code, str(period))
        overrides, defaults = {}, {}
        cols = st.columns(3)
        for col, part in zip(cols, (num, den)):
            default = round((part.trend_growth or 0.0) * 100, 1)
            default = min(max(default, -10.0), 20.0)
            defaults[part.indicator.code] = default / 100
            overrides[part.indicator.code] = col.slider(
                f"{part.indicator.name}年均增速（%）", -10.0, 20.0, default, 0.1,
                key=f"plan_growth_{ratio_code}_{part.indicator.code}") / 100
        result = plan.scenario(ratio_row.indicator, num, den, overrides)
        trend = plan.scenario(ratio_row.indicator, num, den, defaults)
        delta = None if result.value is None or trend.value is None else result.value - trend.value
        shown_delta = display.change(delta, ratio_row.indicator.unit) if delta and abs(delta) > 1e-9 else None
        cols[2].metric(f"情景下2030年{ratio_row.indicator.name}",
                       display.value_with_unit(result.value, ratio_row.indicator.unit),
                       # st.metric reads the arrow from an ASCII sign
                       shown_delta.replace("−", "-") if shown_delta else None,
                       help="与按分子、分母各自近年趋势（滑块初始值）推算的值相比。分子、分母分别外推，"
                            "与上表按比率本身外推的预计值略有差别")
        if ratio_row.target is not None and result.value is not None:
            reach = (result.value <= ratio_row.target) if plan.lower_is_better(ratio_row.indicator, ratio_row.record) \
                else (result.value >= ratio_row.target)
            cols[2].caption(f"目标 {display.value_with_unit(ratio_row.target, ratio_row.indicator.unit)}："
                            + ("可以达到" if reach else "达不到"))

# ---- edit the 2030 targets ------------------------------------------------------------------------------------------

with st.expander("编辑2030年目标", icon=":material/edit:"):
    if not shared.allowed("plan_targets"):
        st.info(shared.refusal_text("plan_targets"), icon=":material/lock:")
    else:
        own = plan.plan_targets(shared.target_book(key).records, shown.code)
        codes = [i.code for i in catalog if i.direction != "monitor"]
        # Outside the form: picking an indicator reruns, so the form below starts from that indicator's current target.
        edit_code = st.selectbox("指标", codes, format_func=lambda c: f"{catalog.get(c).name}（{c}）",
                                 index=codes.index(next(iter(own), codes[0])), key="plan_edit_code")
        current = own.get(edit_code)
        with st.form(f"plan_target_form_{shown.code}_{edit_code}"):
            cols = st.columns([1, 1])
            value = cols[0].number_input("2030年目标值", value=float(current.target.value) if current else None,
                                         format="%g")
            attribute = cols[1].selectbox("属性", ["预期性", "约束性"],
                                          index=1 if current and current.plan_attribute == "约束性" else 0)
            submitted = st.form_submit_button("保存目标", type="primary")
        if submitted and not shared.refuse("plan_targets"):
            if value is None:
                st.error("请填写2030年目标值。")
            else:
                ind = catalog.get(edit_code)
                base = next((r.base for r in rows if r.indicator.code == edit_code and not r.inherited), None)
                row_in = {"region_code": shown.code, "indicator_code": edit_code, "year": plan.PLAN_YEAR,
                          "comparator": current.target.comparator if current else ("<=" if ind.direction == "down" else ">="),
                          "value": value, "kind": "five_year", "plan_attribute": attribute,
                          "base_value": current.base_value if current and current.base_value is not None else base,
                          "document": current.document if current else "十五五规划页面录入",
                          "sentence": current.sentence if current else ""}
                clean, problems = kt.check_rows([row_in], catalog, regions, first_line=1, where="第{line}条")
                if problems:
                    st.error("目标未保存：" + "；".join(problems))
                else:
                    version = et.save(wh, clean, state="confirmed", who=shared.who(), detail="十五五规划页面修改2030年目标")
                    shared.flash("success", f"已保存{ind.name}2030年目标 {value:g}（数据版本 v{version}）。")
                    st.rerun()
