"""操作日志: every write (load, revert, target change, boundary import, account change) with who, when, what and
before/after. Read-only by design: kpi.audit has no update or delete, and this page offers none. Listed in the
navigation for 管理 only, and refuses anyone else who finds the address."""

import streamlit as st

from kpi import audit
from views import shared


st.title("操作日志")
if shared.refuse("audit"):
    st.stop()

wh = shared.warehouse()
key = shared.data_key(wh)
entries = shared.audit_log(key)
st.caption("每一次写入（导入、撤销、目标修改、边界导入、账号变更）各一条，与写入在同一事务中记录；本页只读，系统不提供修改或删除。")
if entries.empty:
    st.info("还没有任何操作记录。")
    st.stop()

cols = st.columns([2, 1])
actions = cols[0].multiselect("操作", sorted(entries["action"].unique()), format_func=audit.action_name,
                              placeholder="全部操作")
people = sorted(p for p in entries["who"].dropna().unique())
who = cols[1].selectbox("操作人", people, index=None, placeholder="全部")
shown = audit.audit_frame(entries, actions, who)
st.caption(f"共 {len(shown)} 条（最新的在前）")
st.dataframe(shown, hide_index=True, width="stretch", height=min(36 + 35 * len(shown), 560),
             column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                            "修改前": st.column_config.TextColumn(width="large"),
                            "修改后": st.column_config.TextColumn(width="large")})
