"""Not a page: the sidebar pickers (地区, 报告期, 指标) that the dashboard pages share, kept in the URL.

Every view must be something a colleague can bookmark, paste into a chat or point the big screen and the screenshot
job at, so the URL always holds the whole state: ``?region=<12-digit code>&period=YYYY-MM&indicator=<code>``. A
value in the URL wins when it is new to this session (a bookmark, a pasted link); after that the widgets lead and the
URL follows. Each choice is kept under a session key of its own (``_region`` …) and handed to its widget on every run,
so switching from 总览 to 地图 stays on the same region and period (a widget's own state ends with its page). A value in the URL that means nothing (an unknown code, a typo) is reported in
Chinese and replaced by the default, never silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from kpi.catalog import Catalog, Indicator
from kpi.periods import Period
from kpi.regions import Region, RegionIndex
from views import shared

HOME_REGION_ENV = "KPI_HOME_REGION"
_APPLIED = "_url_applied"
INDENT = "\u3000"  # ideographic space: indents the region list by level


def _from_url(name: str, parse: Callable[[str], object | None], what: str) -> None:
    """Apply ``?name=`` to the choice if this session has not applied that value yet."""
    applied = st.session_state.setdefault(_APPLIED, {})
    raw = st.query_params.get(name)
    if raw is None or applied.get(name) == raw:
        return
    applied[name] = raw
    value = parse(raw)
    if value is None:
        st.session_state.setdefault("_url_problems", []).append(
            f"链接中的{what}“{shared.plain(raw)}”无法识别，已改为显示默认{what}。")
    else:
        choose(name, value)


def choose(name: str, value: str) -> None:
    """Set a picker's choice (from a callback or before the pickers are drawn): drilling down, a link, the URL."""
    st.session_state["_" + name] = value


def chosen(name: str) -> str | None:
    return st.session_state.get("_" + name)


def _picker(name: str, label: str, options: list[str], **kwargs) -> str:
    """A sidebar selectbox showing the current choice, which it updates when the user picks another."""
    st.session_state[name] = chosen(name)
    value = st.sidebar.selectbox(label, options, key=name, on_change=lambda: choose(name, st.session_state[name]),
                                 **kwargs)
    _to_url(name, value)
    return value


def _to_url(name: str, value: str) -> None:
    st.query_params[name] = value
    st.session_state.setdefault(_APPLIED, {})[name] = value


def show_url_problems() -> None:
    """Warnings about the URL and about the targets files, under the page title."""
    for text in st.session_state.pop("_url_problems", []):
        st.warning(text, icon=":material/link_off:")
    shared.show_target_problems(shared.targets_key())


def region_options(regions: RegionIndex) -> list[Region]:
    """Current regions in tree order (each followed by its units), as the region list shows them."""
    out: list[Region] = []

    def walk(region: Region) -> None:
        if region.status != "current":
            return
        out.append(region)
        for child in regions.children(region.code):
            walk(child)

    for root in regions.roots():
        walk(root)
    return out


def home_region(regions: RegionIndex, options: list[Region]) -> Region:
    """$KPI_HOME_REGION (a bureau's own area), else the first city, else the first region."""
    env = os.environ.get(HOME_REGION_ENV)
    if env and (region := regions.get(env)) is not None and region.status == "current":
        return region
    return next((r for r in options if r.level == "city"), options[0])


def region_picker(regions: RegionIndex) -> Region:
    options = region_options(regions)
    depth = {r.code: len(regions.ancestors(r.code)) for r in options}
    codes = [r.code for r in options]

    def parse(raw: str) -> str | None:
        region = regions.get(raw)
        return region.code if region is not None and region.code in depth else None

    _from_url("region", parse, "地区")
    if chosen("region") not in depth:
        choose("region", home_region(regions, options).code)
    code = _picker("region", "地区", codes, format_func=lambda c: INDENT * depth[c] + regions.get(c).name,
                   help="可输入名称搜索。选择市、县（市、区）时，数值由所辖乡镇（街道）逐级汇总。")
    return regions.get(code)


def month_options(first: Period, latest: Period) -> list[str]:
    """Months from the latest back to the first, as 'YYYY-MM'."""
    out, p = [], latest
    while p >= first:
        out.append(str(p))
        p = p.shift_months(-1)
    return out


def period_picker(first: Period, latest: Period) -> Period:
    options = month_options(first, latest)

    def parse(raw: str) -> str | None:
        try:
            return str(Period.parse(raw))
        except ValueError:
            return None

    _from_url("period", parse, "报告期")
    current = chosen("period")
    if current not in options:
        if current is not None and parse(current) is not None:
            options.insert(0, current)  # a quarter, a year or a month outside the data asked for in the URL
        else:
            choose("period", options[0])
    value = _picker("period", "报告期", options, format_func=lambda s: Period.parse(s).label,
                    help="月报数据；时点指标取期末数，累计指标取本年1月至该月的累计数。")
    return Period.parse(value)


def indicator_picker(catalog: Catalog, default: str, codes: list[str] | None = None) -> Indicator:
    codes = codes or [i.code for i in catalog]

    def parse(raw: str) -> str | None:
        code = raw.strip().upper()
        return code if code in codes else None

    _from_url("indicator", parse, "指标")
    if chosen("indicator") not in codes:
        choose("indicator", default if default in codes else codes[0])
    code = _picker("indicator", "指标", codes, format_func=lambda c: f"{catalog.get(c).area} · {catalog.get(c).name}",
                   help="可输入名称搜索")
    return catalog.get(code)


def region_and_period(key: shared.DataKey, title: str) -> tuple[Region, Period, Period]:
    """The sidebar's region and period pickers for a dashboard page: (region, period, latest period with data).
    On an empty warehouse, says so under ``title`` and stops the page."""
    latest = shared.latest_period(key)
    if latest is None:
        st.title(title)
        st.info("数据库中还没有数据。请先在“数据管理”页导入报表。")
        st.stop()
    first = shared.summary(key)["first_period"]
    _, regions = shared.reference()
    region = region_picker(regions)
    period = period_picker(Period(first.year, first.month), latest)
    return region, period, latest


def no_data_note(period: Period, latest: Period) -> None:
    if period > latest:
        st.info(f"{period.label}还没有数据，最新报告期是{latest.label}。")


def view_params(region: Region, period: Period, indicator: Indicator | None = None) -> dict[str, str]:
    """The query string of a view, for links to another page that keep it."""
    params = {"region": region.code, "period": str(period)}
    if indicator is not None:
        params["indicator"] = indicator.code
    return params


# Run as a page itself (a bare request to /controls before the router ever ran): go through the router instead.
