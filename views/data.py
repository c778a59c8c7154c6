"""数据管理: check uploaded files, load those that pass, and look after earlier loads (warnings, raw file, revert).

The same etl.pipeline functions as ``python -m etl check / load / revert``; nothing here decides what is valid.
Everything that came from a file (names, cell text in messages) is shown through shared.plain() or st.dataframe.
Uploading needs 填报, reverting 管理, downloading a raw file any signed-in user (kpi.access); the history is shown to
whoever may view the dashboard.
"""

import streamlit as st

from etl import pipeline
from kpi import app_data, store
from views import shared


wh = shared.warehouse()

st.title("数据管理")
shared.show_flash()

# ---- upload, check, load ---------------------------------------------------------------------------------------------

st.subheader("上传报表")
# A new key empties the uploader after a load (the outcome is shown above it).
upload_round = st.session_state.setdefault("upload_round", 0)
uploads = None
if shared.allowed("load"):
    uploads = st.file_uploader(
        "选择报表文件（xlsx、xls 或 csv，可多选）",
        type=["xlsx", "xls", "csv"],
        accept_multiple_files=True,
        key=f"uploads_{upload_round}",
        help="每个文件先逐格校验、列出全部问题，不写入数据库；没有错误的文件才能导入，且每个文件要么全部导入，要么完全不导入。",
    )
else:
    st.info(shared.refusal_text("load"), icon=":material/lock:")

if uploads:
    files = [(u.getvalue(), u.name) for u in uploads]
    key = shared.data_key(wh)
    checks = [shared.check_upload(data, name, key) for data, name in files]
    passed = sum(c["ok"] for c in checks)

    for check in checks:
        with st.container(border=True):
            verdict = "可以导入" if check["ok"] else "有错误，不能导入"
            icon = ":material/check_circle:" if check["ok"] else ":material/error:"
            st.markdown(f"{icon} **{shared.plain(check['file'])}** — {verdict}")
            cols = st.columns(5)
            cols[0].metric("错误", check["errors"])
            cols[1].metric("提示", check["warnings"])
            cols[2].metric("识别出的数值", check["values"])
            cols[3].metric("读取行数", check["rows_read"])
            cols[4].metric("报告期", check["periods"])
            details = [f"工作表：{check['sheets']}" if check["sheets"] else "",
                       f"编码：{check['encoding']}" if check["encoding"] else ""]
            if any(details):
                st.caption(shared.plain("；".join(d for d in details if d)))
            if len(check["problems"]):
                shared.table(check["problems"])

    if st.button(
        f"导入通过校验的 {passed} 个文件" if passed else "没有可导入的文件",
        type="primary",
        disabled=not passed,
        key="load",
        help="有错误的文件不会导入，改正后重新上传即可；内容与已导入文件完全相同的文件不会重复导入。",
    ) and not shared.refuse("load"):
        bar = st.progress(0.0, text="开始导入……")

        def progress(stage: str, done: int, total: int, name: str) -> None:
            # Checking is the first half of the bar, writing the second.
            if stage == "check":
                bar.progress(0.5 * done / total, text=f"正在校验（{done}/{total}）：{shared.plain(name)}")
            else:
                bar.progress(0.5 + 0.5 * done / total, text=f"正在写入数据库（{done}/{total}）：{shared.plain(name)}")

        try:
            results = pipeline.load_batch(wh, files, who=shared.who(), progress=progress)
        except store.WarehouseBusy as exc:
            bar.empty()
            st.warning(str(exc))
        else:
            outcome = {s: sum(r.status == s for r in results) for s in shared.RESULT_NAMES}
            counts = "，".join(f"{shared.RESULT_NAMES[s]} {n} 个" for s, n in outcome.items() if n)
            kind = "success" if outcome["loaded"] else "warning" if outcome["duplicate"] else "error"
            shared.flash(kind, f"导入完成：{counts}。", shared.results_frame(results))
            for r in results:
                if r.status == "rejected":  # its report leaves with the emptied uploader: keep its problems in view
                    shared.flash("error", f"**{shared.plain(r.report.file)}** 未导入，问题如下：",
                                 shared.problems_frame(r.report.problems))
            st.session_state["upload_round"] = upload_round + 1
            st.rerun()

# ---- history -----------------------------------------------------------------------------------------------------------

st.subheader("导入记录")
key = shared.data_key(wh)
history = shared.load_history(key)
if history.empty:
    st.info("还没有任何导入记录。")
    st.stop()

st.dataframe(
    history[app_data.HISTORY_COLUMNS],
    hide_index=True,
    width="stretch",
    height=min(36 + 35 * len(history), 420),
    column_config={
        "导入时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "示例数据": st.column_config.CheckboxColumn(),
    },
)

labels = {i: f"#{i}　{name}　（{state}）" for i, name, state in zip(history["load_id"], history["file_name"], history["状态"])}
load_id = st.selectbox("查看导入批次", list(labels), format_func=labels.get)
load = history.loc[history["load_id"] == load_id].iloc[0]

warnings = shared.load_warnings(key, load_id)
left, right = st.columns([3, 1])
with left:
    if warnings.empty:
        st.caption("该批次导入时没有提示。")
    else:
        st.markdown(f"**导入时的提示（{len(warnings)} 条）**")
        shared.table(warnings)

with right:
    archived = (wh.path.parent / load["archive_path"]).resolve() if load["archive_path"] else None
    if not shared.allowed("download_raw"):
        st.caption("登录后可下载原始文件。")
    elif archived and archived.is_relative_to(wh.archive_dir.resolve()) and archived.is_file():
        st.download_button("下载原始文件", data=archived.read_bytes, file_name=load["file_name"],
                           icon=":material/download:", key=f"download_{load_id}", on_click="ignore")
    else:
        st.caption("存档中找不到该批次的原始文件。")

    confirming = st.session_state.get("revert_confirm") == load_id
    if load["status"] != "active":
        st.caption(f"该批次{load['状态']}。")
    elif not shared.allowed("revert"):
        st.caption("撤销导入批次需要以“管理”角色登录。")
    elif not confirming:
        st.button("撤销此批次……", icon=":material/undo:", key="revert",
                  on_click=st.session_state.__setitem__, args=("revert_confirm", load_id))

if load["status"] == "active" and confirming and shared.allowed("revert"):
    st.warning(f"确定撤销导入批次 #{load_id}？撤销后该批次的 {load['数值个数']} 个数值不再计入，"
               "此前的数值恢复生效；导入记录仍然保留。")
    yes, no, _ = st.columns([1, 1, 6])
    no.button("取消", key="revert_cancel", on_click=st.session_state.pop, args=("revert_confirm", None))
    if yes.button("确认撤销", type="primary", key="revert_confirm_button") and not shared.refuse("revert"):
        st.session_state.pop("revert_confirm", None)
        try:
            version = pipeline.revert(wh, int(load_id), who=shared.who())
        except (ValueError, store.WarehouseBusy) as exc:
            st.error(str(exc))
        else:
            shared.flash("success", f"已撤销导入批次 #{load_id}（数据版本 v{version}）；该批次的数值不再计入，此前的数值恢复生效，记录仍保留。")
            st.rerun()
