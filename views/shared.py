"""Not a page: the cached loaders and plain-text renderers that app.py and every page share.

Caching follows the warehouse's snapshot model (kpi/store.py): one ``Warehouse`` per database path per process
(``st.cache_resource``) — its ``connect()`` hands out a fresh cursor per call and moves to the newest snapshot by
itself — and query results in ``st.cache_data`` keyed on a ``DataKey``: the file's identity plus its data version. Any
write (a load or revert from this app or from ``python -m etl``, or a rebuilt demo whose versions restart at 1) replaces
the file, so the first rerun after it misses the cache and reads the new snapshot; nothing needs a restart.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import streamlit as st

from etl import pipeline
from etl.parse import LAYOUT_NAMES
from kpi import access, app_data, audit, auth, choropleth, decompose, geo, provenance, scorecard, screen, store, targets, trend
from kpi import ranking as ranking_
from kpi.periods import Period

log = logging.getLogger(__name__)


# Old results stay cached until evicted; a few versions back is plenty (sessions still on them rerun soon).
_KEEP = 8


class DataKey(NamedTuple):
    """Which snapshot a cached result belongs to."""

    path: str
    inode: int
    mtime_ns: int
    size: int
    version: int


@st.cache_resource(show_spinner=False)
def _warehouse(path: str) -> store.Warehouse:
    return store.Warehouse(path)


def warehouse() -> store.Warehouse:
    """The warehouse named by $KPI_DB (else the demo warehouse): one object per path for the whole process."""
    return _warehouse(str(store.default_db_path()))


class DemoBuild:
    """The first-run build of the demo warehouse (``etl.demo.build``) on a thread of its own, one per process: it
    finishes even if the browser tab that started it is closed, and every session that opens meanwhile shows its
    progress instead of starting another build."""

    def __init__(self, wh: store.Warehouse):
        self.wh = wh
        self.done, self.total, self.name = 0, 0, ""
        self.failed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, retry: bool = False) -> None:
        """Start the build unless one is running, has finished, or (without ``retry``) has failed."""
        with self._lock:
            if self._thread is not None and (self._thread.is_alive() or not (retry and self.failed)):
                return
            self.done, self.total, self.name, self.failed = 0, 0, "", False
            self._thread = threading.Thread(target=self._run, name="demo-build", daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    def _progress(self, done: int, total: int, name: str) -> None:
        self.done, self.total, self.name = done, total, name

    def _run(self) -> None:
        try:
            from etl import demo  # only a first run needs the generator

            code = demo.build(self.wh, progress=self._progress)
            if code:
                raise RuntimeError(f"etl.demo.build returned {code}")
            if not self.wh.exists():
                raise RuntimeError("etl.demo.build published no warehouse")
        except Exception:
            log.exception("building the demo warehouse at %s failed", self.wh.path)
            self.failed = True


@st.cache_resource(show_spinner=False)
def demo_build(path: str) -> DemoBuild:
    return DemoBuild(_warehouse(path))


_RUN_KEY = "_run_data_key"


def data_key(wh: store.Warehouse | None = None, fresh: bool = False) -> DataKey:
    """The snapshot this run shows: the one app.py pinned at the start of the run (pin_data_key), so the sidebar's
    版本 and every figure on the page come from the same snapshot even if a load publishes mid-run; else (``fresh``,
    a fragment's rerun, or a page run without the frame) the current one. Raises store.WarehouseMissing or
    app_data.WarehouseUnreadable."""
    wh = wh or warehouse()
    pinned = None if fresh else st.session_state.get(_RUN_KEY)
    if pinned is not None and pinned.path == str(wh.path):
        return pinned
    ident, version = app_data.snapshot(wh)
    return DataKey(str(wh.path), ident.inode, ident.mtime_ns, ident.size, version)


def pin_data_key(key: DataKey | None) -> None:
    """Called by app.py at the start of every full run (None) and once it has read the snapshot (the key)."""
    st.session_state[_RUN_KEY] = key


def _con(key: DataKey):
    return _warehouse(key.path).connect()


@st.cache_data(show_spinner="正在升级数据库结构……", max_entries=_KEEP)
def upgrade_schema(key: DataKey) -> list[str]:
    """Bring a warehouse made by an older version up to the current schema (once per snapshot; a no-op check after)."""
    applied = _warehouse(key.path).upgrade()
    if applied:
        log.info("upgraded the warehouse at %s: %s", key.path, ", ".join(applied))
    return applied


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def freshness(key: DataKey) -> dict:
    # As of key.version: _con reads the newest snapshot, which may already be a later one.
    return app_data.freshness(_con(key), key.version)


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def summary(key: DataKey) -> dict:
    return app_data.summary(_con(key), key.version)


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def indicator_table(key: DataKey) -> pd.DataFrame:
    return app_data.indicator_table(_con(key))


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def load_history(key: DataKey) -> pd.DataFrame:
    return app_data.load_history(_con(key))


@st.cache_data(show_spinner=False, max_entries=64)
def load_warnings(key: DataKey, load_id: int) -> pd.DataFrame:
    return app_data.load_warnings(_con(key), load_id)


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def audit_log(key: DataKey) -> pd.DataFrame:
    """Every audit entry, newest first (one row per write: small enough to read whole and filter in memory)."""
    return audit.audit_entries(_con(key), None)


@st.cache_data(show_spinner=False, max_entries=64)
def check_upload(data: bytes, name: str, key: DataKey) -> dict:
    """``pipeline.check_bytes`` of one uploaded file, reduced to what the page shows. Keyed on the data version too:
    the check compares each value with the month before in the warehouse."""
    report = pipeline.check_bytes(data, name, _warehouse(key.path))
    sheets = "、".join(f"{s.sheet}（{LAYOUT_NAMES[s.layout]}）" for s in report.sheets if s.layout)
    return {
        "file": report.file,
        "ok": report.ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "values": len(report.records),
        "rows_read": report.rows_read,
        "periods": periods_text(report.periods),
        "sheets": sheets,
        "encoding": report.encoding,
        "problems": problems_frame(report.problems),
    }


RESULT_NAMES = {"loaded": "已导入", "duplicate": "重复", "rejected": "未导入"}


def periods_text(periods: list[str]) -> str:
    if len(periods) > 3:
        return f"{periods[0]} 至 {periods[-1]}（{len(periods)} 个月）"
    return "、".join(periods) or "—"


def results_frame(results) -> pd.DataFrame:
    """One row per file of a ``pipeline.load_batch`` call: 已导入 / 重复 / 未导入 and the loader's own message."""
    return pd.DataFrame({"文件": [r.report.file for r in results],
                         "结果": [RESULT_NAMES.get(r.status, r.status) for r in results],
                         "说明": [r.message for r in results]})


def problems_frame(problems) -> pd.DataFrame:
    """Problems as the page lists them, in the order given (check_bytes puts errors first)."""
    rows = [p.as_dict() for p in problems]
    columns = ["级别", "工作表", "行", "列", "问题", "处理办法"]
    return pd.DataFrame(rows, columns=["文件", *columns])[columns]


# ---- dashboard data --------------------------------------------------------------------------------------------------
# Catalogue, regions and targets are files, not warehouse rows: results that use targets are keyed on the targets
# file's identity as well, so an edited targets file shows at the next rerun.


class TargetsKey(NamedTuple):
    """The status thresholds file (data/targets/status.toml) as it is now. The targets themselves are in the
    warehouse, so results that use them are keyed on the DataKey too."""

    thresholds_path: str
    mtime_ns: int
    size: int


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st_ = path.stat()
    except FileNotFoundError:
        return 0, 0
    return st_.st_mtime_ns, st_.st_size


def targets_key() -> TargetsKey:
    path = targets.default_thresholds_path()
    return TargetsKey(str(path), *_stamp(path))


def reference():
    """(catalog, regions), read once per process."""
    return pipeline.reference()


@st.cache_resource(show_spinner=False, max_entries=4)
def _thresholds(tkey: TargetsKey) -> tuple[object, list[str]]:
    """(thresholds, problems): a bad settings file is reported, and the default thresholds are used meanwhile."""
    try:
        return targets.load_thresholds(Path(tkey.thresholds_path)), []
    except targets.TargetFileError as exc:
        return targets.Thresholds(), [str(exc)]


def thresholds(tkey: TargetsKey):
    return _thresholds(tkey)[0]


def show_target_problems(tkey: TargetsKey) -> None:
    for problem in _thresholds(tkey)[1]:
        st.warning("状态阈值设置有误，暂按默认阈值判断，请管理员修改后刷新：\n\n" + plain(problem), icon=":material/warning:")


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def target_book(key: DataKey) -> targets.TargetBook:
    """The confirmed targets of this snapshot."""
    return targets.book(_con(key), key.version)


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def current_targets(key: DataKey) -> pd.DataFrame:
    """Every target's newest revision (all states), for the 目标管理 page."""
    return targets.current_targets(_con(key), key.version)


@st.cache_data(show_spinner=False, max_entries=_KEEP)
def latest_period(key: DataKey) -> Period | None:
    return provenance.latest_period(_con(key), key.version)


@st.cache_data(show_spinner="正在计算指标……", max_entries=64)
def cards(key: DataKey, tkey: TargetsKey, region: str, period: str) -> list:
    catalog, _ = reference()
    return scorecard.cards(_con(key), catalog, target_book(key), region, Period.parse(period),
                           thresholds=thresholds(tkey), version=key.version)


@st.cache_data(show_spinner=False, max_entries=128)
def ranking(key: DataKey, tkey: TargetsKey, region: str, code: str, period: str) -> list:
    catalog, regions = reference()
    return ranking_.ranking(_con(key), catalog, regions, target_book(key), region, code, Period.parse(period),
                            thresholds(tkey), version=key.version)


@st.cache_data(show_spinner=False, max_entries=128)
def monthly(key: DataKey, tkey: TargetsKey, region: str, code: str, period: str) -> pd.DataFrame:
    catalog, _ = reference()
    p = Period.parse(period)
    target = target_book(key).get(region, code, p.year)
    return trend.monthly(_con(key), catalog, code, region, p, target, version=key.version)


@st.cache_data(show_spinner=False, max_entries=64)
def figure_sources(key: DataKey, region: str, code: str, period: str) -> pd.DataFrame:
    catalog, _ = reference()
    return provenance.figure_sources(_con(key), catalog, code, region, Period.parse(period), version=key.version)


@st.cache_data(show_spinner=False, max_entries=64)
def loads(key: DataKey, load_ids: tuple[int, ...]) -> pd.DataFrame:
    return provenance.loads(_con(key), load_ids)


@st.cache_data(show_spinner="正在准备地图……", max_entries=64)
def map_data(key: DataKey, tkey: TargetsKey, region: str, code: str, period: str, method: str,
             level: str | None = None) -> dict:
    """The map of ``region`` (a township is shown within its county) painted with ``code``, by ``level`` (default:
    one level down): the view, the painted cells, the legend and the rows behind the colours."""
    catalog, regions = reference()
    con = _con(key)
    shown = regions.get(region)
    if geo.drill_level(shown) is None:
        shown = regions.get(shown.parent_code)
    view = geo.map_view(con, shown.code, level=level if shown.level in ("city", "province") else None,
                        version=key.version)
    units = [regions.get(f["properties"]["code"]) for f in view.features["features"]]
    rows = ranking_.compare(con, catalog, target_book(key), [u for u in units if u is not None], code,
                            Period.parse(period), thresholds(tkey), version=key.version)
    painted, legend = choropleth.paint(view.features, rows, catalog.get(code), method)
    return {"view": view, "cells": painted, "legend": legend, "rows": rows}


class ScreenSettingsKey(NamedTuple):
    """The 大屏's settings file as it is now: an edit shows at the screen's next refresh."""

    path: str
    mtime_ns: int
    size: int


def screen_settings_key() -> ScreenSettingsKey:
    path = screen.default_path()
    return ScreenSettingsKey(str(path), *_stamp(path))


@st.cache_data(show_spinner=False, max_entries=4)
def screen_settings(skey: ScreenSettingsKey) -> tuple[screen.ScreenConfig, list[str]]:
    """(settings, problems) of the 大屏's settings file (kpi.screen.load)."""
    catalog, regions = reference()
    return screen.load(catalog, regions, Path(skey.path))


@st.cache_data(show_spinner=False, max_entries=32)
def decompose_basis(key: DataKey, units: tuple[str, ...], method: str, code: str, period: str) -> dict:
    catalog, regions = reference()
    return decompose.basis_values(_con(key), catalog, [regions.get(u) for u in units], method, code,
                                  Period.parse(period))


# The 月报. kpi.report is imported here, not at the top: it brings matplotlib, reportlab and python-docx, which only
# this page needs. A report is cached on its ReportKey — the last change it reads (kpi.report.data_version), not the
# snapshot — so a load for another county or a later month leaves it, and its pictures, cached: under frequent loads
# only the reports a load touches are made again.


class ReportKey(NamedTuple):
    """Which report: the warehouse, the event it is made as of (version and time, kpi.report.Basis), the thresholds,
    region, month and map indicator."""

    path: str
    version: int
    at: object  # datetime of the event; None only for an empty warehouse
    tkey: TargetsKey
    region: str
    period: str
    map_indicator: str


@st.cache_data(show_spinner=False, max_entries=64)
def report_key(key: DataKey, tkey: TargetsKey, region: str, period: str, version: int, map_indicator: str) -> ReportKey:
    """The ReportKey of the report as of data ``version`` in snapshot ``key``; raises kpi.report.ReportError (not
    cached) for a version the warehouse does not have."""
    from kpi import report

    _, regions = reference()
    basis = report.data_version(_con(key), regions, region, Period.parse(period), version)
    return ReportKey(key.path, basis.version, basis.at, tkey, region, period, map_indicator)


@st.cache_data(show_spinner="正在计算月报……", max_entries=16)
def monthly_report(rkey: ReportKey):
    """kpi.report.build as of ``rkey.version``, in a worker process (kpi.report.worker); raises
    kpi.report.ReportError (not cached) for what cannot be made."""
    from kpi import report
    from kpi.report import worker

    catalog, regions = reference()
    made = worker.build(rkey.path, catalog, regions, rkey.region, Period.parse(rkey.period), rkey.version,
                        thresholds(rkey.tkey), rkey.map_indicator)
    if made.stamp.version_at != rkey.at:
        # The file was rebuilt or restored between the key and the build: its v{n} is another event now.
        raise report.ReportError("数据库刚被重建或恢复，请刷新页面后再看月报。")
    return made


@st.cache_data(show_spinner="正在绘制月报图片……", max_entries=16)
def monthly_report_panels(rkey: ReportKey):
    """The report's panels and file names (kpi.report.documents.drawn, in a worker process: kpi.report.worker);
    raises fonts.FontMissing."""
    from kpi.report import worker

    return worker.drawn(monthly_report(rkey))


@st.cache_data(show_spinner=False, max_entries=16)
def monthly_report_document(rkey: ReportKey, kind: str) -> bytes:
    """The report's "zip", "pdf" or "docx": built when a download button is clicked (on the button's own thread), so
    a visit that only reads the report never pays for them."""
    from kpi.report import worker

    return worker.document(monthly_report(rkey), monthly_report_panels(rkey).panels, kind)


@st.cache_data(show_spinner="正在计算规划指标……", max_entries=32)
def plan_rows(key: DataKey, region: str, period: str) -> list:
    """kpi.plan.plan for ``region`` as of ``period``: its 2030 targets, or its parent's (ratios) when it has none."""
    from kpi import plan

    catalog, regions = reference()
    parent = regions.get(region).parent_code
    return plan.plan(_con(key), catalog, target_book(key).records, region, Period.parse(period), parent_code=parent,
                     version=key.version)


@st.cache_data(show_spinner=False, max_entries=32)
def plan_drivers(key: DataKey, region: str, code: str, period: str) -> tuple:
    from kpi import plan

    catalog, _ = reference()
    return plan.drivers(_con(key), catalog, code, region, Period.parse(period), key.version)


@st.cache_data(show_spinner="正在绘制地图……", max_entries=32)
def plan_map(key: DataKey, region: str, code: str, period: str) -> dict | None:
    """The sub-regions of ``region`` painted by their gap to the 2030 target of ``code`` (kpi.plan.gaps); None when
    the region shown has no plan row for ``code``."""
    from kpi import plan

    catalog, regions = reference()
    con = _con(key)
    shown = regions.get(region)
    if geo.drill_level(shown) is None:
        shown = regions.get(shown.parent_code)
    row = next((r for r in plan_rows(key, shown.code, period) if r.indicator.code == code), None)
    if row is None:
        return None
    view = geo.map_view(con, shown.code, version=key.version)
    units = [f["properties"]["code"] for f in view.features["features"]]
    found = plan.gaps(con, catalog, target_book(key).records, row, shown.code, units, Period.parse(period),
                      key.version)
    painted, legend = plan.paint_gaps(view.features, found, row.indicator)
    return {"view": view, "cells": painted, "legend": legend, "gaps": found}


# ---- who is signed in ------------------------------------------------------------------------------------------------
# The session lives in st.session_state (one per browser tab; a reload signs out). app.py calls resume_session() once
# per run, before any page: pages then ask session() / refuse() and never read the raw state themselves.

SESSION_KEY = "kpi_session"


def policy() -> access.Policy:
    """The deployment's access policy, read at every run (a small file) so an edit applies at the next click. A file
    that cannot be read closes anonymous viewing rather than opening it."""
    try:
        return access.load_policy()
    except access.AccessFileError as exc:
        log.error("%s", exc)
        st.error("访问设置文件有误，已暂时关闭免登录查看，请管理员修改：" + plain(exc))
        return access.Policy(anonymous_pages=False, anonymous_screen=False, oidc=False)


def resume_session(wh: store.Warehouse, pol: access.Policy) -> auth.Session | None:
    """This run's signed-in user, re-checked against the account (expiry, disabled, role changes)."""
    session = st.session_state.get(SESSION_KEY)
    try:
        con = wh.connect()
        if session is None and pol.oidc and _oidc_signed_in():
            identity = st.user.get("email") or st.user.get("sub")
            try:
                session = auth.session_for_identity(con, identity)
            except auth.AuthError as exc:
                st.session_state.pop(SESSION_KEY, None)
                st.error(plain(exc))
                return None
        session, why = auth.resume(con, session)
    except (store.WarehouseMissing, OSError):
        session, why = None, None  # the frame says what is wrong with the warehouse; nobody is signed in meanwhile
    except Exception as exc:  # a damaged file fails in DuckDB itself; the frame reports it, with the traceback
        log.info("cannot check the session against the warehouse: %s", exc)
        session, why = None, None
    if session is None:
        st.session_state.pop(SESSION_KEY, None)
        if why:
            flash("warning", why)
    else:
        st.session_state[SESSION_KEY] = session
    return session


def _oidc_signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no [auth] section in secrets.toml: OIDC is not configured on this server
        return False


def session() -> auth.Session | None:
    return st.session_state.get(SESSION_KEY)


def refusal_text(action: str) -> str | None:
    """Why the signed-in user may not do ``action``, ready for Markdown (the user name is made inert), or None."""
    why = access.refusal(session(), action)
    if why is None:
        return None
    return plain(why) + ("" if session() else "请在左侧栏登录。")


def refuse(action: str) -> bool:
    """Show why the signed-in user may not do ``action`` and return True; False when they may. Every write calls it
    right before writing, even behind a disabled button: a button's state is the browser's to claim."""
    why = refusal_text(action)
    if why:
        st.error(why)
        return True
    return False


def allowed(action: str) -> bool:
    return access.allowed(session(), action)


def who() -> str:
    """The signed-in user as recorded in history and the audit log."""
    return session().username


def sign_in_form(wh: store.Warehouse, pol: access.Policy, key: str) -> None:
    """The local-account form (and the identity-provider button when configured). The attempt runs in the submit
    callback, before any widget is drawn, so the typed password can be wiped from the session state at once."""
    with st.form(f"sign_in_{key}", border=False):
        st.text_input("用户名", key=f"sign_in_user_{key}", autocomplete="username")
        st.text_input("密码", type="password", key=f"sign_in_password_{key}", autocomplete="current-password")
        st.form_submit_button("登录", type="primary", width="stretch", on_click=_attempt_sign_in, args=(wh, key))
    problem = st.session_state.pop(f"sign_in_problem_{key}", None)
    if problem:
        st.error(plain(problem))
    if pol.oidc:
        if st.button("统一身份认证登录", key=f"oidc_{key}", width="stretch"):
            st.login()


def _attempt_sign_in(wh: store.Warehouse, key: str) -> None:
    """auth.authenticate with what was typed; a wrong password costs the same time whatever the reason, and the
    account locks after auth.MAX_FAILURES failures in a row."""
    username = st.session_state.get(f"sign_in_user_{key}", "")
    password = st.session_state.get(f"sign_in_password_{key}", "")
    st.session_state[f"sign_in_password_{key}"] = ""
    try:
        user = auth.authenticate(wh, username, password)
    except auth.AuthError as exc:
        st.session_state[f"sign_in_problem_{key}"] = str(exc)
    except store.WarehouseBusy:
        st.session_state[f"sign_in_problem_{key}"] = "数据库正忙（正在导入），请稍后再试。"
    else:
        st.session_state[SESSION_KEY] = auth.Session.start(user)
        log.info("signed in: %s (%s)", user.username, user.role)


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    if _oidc_signed_in():
        st.logout()


def account_box(wh: store.Warehouse, pol: access.Policy) -> None:
    """The sidebar's sign-in form, or who is signed in and a sign-out button."""
    current = session()
    with st.sidebar:
        if current is None:
            with st.expander("登录", icon=":material/login:"):
                sign_in_form(wh, pol, "sidebar")
        else:
            st.caption(f"已登录：{plain(current.username)}（{auth.ROLES.get(current.role, current.role)}）")
            st.button("退出登录", icon=":material/logout:", key="sign_out", on_click=sign_out)


# ---- plain text ------------------------------------------------------------------------------------------------------

_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINK_LIKE = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Text that came from a file, made inert for anything Streamlit renders as Markdown (st.markdown, st.table cells,
    alerts, progress text): every ASCII punctuation mark becomes a numeric character reference, which CommonMark always
    shows as that literal character. So links, images, bare URLs (GFM links ``http://…`` even when backslash-escaped),
    emphasis, HTML, ``:color[…]`` directives and ``$…$`` maths all show as the characters typed. Line breaks become
    spaces."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    flat = re.sub(r"\s*[\r\n]+\s*", " ", str(text))
    # GFM also turns bare URLs and e-mail addresses into links after parsing, whatever the escaping: an invisible
    # WORD JOINER inside "://", "www." and after "@" keeps them text.
    flat = _LINK_LIKE.sub(WORD_JOINER, flat)
    return _ASCII_PUNCTUATION.sub(lambda m: f"&#{ord(m.group())};", flat)


def table(frame: pd.DataFrame, max_height: int = 420) -> None:
    """A static, wrapping table (long Chinese messages stay readable) whose every cell is shown as plain text; tall
    tables scroll inside ``max_height`` pixels with the header kept in view."""
    cells = frame.astype(object).map(plain)
    height = max_height if len(cells) > 10 else "content"
    st.table(cells, hide_index=True, height=height)


# ---- one-shot messages across a rerun --------------------------------------------------------------------------------

_FLASH = "_flash"


def flash(kind: str, text: str, frame: pd.DataFrame | None = None) -> None:
    """Show ``text`` (our own Markdown; file content in it must go through plain()) at the next run of the page, once.
    ``kind`` is an alert: success, info, warning or error."""
    st.session_state.setdefault(_FLASH, []).append((kind, text, frame))


def show_flash() -> None:
    for kind, text, frame in st.session_state.pop(_FLASH, []):
        getattr(st, kind)(text)
        if frame is not None:
            table(frame)

