"""目标管理: read the bureau's work plan, propose its targets, let staff map, edit, confirm or drop them; keep the
confirmed targets (edit, import, export); and split a county's or city's target across its townships.

Extraction is etl.workplan, every write etl.targets (one event each, all-or-nothing), every check kpi.targets.check_rows:
this page only lays them out. Text from the document is shown escaped (shared.plain, html.escape).
"""

import dataclasses
import html

import pandas as pd
import streamlit as st

from etl import targets as et
from etl import workplan
from kpi import decompose, display
from kpi import targets as kt
from views import controls, shared


wh = shared.warehouse()
key = shared.data_key(wh)
catalog, regions = shared.reference()
region, period, latest = controls.region_and_period(key, "目标管理")
CODE_LABELS = {i.code: f"{i.name}（{i.code}）" for i in catalog}
LABEL_CODES = {v: k for k, v in CODE_LABELS.items()}
KIND_TEXT = {"target": "目标", "actual": "完成情况", "standard": "现行标准"}

st.title("目标管理")
controls.show_url_problems()
shared.show_flash()
# Every write below needs 管理 (kpi.access); the signed-in user is who the history and audit log record.
locked = not shared.allowed("targets")
if locked:
    st.info("当前为只读：可以提取、查看目标，" + shared.refusal_text("targets"), icon=":material/lock:")


def may_write() -> bool:
    return not shared.refuse("targets")


def save_rows(rows: list[dict], state: str, what: str) -> None:
    """Check the rows (all of them, or none is written) and save them in ``state``."""
    clean, problems = kt.check_rows(rows, catalog, regions, first_line=1, where="第{line}条")
    if problems:
        st.error(f"{len(problems)} 条目标有问题，全部未保存：")
        shared.table(pd.DataFrame({"问题": problems}))
        return
    if not clean:
        st.warning("没有选中任何目标。")
        return
    version = et.save(wh, clean, state=state, who=shared.who(), detail=what)
    done = {"proposed": "已保存为待确认", "confirmed": "已确认", "dropped": "已删除"}[state]
    shared.flash("success", f"{done} {len(clean)} 条目标（数据版本 v{version}）。")
    st.rerun()


def record_fields(record) -> dict:
    return dataclasses.asdict(record) if dataclasses.is_dataclass(record) else dict(record)


def workplan_units(record: dict) -> tuple[float | None, float | None, str]:
    """(value, lower bound, note) of an extracted figure in its suggested indicator's unit."""
    if record.get("indicator_code") is None:
        return record["value"], record.get("value_min"), "请选择指标"
    return kt.in_catalog_unit(catalog, record["indicator_code"], record["value"], record.get("value_min"),
                              record.get("unit"), record["sentence"])


extract_tab, pending_tab, confirmed_tab, split_tab = st.tabs(["从工作要点提取", "待确认", "已确认目标", "目标分解"])

# ---- 从工作要点提取 -----------------------------------------------------------------------------------------------------

with extract_tab:
    st.caption("上传或粘贴本局的工作要点、工作总结（txt、docx 或带文字层的 pdf），系统找出其中的目标值，"
               "逐条核对指标、数值后保存为待确认或直接确认。")
    cols = st.columns([2, 1, 1])
    upload = cols[0].file_uploader("工作要点文件", type=["txt", "docx", "pdf"], key="plan_file")
    plan_region = cols[1].selectbox("目标所属地区", [r.code for r in controls.region_options(regions)],
                                    index=[r.code for r in controls.region_options(regions)].index(region.code),
                                    format_func=lambda c: regions.get(c).name, key="plan_region")
    plan_year = cols[2].number_input("年度（不填按文件判断）", min_value=2000, max_value=2100, value=None, step=1,
                                     key="plan_year")
    pasted = st.text_area("或粘贴文字", height=120, key="plan_text", placeholder="例如：全年新增持证养老护理员不少于150人……")
    if st.button("提取目标", type="primary", icon=":material/auto_awesome:"):
        try:
            if upload is not None:
                text, name = workplan.read_document(upload.getvalue(), upload.name), upload.name
            else:
                text, name = pasted, "粘贴的文字"
            if not text.strip():
                st.warning("请上传文件或粘贴文字。")
            else:
                found = workplan.extract(text, region=plan_region, year=plan_year, catalog=catalog)
                st.session_state["extraction"] = {"text": text, "name": name, "region": plan_region,
                                                  "records": [record_fields(r) for r in found]}
        except workplan.DocumentError as exc:
            st.error(shared.plain(exc))  # the message names the uploaded file

    extraction = st.session_state.get("extraction")
    if extraction:
        records = extraction["records"]
        goals = [r for r in records if r["kind"] == "target"]
        others = [r for r in records if r["kind"] != "target"]
        st.markdown(f"**{shared.plain(extraction['name'])}**：找到目标 {len(goals)} 条，"
                    f"完成情况和现行标准 {len(others)} 条（不作为目标）。")
        with st.expander("原文（目标所在的句子已标出）", expanded=False, icon=":material/article:"):
            spans = sorted((r["start"], r["end"]) for r in goals if r.get("start") is not None)
            text, parts, at = extraction["text"], [], 0
            for start, end in spans:
                if start < at:
                    continue
                parts += [html.escape(text[at:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
                at = end
            parts.append(html.escape(text[at:]))
            body = "".join(parts).replace("\n", "<br>")
            with st.container(height=360):
                st.markdown(f"<div style='line-height:1.8'>{body}</div>", unsafe_allow_html=True)
        converted = [workplan_units(r) for r in goals]
        table = pd.DataFrame({
            "采用": [r.get("indicator_code") is not None and c[0] is not None for r, c in zip(goals, converted)],
            "原文": [r["sentence"] for r in goals],
            "文中指标": [r.get("indicator") or "" for r in goals],
            "指标": [CODE_LABELS.get(r.get("indicator_code")) for r in goals],
            "比较方式": [r.get("comparator") for r in goals],
            "文中数值": [f"{r['value']:g}{r.get('unit') or ''}" for r in goals],
            "目标值": [c[0] for c in converted],
            "区间下限": [c[1] for c in converted],
            "目录单位": [catalog.get(r["indicator_code"]).unit if r.get("indicator_code") else "" for r in goals],
            "单位换算": [c[2] for c in converted],
            "年度": [r.get("year") for r in goals],
        })
        edited = st.data_editor(
            table, hide_index=True, width="stretch", key=f"extract_editor_{len(goals)}_{extraction['name']}",
            disabled=["原文", "文中指标", "文中数值", "目录单位", "单位换算"],
            column_config={
                "采用": st.column_config.CheckboxColumn(width="small"),
                "原文": st.column_config.TextColumn(width="large"),
                "指标": st.column_config.SelectboxColumn(options=list(CODE_LABELS.values()), width="medium",
                                                       help="系统建议的目录指标，可改选；没有合适的指标请不要采用"),
                "比较方式": st.column_config.SelectboxColumn(options=list(kt.COMPARATOR_NAMES),
                                                         help=" ".join(f"{k} {v}" for k, v in kt.COMPARATOR_NAMES.items())),
                "目标值": st.column_config.NumberColumn(format="%g", help="按目录单位；改选指标后请核对"),
                "区间下限": st.column_config.NumberColumn(format="%g"),
                "年度": st.column_config.NumberColumn(format="%d", min_value=2000, max_value=2100),
            })
        chosen = [kt.from_document(extraction["region"], LABEL_CODES.get(row["指标"]), row["年度"], row["比较方式"],
                                   row["目标值"], row["区间下限"], extraction["name"], row["原文"])
                  for row in edited.to_dict("records") if row["采用"]]
        buttons = st.columns([1, 1, 4])
        if buttons[0].button("保存为待确认", disabled=locked or not chosen) and may_write():
            save_rows(chosen, "proposed", f"proposed from {extraction['name']}")
        if buttons[1].button("确认所选", type="primary", disabled=locked or not chosen) and may_write():
            save_rows(chosen, "confirmed", f"confirmed from {extraction['name']}")
        if others:
            with st.expander(f"完成情况和现行标准（{len(others)} 条，不作为目标）"):
                shared.table(pd.DataFrame({"类型": [KIND_TEXT.get(r["kind"], r["kind"]) for r in others],
                                           "原文": [r["sentence"] for r in others],
                                           "数值": [r.get("value") for r in others],
                                           "单位": [r.get("unit") or "" for r in others],
                                           "年度": [r.get("year") for r in others]}))

# ---- 待确认 ---------------------------------------------------------------------------------------------------------

current = shared.current_targets(key)


def target_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "地区": frame["region_code"].map(lambda c: regions.get(c).name if regions.get(c) else c),
        "指标": frame["indicator_code"].map(lambda c: catalog.get(c).name if c in catalog else c),
        "年度": frame["year"],
        "目标": [kt.record_of(r).text + " " + (catalog.get(r["indicator_code"]).unit if r["indicator_code"] in catalog else "")
               for r in frame.to_dict("records")],
        "类型": frame["kind"].map(kt.KIND_NAMES),
        "原文": frame["sentence"].fillna(""),
        "来源": frame["document"].fillna(""),
        "修改人": frame["changed_by"].fillna(""),
        "修改时间": frame["changed_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
    })


with pending_tab:
    pending = current[current.state == "proposed"] if len(current) else current
    if pending.empty:
        st.info("没有待确认的目标。")
    else:
        picked = st.dataframe(target_table(pending), hide_index=True, width="stretch", on_select="rerun",
                              selection_mode="multi-row", key="pending_table")
        ids = [int(pending.iloc[i]["target_id"]) for i in picked.selection.rows]
        cols = st.columns([1, 1, 4])
        if cols[0].button("确认所选", type="primary", disabled=locked or not ids, key="confirm_pending") and may_write():
            version = et.set_state(wh, ids, "confirmed", shared.who())
            shared.flash("success", f"已确认 {len(ids)} 条目标（数据版本 v{version}）。")
            st.rerun()
        if cols[1].button("删除所选", disabled=locked or not ids, key="drop_pending") and may_write():
            version = et.set_state(wh, ids, "dropped", shared.who())
            shared.flash("success", f"已删除 {len(ids)} 条目标（数据版本 v{version}，记录保留）。")
            st.rerun()

# ---- 已确认目标 ------------------------------------------------------------------------------------------------------

with confirmed_tab:
    confirmed = current[current.state == "confirmed"] if len(current) else current
    scope = {region.code, *(r.code for r in regions.descendants(region.code))}
    mine = confirmed[confirmed.region_code.isin(scope)] if len(confirmed) else confirmed
    st.caption(f"{region.name}及下级地区的已确认目标 {len(mine)} 条（全部 {len(confirmed)} 条）。修改目标值、比较方式后点“保存修改”；"
               "每次修改都保留历史。")
    if len(mine):
        editable = mine.reset_index(drop=True)
        view = pd.DataFrame({
            "地区": editable["region_code"].map(lambda c: regions.get(c).name),
            "指标": editable["indicator_code"].map(lambda c: catalog.get(c).name),
            "年度": editable["year"], "类型": editable["kind"].map(kt.KIND_NAMES),
            "比较方式": editable["comparator"], "目标值": editable["value"], "区间下限": editable["value_min"],
            "保持": editable["keep"].astype(bool), "原文": editable["sentence"].fillna(""),
        })
        changed = st.data_editor(
            view, hide_index=True, width="stretch", key=f"confirmed_editor_{key.version}",
            disabled=True if locked else ["地区", "指标", "年度", "类型", "原文"],
            column_config={"比较方式": st.column_config.SelectboxColumn(options=list(kt.COMPARATOR_NAMES)),
                           "目标值": st.column_config.NumberColumn(format="%g"),
                           "区间下限": st.column_config.NumberColumn(format="%g")})
        diff = [i for i in range(len(view))
                if any(not (pd.isna(view.at[i, c]) and pd.isna(changed.at[i, c])) and view.at[i, c] != changed.at[i, c]
                       for c in ("比较方式", "目标值", "区间下限", "保持"))]
        cols = st.columns([1, 1, 4])
        if cols[0].button(f"保存修改（{len(diff)}）", disabled=locked or not diff, type="primary") and may_write():
            rows = []
            for i in diff:
                row = {c: editable.at[i, c] for c in kt.COLUMNS}
                row.update(comparator=changed.at[i, "比较方式"], value=changed.at[i, "目标值"],
                           value_min=changed.at[i, "区间下限"], keep=bool(changed.at[i, "保持"]))
                rows.append(row)
            save_rows(rows, "confirmed", "edited")
        cols[1].download_button("导出 xlsx", et.export_xlsx(mine), file_name=f"目标值_{region.name}.xlsx",
                                icon=":material/download:")
    with st.expander("从 xlsx 或 csv 导入目标值", icon=":material/upload:"):
        st.caption("列：地区代码、指标代码、年度、比较方式（>=、<=、=、+）、目标值，可选区间下限、目标类型、保持、属性、"
                   "基期值、来源文件、原文（即“导出 xlsx”的格式）。每一行都通过检查才导入，否则一行也不导入。")
        file = None if locked else st.file_uploader("目标值文件", type=["xlsx", "csv"], key=f"targets_import_{key.version}")
        if file is not None and st.button("导入", key="import_targets") and may_write():
            result = et.import_bytes(wh, file.getvalue(), file.name, who=shared.who())
            if result.status == "imported":
                shared.flash("success", result.message)
                st.rerun()
            st.error(result.message)
            shared.table(pd.DataFrame({"问题": result.problems}))

# ---- 目标分解 -------------------------------------------------------------------------------------------------------

with split_tab:
    units = [r for r in regions.children(region.code) if r.status == "current"]
    own = confirmed[confirmed.region_code == region.code] if len(confirmed) else confirmed
    if not units or own.empty:
        st.info(f"选择一个有已确认目标、且有下级地区的市或县（市、区）后，可把它的目标分解到下级。当前：{region.name}。")
    else:
        records = {int(r["target_id"]): r for r in own.to_dict("records")}
        target_id = st.selectbox("要分解的目标", list(records),
                                 format_func=lambda i: f"{catalog.get(records[i]['indicator_code']).name} · "
                                                       f"{records[i]['year']}年 · {kt.record_of(records[i]).text}")
        parent_row = records[target_id]
        parent = kt.record_of(parent_row, target_id=target_id)
        ind = catalog.get(parent_row["indicator_code"])
        method = st.radio("分解依据", list(decompose.BASES), format_func=decompose.BASES.get, horizontal=True,
                          disabled=not decompose.shares_out(ind, parent))
        if not decompose.shares_out(ind, parent):
            st.caption("比率、百分比、标准和“保持”类目标不按比例分摊：每个下级达到同一目标值，上级即达到。")
        basis_period = min(period, latest)
        try:
            basis = shared.decompose_basis(key, tuple(u.code for u in units), method, ind.code, str(basis_period))
            shares = decompose.split(ind, parent, units, basis, method)
        except decompose.DecomposeError as exc:
            st.warning(str(exc))
        else:
            preview = pd.DataFrame({"地区": [s.region.name for s in shares],
                                    "分解基数": [s.basis_value for s in shares],
                                    "分解目标": [s.value for s in shares]})
            edited = st.data_editor(preview, hide_index=True, width="stretch", disabled=["地区", "分解基数"],
                                    key=f"split_{target_id}_{method}",
                                    column_config={"分解目标": st.column_config.NumberColumn(format="%g")})
            total = float(edited["分解目标"].fillna(0).sum())
            if decompose.shares_out(ind, parent):
                ok = abs(total - parent.target.value) < 1e-9
                (st.success if ok else st.warning)(
                    f"下级合计 {display.number(total, ind.unit)}，上级目标 {display.number(parent.target.value, ind.unit)}"
                    + ("" if ok else "：合计与上级目标不一致，请调整后再保存"))
            else:
                ok = True
            if st.button("保存分解", type="primary", disabled=locked or not ok) and may_write():
                rows = decompose.rows(parent, [dataclasses.replace(s, value=v) for s, v in zip(shares, edited["分解目标"])],
                                      method)
                save_rows(rows, "confirmed", f"split target {target_id}")
