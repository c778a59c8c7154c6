"""地图: a choropleth of one indicator over a city's districts or a county's townships. Click a unit to drill into it,
"返回上级" to come back up.

Geometry comes prepared from kpi.geo (boundaries in the warehouse, simplified as one coverage), colours and tooltips
from kpi.choropleth; this page only builds the pydeck layers. ``map_provider=None``: no basemap, no tile or style
request ever leaves the machine.
"""

import html

import pydeck as pdk
import streamlit as st

from kpi import app_data, geo
from kpi.choropleth import METHODS
from kpi.regions import LEVEL_NAMES
from views import controls, shared


key, tkey = shared.data_key(), shared.targets_key()
catalog, regions = shared.reference()
region, period, latest = controls.region_and_period(key, "地图")
ind = controls.indicator_picker(catalog, default="EC_R_BED_10K")
method = st.sidebar.radio("分级方法", list(METHODS), format_func=METHODS.get, horizontal=True, key="map_method",
                          help="分位数：各级地区数大致相等；自然断点：按数值的自然分组划分")

level_choice = None
if region.level in ("city", "province"):
    level_choice = st.sidebar.radio("分级单元", ["county", "township"], format_func=LEVEL_NAMES.get, horizontal=True,
                                    key="map_level", help="按县(市、区)或按乡镇(街道)着色；乡镇图上点击进入该乡镇")
data = shared.map_data(key, tkey, region.code, ind.code, str(period), method, level_choice)
view, cells, legend, rows = data["view"], data["cells"], data["legend"], data["rows"]
level = LEVEL_NAMES[view.level]

st.title(f"{view.region_name} · {ind.name}")
controls.show_url_problems()
controls.no_data_note(period, latest)
st.caption(f"{period.label} · 按{level}分级着色 · 单位：{ind.unit} · 点击地图上的{level}可进入下一级")

if not cells["features"]:
    st.warning(f"{view.region_name}还没有{level}边界数据，无法绘制地图。可用 python -m etl boundaries import 导入边界文件。")
    st.stop()

LAYER_CELLS = "cells"
layers = [
    pdk.Layer(
        "GeoJsonLayer", cells, id=LAYER_CELLS, pickable=True, auto_highlight=True, stroked=True, filled=True,
        get_fill_color="properties.fill", get_line_color=[255, 255, 255], line_width_min_pixels=1,
        highlight_color=[255, 193, 7, 160],
    ),
]
if view.outline:
    layers.append(pdk.Layer("GeoJsonLayer", view.outline, id="outline", pickable=False, stroked=True, filled=False,
                            get_line_color=[60, 60, 60], line_width_min_pixels=2))
if region.code != view.region_code:  # a township: outline it within its county
    picked = [f for f in cells["features"] if f["properties"]["code"] == region.code]
    if picked:
        layers.append(pdk.Layer("GeoJsonLayer", {"type": "FeatureCollection", "features": picked}, id="selected",
                                pickable=False, stroked=True, filled=False, get_line_color=[255, 111, 0],
                                line_width_min_pixels=3))
deck = pdk.Deck(
    layers=layers,
    initial_view_state=pdk.ViewState(longitude=view.center[0], latitude=view.center[1], zoom=view.zoom),
    # No basemap, and map_style left unset: any map_style (None or "" included) makes Streamlit's frontend fetch a
    # Carto style; pydeck's own "unset" sentinel is the one value it leaves alone.
    map_provider=None,
    tooltip={"html": "<b>{name}</b><br/>{value_text}<br/>目标：{target_text}<br/>状态：{status} · {rank_text}"
                     "<br/>{reporting_text}",
             "style": {"fontSize": "14px"}},
)

map_col, legend_col = st.columns([4, 1])
with map_col:
    # One chart key per view: a click's selection would otherwise outlive the view it was made in, and drill again
    # after 返回上级.
    event = st.pydeck_chart(deck, height=geo.VIEWPORT[1], on_select="rerun", selection_mode="single-object",
                            key=f"map_{view.region_code}_{ind.code}")
    clicked = (event.selection or {}).get("objects", {}).get(LAYER_CELLS) if event else None
    if clicked:
        code = clicked[0].get("properties", {}).get("code")
        if code and code != region.code and regions.get(code) is not None:
            controls.choose("region", code)
            st.rerun()
with legend_col:
    st.markdown(f"**{ind.name}**")
    st.caption(f"{METHODS[method]}分级 · {ind.unit}")
    # Our own numbers and fixed labels only, escaped all the same.
    swatches = "".join(
        f'<div style="display:flex;align-items:center;gap:8px;margin:4px 0">'
        f'<span style="width:22px;height:14px;background:rgb{entry.rgb};border:1px solid #999;display:inline-block">'
        f'</span><span>{html.escape(entry.label)}</span></div>'
        for entry in legend)
    st.markdown(swatches, unsafe_allow_html=True)
    if view.schematic:
        st.warning("乡镇(街道)边界为示意分区，非真实乡镇边界；县(市、区)外轮廓为真实边界。", icon=":material/info:")
    st.caption("示例地图，仅用于展示指标分布，不作为行政区划界线依据。")
    if view.missing:
        st.caption("无边界数据：" + "、".join(shared.plain(name) for _, name in view.missing))

parent = regions.get(region.parent_code) if region.parent_code else None
if parent is not None:
    st.button(f"返回上级：{parent.name}", icon=":material/arrow_upward:",
              on_click=lambda: controls.choose("region", parent.code))

with st.expander(f"各{level}数值（{len(rows)}）", expanded=False, icon=":material/table_rows:"):
    st.dataframe(app_data.ranking_frame(rows, ind), hide_index=True, width="stretch")
st.caption(f"数据版本 v{key.version} · 灰色为未报送的地区；数值与“指标详情”页同源，计算方法相同。")
