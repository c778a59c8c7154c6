"""月报: the monthly report of the chosen region and month — the panels (sized for a Word page), the commentary, and
downloads of each panel (PNG, 2×), all of them (ZIP), the whole report (PDF, Word).

Everything comes from kpi.report, the same code as ``python -m etl report``: made as of the last change the report
reads (kpi.report.data_version), in a worker process (kpi.report.worker), and cached on that change with the region,
month and map indicator, so a load elsewhere leaves it as it was. "数据版本" remakes the report as the warehouse stood
at an older version (in the URL as ``?version=``; empty means the current one); "地图指标" (``?map=``) picks what the
map shows.
"""

import streamlit as st

from kpi.report import ReportError, fonts
from kpi.report.content import DEFAULT_MAP_INDICATOR
from views import controls, shared


key, tkey = shared.data_key(), shared.targets_key()
catalog, regions = shared.reference()
region, period, latest = controls.region_and_period(key, "月报")
codes = [i.code for i in catalog]
default_map = DEFAULT_MAP_INDICATOR if DEFAULT_MAP_INDICATOR in codes else codes[0]
# ?map=<indicator code>, applied once per value like the other pickers' URL parameters (views/controls.py).
raw = (st.query_params.get("map") or "").strip().upper()
if raw and st.session_state.get("_report_map_url") != raw:
    st.session_state["_report_map_url"] = raw
    if raw in codes:
        st.session_state["report_map"] = raw
    else:
        st.session_state.setdefault("_url_problems", []).append(
            f"链接中的地图指标“{shared.plain(raw)}”无法识别，已改为显示默认地图指标。")
map_code = st.sidebar.selectbox("地图指标", codes, index=codes.index(default_map), key="report_map",
                                format_func=lambda c: f"{catalog.get(c).area} · {catalog.get(c).name}",
                                help="“分地区”一节的地图和各地区数值显示的指标；可输入名称搜索")
if map_code != default_map:
    st.query_params["map"] = st.session_state["_report_map_url"] = map_code
else:
    st.query_params.pop("map", None)
asked = st.sidebar.number_input(
    "数据版本", min_value=1, max_value=key.version, value=None, step=1, key="version", bind="query-params",
    placeholder=f"当前版本 v{key.version}",
    help="留空为当前版本。填入较早的版本号，按当时的数据和目标值重现月报：此后的导入、修订和撤销都不计入。")
version = int(asked) if asked is not None else key.version

st.title(f"月报 · {region.name} · {period.label}")
controls.show_url_problems()
try:
    rkey = shared.report_key(key, tkey, region.code, str(period), version, map_code)
    report = shared.monthly_report(rkey)
except ReportError as exc:
    st.warning(str(exc), icon=":material/info:")
    st.stop()

if version < key.version:
    st.info(f"按数据版本 v{version} 重现：此后的导入、修订和撤销不计入（当前版本为 v{key.version}）。",
            icon=":material/history:")
stamp = f"{'示例数据 · ' if report.stamp.demo else ''}{report.stamp.text}"
st.caption(shared.plain(stamp))
if rkey.version < version:
    # Why the stamp names an older version than the sidebar: nothing this report reads changed since.
    where = f"{region.name}{'所在县（市、区）' if region.level == 'township' else ''}"
    st.caption(shared.plain(f"月报按 v{rkey.version} 的数据生成：其后至 v{version} 的导入、修订和撤销都不涉及{where}"
                            f"{period.label}及以前的数据，数字与 v{version} 相同。"))

try:
    files = shared.monthly_report_panels(rkey)
except fonts.FontMissing as exc:
    files = None
    st.warning(f"{exc}（下方仍列出文字内容。）", icon=":material/font_download_off:")

if files is not None:
    row = st.container(horizontal=True)
    # on_click="ignore": downloading changes nothing on the page, so it needs no rerun.
    def later(kind: str):
        """The document, built only when its button is clicked (then cached like the rest)."""
        return lambda: shared.monthly_report_document(rkey, kind)

    row.download_button("下载 PDF", later("pdf"), file_name=files.pdf_name, mime="application/pdf",
                        icon=":material/picture_as_pdf:", type="primary", on_click="ignore", key="dl_pdf")
    row.download_button("下载 Word（.docx）", later("docx"), file_name=files.docx_name, on_click="ignore",
                        key="dl_docx", mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        icon=":material/description:")
    row.download_button(f"下载全部图片（ZIP，{len(files.panels)} 张）", later("zip"), file_name=files.zip_name,
                        mime="application/zip", icon=":material/folder_zip:", on_click="ignore", key="dl_zip")

st.subheader("总体情况")
st.markdown(shared.plain(report.summary))

# Each panel at its print size (170 mm ≈ 643 CSS px; the PNG holds twice that), with the text that goes with it.
PANEL_PX = 643
texts = {f"area-{n}": [r.commentary for r in group.rows] for n, group in enumerate(report.groups, start=1)}
if report.map is not None:
    texts["map"] = [report.map.commentary]
if files is not None:
    for number, panel in enumerate(files.panels, start=1):
        with st.container(border=True):
            # Not st.image(width=PANEL_PX): Streamlit would scale the PNG down to 643 px and encode it again at every
            # run — a blurred picture on a high-density screen, and 0.3–0.5 s of the server's time per visit.
            with st.container(width=PANEL_PX):
                st.image(panel.png, width="stretch")
            st.download_button("下载图片（PNG）", panel.png, file_name=files.png_name(number), mime="image/png",
                               icon=":material/download:", on_click="ignore", key=f"dl_png_{panel.key}")
            for text in texts.get(panel.key, []):
                st.markdown(shared.plain(text))
else:
    for group_texts in texts.values():
        for text in group_texts:
            st.markdown(shared.plain(text))
