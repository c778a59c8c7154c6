"""民政指标驾驶舱 — the router and the frame around every page.

The frame: who is signed in (checked against the account at every run, before any page draws), the sign-in form
where the deployment shows nothing to anonymous visitors (data/access.toml), the sidebar footer with the data version
and a 示例数据 badge, the first-run build of the demo warehouse, and a calm message instead of a traceback when the
warehouse file is missing or cannot be read. Pages live in views/; adding one is one more ``st.Page`` in PAGES.
"""

from __future__ import annotations

import logging
import shlex
import time
from urllib.parse import urlsplit

# Imported here, before any page runs, because plotly's JSON encoder only peeks at sys.modules for PIL.Image: on a
# cold start one session's st.plotly_chart could find the module half-imported by another session's thread and fail
# with "partially initialized module 'PIL.Image'". A thread that imports it itself waits until it is whole.
import PIL.Image  # noqa: F401
import streamlit as st

from kpi import app_data, store
from views import shared

log = logging.getLogger("kpi.app")

# No page_icon: a Material icon favicon is fetched from Google's font CDN, and the app must not leave the intranet.
st.set_page_config(layout="wide", page_title="民政指标驾驶舱")

PAGES = {
    "驾驶舱": [
        st.Page("views/overview.py", title="指标总览", url_path="overview", default=True),
        st.Page("views/indicator.py", title="指标详情", url_path="indicator"),
        st.Page("views/map.py", title="地图", url_path="map"),
        st.Page("views/report.py", title="月报", url_path="report"),
        st.Page("views/plan.py", title="十五五规划", url_path="plan"),
        st.Page("views/screen.py", title="大屏", url_path="screen"),
    ],
    "数据": [
        st.Page("views/targets.py", title="目标管理", url_path="targets"),
        st.Page("views/catalog.py", title="指标目录", url_path="catalog"),
        st.Page("views/data.py", title="数据管理", url_path="data"),
    ],
}
# Listed only for 管理: nobody else may open it, so nobody else needs to see it.
AUDIT_PAGE = st.Page("views/audit.py", title="操作日志", url_path="audit")


def build_demo_command(wh: store.Warehouse) -> str:
    return f"python -m etl build-demo --db {shlex.quote(str(wh.path))}"


def first_run(wh: store.Warehouse) -> None:
    """No warehouse file yet: build the demo warehouse, showing its progress, then start over."""
    st.title("民政指标驾驶舱")
    build = shared.demo_build(str(wh.path))
    if not wh.exists():
        build.start()
    if build.failed and not build.running:
        st.error("示例数据库生成失败，页面暂时无法显示数据。")
        st.markdown("请联系系统管理员在服务器上的项目目录中运行下面的命令（会显示进度和出错原因），完成后刷新本页面；"
                    "也可以点“重试”再生成一次。")
        st.code(build_demo_command(wh), language="bash")
        if st.button("重试", icon=":material/refresh:"):
            build.start(retry=True)
            st.rerun()
        return
    st.info("首次启动：数据库还不存在，正在用内置的示例报表生成示例数据库。完成后页面会自动刷新。")
    bar = st.progress(0.0, text="正在准备示例数据……")
    while build.running:
        if build.total:
            bar.progress(build.fraction, text=f"正在生成示例数据（{build.done}/{build.total}）：{shared.plain(build.name)}")
        time.sleep(0.25)
    st.rerun()


def unreadable(wh: store.Warehouse) -> None:
    """The file exists but DuckDB cannot read it (damaged, truncated, or not a warehouse at all)."""
    st.title("民政指标驾驶舱")
    st.error("数据库文件无法读取，页面暂时无法显示数据。")
    st.markdown(
        "数据库文件可能已损坏，或者不是本系统的数据库。请联系系统管理员在服务器上处理：\n\n"
        "1. 有备份时，用备份的数据库文件替换下面的文件，然后刷新本页面；\n"
        "2. 没有备份时，运行下面的第一条命令，按存档的原始文件和恢复日志重建数据库：逐条显示进度，最后列出未能恢复的内容；"
        "损坏的文件会改名保留，不会删除；\n"
        "3. 示例数据库也可以用第二条命令重新生成。\n\n恢复完成后刷新本页面即可。"
    )
    st.code(restore_command(wh), language="bash")
    st.code(build_demo_command(wh), language="bash")
    st.caption(f"数据库文件：{shared.plain(wh.path)}")


def restore_command(wh: store.Warehouse) -> str:
    return f"python -m etl restore --db {shlex.quote(str(wh.path))}"


def missing(wh: store.Warehouse) -> None:
    """The warehouse file is gone but its archive of raw files is there: this was a working warehouse, not a first
    run, so the demo must not quietly take its place."""
    st.title("民政指标驾驶舱")
    st.error("数据库文件不存在，页面暂时无法显示数据。")
    st.markdown("数据库文件可能被误删或移走。请联系系统管理员在服务器上处理：有备份时，把备份的数据库文件放回下面的位置后"
                "刷新本页面；没有备份时，运行下面的命令，按存档的原始文件和恢复日志重建数据库（逐条显示进度，最后列出未能恢复的"
                "内容）。")
    st.code(restore_command(wh), language="bash")
    st.caption(f"数据库文件：{shared.plain(wh.path)}；原始文件存档：{shared.plain(wh.archive_dir)}")


def had_data(wh: store.Warehouse) -> bool:
    """Whether raw files were ever archived beside this warehouse path (see etl.pipeline.archive) — except for the
    project's own demo warehouse, which a first run (or a deleted file) simply builds again."""
    if wh.path.resolve() == store.DEMO_DB_PATH.resolve():
        return False
    return wh.archive_dir.is_dir() and any(wh.archive_dir.iterdir())


def sign_in_required(wh: store.Warehouse, pol, screen: bool) -> None:
    """This deployment shows nothing to visitors who have not signed in (data/access.toml)."""
    st.title("民政指标驾驶舱")
    st.info("本系统需要登录后查看。" + ("大屏也需要登录：请用“查看”及以上角色的账号登录。" if screen else ""))
    left, _ = st.columns([1, 2])
    with left:
        shared.sign_in_form(wh, pol, "main")


def sidebar_footer(info: dict) -> None:
    with st.sidebar:
        if info["demo_loads"]:
            st.badge("示例数据", icon=":material/science:", color="orange")
            st.caption("当前显示的是系统生成的示例数据，不是真实统计数。")
        updated = f" · 更新于 {info['updated_at']:%Y-%m-%d %H:%M}" if info["updated_at"] else ""
        st.caption(f"数据版本 v{info['version']}{updated}")
        st.button("刷新数据", icon=":material/refresh:", help="重新读取数据库，显示最新导入的数据", key="refresh")


def wall_display() -> bool:
    """Whether the browser asks for the 大屏 (/screen): known from its URL before st.navigation resolves the page, so
    the navigation is never sent to the wall at all (not even for the moment before the page hides the chrome)."""
    return urlsplit(st.context.url or "").path.rstrip("/").endswith("/screen")


wh = shared.warehouse()
shared.pin_data_key(None)
pol = shared.policy()
current = shared.resume_session(wh, pol)
pages = {**PAGES, "数据": PAGES["数据"] + [AUDIT_PAGE]} if shared.allowed("audit") else PAGES
# Always first: a run that never calls it would fall back to listing views/ as pages.
page = st.navigation(pages, position="hidden" if wall_display() else "sidebar")
screen = page.url_path == "screen"
if not screen and pol.may_view(current):  # else the sign-in form is the page itself
    shared.account_box(wh, pol)
if not pol.may_view(current, screen=screen):
    sign_in_required(wh, pol, screen)
elif screen:
    page.run()  # the wall display draws its own frame, and waits out a missing or unreadable warehouse by itself
elif not wh.exists() and not shared.demo_build(str(wh.path)).running and had_data(wh):
    missing(wh)
elif shared.demo_build(str(wh.path)).running or not wh.exists():
    first_run(wh)
else:
    try:
        key = shared.data_key(wh)
        if shared.upgrade_schema(key):  # a migration publishes a new file (same data, same version)
            key = shared.data_key(wh)
        info = shared.freshness(key)
    except (app_data.WarehouseUnreadable, OSError):
        log.exception("cannot read the warehouse at %s", wh.path)
        unreadable(wh)
    else:
        shared.pin_data_key(key)  # the page reads this snapshot too, whatever is published meanwhile
        sidebar_footer(info)
        page.run()
