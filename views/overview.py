"""总览: every indicator of the chosen region and month as a card, grouped by 业务领域, and the 需关注 list.

All numbers come from kpi.scorecard (one query per region and month, cached per data version); this page only lays
them out. Region and month live in the URL (views/controls.py).
"""

import streamlit as st

from kpi import app_data, display
from kpi.progress import MONITOR, STATUSES
from kpi.regions import LEVEL_NAMES, LEVELS
from kpi.scorecard import attention, change, change_rate, status_counts
from views import controls, shared


key, tkey = shared.data_key(), shared.targets_key()
catalog, regions = shared.reference()
region, period, latest = controls.region_and_period(key, "指标总览")
cards = shared.cards(key, tkey, region.code, str(period))

st.title(f"{region.name} · {period.label}")
controls.show_url_problems()
controls.no_data_note(period, latest)

counts = status_counts(cards)
cols = st.columns(len(STATUSES))
for col, status in zip(cols, STATUSES):
    col.metric(status, counts.get(status, 0), border=True,
               help="有目标值的指标按序时进度判断；没有目标值或只需监测的指标记为“仅监测”。" if status == MONITOR else None)


def unit_text(fig) -> str:
    if not fig.expected or fig.unit_level_rank is None:
        return ""
    level = LEVEL_NAMES[LEVELS[fig.unit_level_rank - 1]]
    return f"{display.reporting(fig.reporting, fig.expected)} 个{level}" if fig.unit_level_rank > 0 else ""


# ---- 需关注 ------------------------------------------------------------------------------------------------------------

behind = attention(cards)
st.subheader(f"需关注（{len(behind)}）")
if not behind:
    st.success("有目标值的指标都没有落后于序时进度。", icon=":material/check_circle:")
else:
    st.caption(f"按序时进度（到{period.label}应完成全年的 {display.percent(period.month / 12, 0)}）落后的指标，"
               "最落后的在前。点选一行查看详情。")
    table = app_data.attention_frame(behind)
    picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key="attention_table", height=36 + 35 * len(table),
                          column_config={"状态": st.column_config.TextColumn(width="small")})
    if picked.selection.rows:
        chosen = behind[picked.selection.rows[0]].indicator
        st.switch_page("views/indicator.py", query_params=controls.view_params(region, period, chosen))

# ---- cards by area -----------------------------------------------------------------------------------------------------

st.subheader("全部指标")
show_missing = st.toggle("显示无数据的指标", value=False, help="本地区、本报告期没有任何单位报送的指标默认不显示")
PER_ROW = 4
for area in catalog.areas():
    in_area = [c for c in cards if c.indicator.area == area and (show_missing or c.value is not None)]
    if not in_area:
        continue
    st.markdown(f"#### {area}")
    for start in range(0, len(in_area), PER_ROW):
        row = st.columns(PER_ROW)
        for col, card in zip(row, in_area[start:start + PER_ROW]):
            ind, fig, prog = card.indicator, card.figure, card.progress
            with col.container(border=True):
                yoy = change(fig, card.last_year)
                direction = {"up": "normal", "down": "inverse"}.get(ind.direction, "off")
                # A month nobody reported is a gap in the line, not a zero.
                trend = [f.value if f.value is not None else float("nan") for f in card.trend]
                value, suffix = display.metric(fig.value, ind.unit)
                st.metric(
                    ind.name + suffix, value,
                    delta=display.change(yoy, ind.unit) and f"同比 {display.change(yoy, ind.unit)}",
                    delta_color=direction,
                    chart_data=trend if sum(f.value is not None for f in card.trend) > 1 else None, chart_type="line",
                    help=f"{ind.definition}\n\n近12个月走势" + ("（本年累计，每年1月重新累计）" if ind.kind == "flow" else ""),
                )
                badge_row = st.container(horizontal=True, vertical_alignment="center")
                badge_row.badge(prog.status, color=display.STATUS_COLORS[prog.status])
                if card.target:
                    badge_row.caption(f"目标 {card.target.text} · 完成 {display.percent(prog.completion)}")
                rate = change_rate(fig, card.last_year)
                details = [unit_text(fig)]
                if rate is not None and ind.unit != "%":
                    details.append(f"同比 {rate * 100:+.1f}%")
                st.caption(" · ".join(d for d in details if d))
                st.page_link("views/indicator.py", label="详情与来源", icon=":material/query_stats:",
                             query_params=controls.view_params(region, period, ind))
