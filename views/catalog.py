"""指标目录: every indicator the warehouse knows, filterable by 业务领域, and a summary of what the warehouse holds."""

import streamlit as st

from views import shared


key = shared.data_key()
info = shared.summary(key)
indicators = shared.indicator_table(key)

st.title("指标目录")

first, last = info["first_period"], info["last_period"]
cols = st.columns(4)
cols[0].metric("指标", f"{info['indicators']} 个")
cols[1].metric("当前有效数值", f"{info['observations_current']:,} 个",
               help=f"不含已被修订或撤销的数值；含历史修订共 {info['observations_all']:,} 个")
cols[2].metric("导入批次", f"{info['loads_active']} 个有效", help=f"共 {info['loads']} 个导入批次（含已撤销）")
cols[3].metric("最新报告期", f"{last:%Y-%m}" if last else "—")
st.caption(" · ".join([
    ("尚无数据" if not first else f"报告期 {first:%Y-%m}" if first == last else f"报告期 {first:%Y-%m} 至 {last:%Y-%m}"),
    "地区：" + "，".join(f"{level} {n} 个" for level, n in info["region_counts"]),
    f"数据版本 v{info['version']}",
]))

areas = st.multiselect("业务领域", list(dict.fromkeys(indicators["业务领域"])), placeholder="全部领域")
shown = indicators[indicators["业务领域"].isin(areas)] if areas else indicators
st.caption(f"共 {len(shown)} 个指标" + ("" if not areas else f"（全部 {len(indicators)} 个）")
           + "。比率指标不直接导入：系统按分子、分母逐级合计后重新计算。")
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    height=min(36 + 35 * len(shown), 720),
    column_config={
        "分子/分母": st.column_config.TextColumn(width=300, help="比率 = 分子 / 分母 × 倍数"),
        "口径": st.column_config.TextColumn(help="人口口径：户籍或常住"),
        "统计口径": st.column_config.TextColumn(width="large", help="指标定义（鼠标悬停可看全文）"),
    },
)
