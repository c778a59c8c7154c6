"""The 大屏 (wall display at /screen): its settings, and the small pure decisions behind what it shows.

Settings come from ``data/screen.toml`` ($KPI_SCREEN names another file) and can be overridden per screen by the
URL (``/screen?region=330212000000&rotate=15``), so one server can drive several walls. Nothing here is fatal: a
setting that cannot be used is reported in Chinese and replaced by its default, because an unattended display that
shows the default view and says why beats a display that shows an error.

Kept free of streamlit (views/screen.py draws; this module decides).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from kpi import choropleth, geo
from kpi.catalog import Catalog
from kpi.periods import Period
from kpi.regions import RegionIndex

CONFIG_ENV = "KPI_SCREEN"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "screen.toml"

# The panels the screen can show, in the order the settings list them.
PANELS = {"kpi": "核心指标", "map": "地图", "ranking": "排名", "attention": "需关注", "trend": "走势"}
METHOD_NAMES = choropleth.METHODS
MAX_HEADLINE = 8  # more cards than this no longer fit a 16:9 row at a readable size
MAX_MAP = 12
MAX_TREND = 3


@dataclass(frozen=True)
class ScreenConfig:
    """What one wall shows. ``region`` None: the bureau's home region ($KPI_HOME_REGION); ``period`` None: the newest
    month with data, moving on by itself when a new month is loaded."""

    region: str | None = None
    period: str | None = None
    title: str | None = None
    headline: tuple[str, ...] = ("EC_R_BED_10K", "EC_BED_NEW", "EC_R_CAREGIVER_10K", "SO_4A_PLUS",
                                 "CS_CHARITY_FUNDS", "SA_DIBAO_STD")
    map: tuple[str, ...] = ("EC_R_BED_10K", "EC_BED_TOTAL", "SA_DIBAO_PERSONS")
    trend: tuple[str, ...] = ("EC_R_BED_10K", "EC_BED_NEW", "CS_CHARITY_FUNDS")
    panels: tuple[str, ...] = tuple(PANELS)
    method: str = "quantile"
    rotate_seconds: float = 20.0
    refresh_seconds: float = 60.0
    stale_after_hours: float = 840.0  # 35 days: monthly reports arrive in the first weeks of the next month

    @property
    def tick_seconds(self) -> float:
        """How often the screen wakes up: to rotate the map, and to look for new data."""
        if len(self.map) > 1 and {"map", "ranking"} & set(self.panels):
            return min(self.rotate_seconds, self.refresh_seconds)
        return self.refresh_seconds

    def shows(self, panel: str) -> bool:
        return panel in self.panels


@dataclass(frozen=True)
class _Setting:
    url: tuple[str, ...]  # query parameters that override it
    parse: Callable[[object, Catalog, RegionIndex], tuple[object, list[str]]]  # value -> (setting, problems)


def default_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_PATH


# ---- parsers: each returns (value, problems); a value of None keeps the default --------------------------------------


def _text(raw: object) -> str:
    return str(raw).strip()


def _region(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
    text = _text(raw)
    if not text:
        return None, []
    region = regions.get(text)
    if region is None or region.status != "current":
        return None, [f"地区“{text}”不是有效的12位区划代码，已改为默认地区。"]
    return region.code, []


def _period(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
    text = _text(raw)
    if not text or text in ("latest", "最新"):
        return None, []
    try:
        return str(Period.parse(text)), []
    except ValueError:
        return None, [f"报告期“{text}”无法识别（应为 2026-10、2026Q3 或 2026），已改为最新报告期。"]


def _title(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
    text = " ".join(_text(raw).split())
    return (text[:40] or None), []


def _codes(label: str, limit: int, minimum: int = 1):
    def parse(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
        if isinstance(raw, str):
            items = [part for part in raw.replace("，", ",").split(",")]
        elif isinstance(raw, (list, tuple)) and all(isinstance(x, str) for x in raw):
            items = list(raw)
        else:
            return None, [f"{label}应为指标代码的列表，例如 [\"EC_R_BED_10K\", \"EC_BED_NEW\"]，已使用默认设置。"]
        problems, codes = [], []
        for item in (x.strip().upper() for x in items):
            if not item or item in codes:
                continue
            if item not in catalog:
                problems.append(f"{label}中的指标代码“{item}”不在指标目录中，已忽略。")
            else:
                codes.append(item)
        if len(codes) > limit:
            problems.append(f"{label}最多 {limit} 个，已只显示前 {limit} 个。")
            codes = codes[:limit]
        if len(codes) < minimum:
            problems.append(f"{label}没有可用的指标代码，已使用默认设置。")
            return None, problems
        return tuple(codes), problems

    return parse


def _panels(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
    items = raw.replace("，", ",").split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) for x in items):
        return None, [f"显示的面板应为列表，可选 {_choices(PANELS)}，已显示全部面板。"]
    problems, chosen = [], []
    for item in (x.strip().lower() for x in items):
        if not item:
            continue
        if item not in PANELS:
            problems.append(f"显示的面板“{item}”无法识别，可选 {_choices(PANELS)}，已忽略。")
        elif item not in chosen:
            chosen.append(item)
    if not chosen:
        return None, [*problems, "没有可显示的面板，已显示全部面板。"]
    return tuple(p for p in PANELS if p in chosen), problems


def _method(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
    text = _text(raw).lower()
    if text in METHOD_NAMES:
        return text, []
    by_name = {name: key for key, name in METHOD_NAMES.items()}
    if _text(raw) in by_name:
        return by_name[_text(raw)], []
    return None, [f"分级方法“{_text(raw)}”无法识别，应为 {_choices(METHOD_NAMES)}，已改为分位数。"]


def _number(label: str, unit: str, low: float, high: float, default: float):
    def parse(raw: object, catalog: Catalog, regions: RegionIndex) -> tuple[object, list[str]]:
        try:
            value = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):
            value = math.nan
        if not (low <= value <= high):  # NaN fails too
            return None, [f"{label}应为 {low:g}–{high:g} {unit}，“{_text(raw)}”无法使用，已改为 {default:g} {unit}。"]
        return value, []

    return parse


def _choices(names: Mapping[str, str]) -> str:
    return "、".join(f"{key}（{name}）" for key, name in names.items())


_DEFAULTS = ScreenConfig()
SETTINGS: dict[str, _Setting] = {
    "region": _Setting(("region",), _region),
    "period": _Setting(("period",), _period),
    "title": _Setting(("title",), _title),
    "headline": _Setting(("indicators", "headline"), _codes("核心指标", MAX_HEADLINE)),
    "map": _Setting(("map", "indicator"), _codes("地图指标", MAX_MAP)),
    "trend": _Setting(("trend",), _codes("走势指标", MAX_TREND)),
    "panels": _Setting(("panels",), _panels),
    "method": _Setting(("method",), _method),
    "rotate_seconds": _Setting(("rotate",), _number("轮播间隔", "秒", 3, 3600, _DEFAULTS.rotate_seconds)),
    "refresh_seconds": _Setting(("refresh",),
                                _number("刷新间隔", "秒", 3, 3600, _DEFAULTS.refresh_seconds)),
    "stale_after_hours": _Setting(("stale",),
                                  _number("过期提示时间", "小时", 1, 24 * 366, _DEFAULTS.stale_after_hours)),
}


def _apply(config: ScreenConfig, values: Mapping[str, object], catalog: Catalog,
           regions: RegionIndex) -> tuple[ScreenConfig, list[str]]:
    changes, problems = {}, []
    for name, raw in values.items():
        value, found = SETTINGS[name].parse(raw, catalog, regions)
        problems.extend(found)
        if value is not None or (not found and name in ("region", "period", "title")):
            changes[name] = value  # an empty region/period/title means "the default", and says so by being None
    return dataclasses.replace(config, **changes), problems


def from_toml(text: str, catalog: Catalog, regions: RegionIndex,
              source: str = "data/screen.toml") -> tuple[ScreenConfig, list[str]]:
    """The settings of a screen.toml text: (settings, problems). Unknown keys and unusable values are reported and
    left at their defaults; a file that is not TOML at all gives the defaults and one problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ScreenConfig(), [f"大屏设置文件 {source} 格式有误（{_toml_reason(exc)}），已全部使用默认设置。"]
    problems = [f"大屏设置文件 {source} 中有无法识别的设置项“{key}”，已忽略。可用的设置项：{'、'.join(SETTINGS)}。"
                for key in data if key not in SETTINGS]
    config, found = _apply(ScreenConfig(), {k: v for k, v in data.items() if k in SETTINGS}, catalog, regions)
    return config, [*problems, *found]


def _toml_reason(exc: tomllib.TOMLDecodeError) -> str:
    """Where the file stops being TOML, in Chinese (tomllib says it in English: "… (at line 3, column 1)")."""
    if found := re.search(r"line (\d+)", str(exc)):
        return f"第 {found.group(1)} 行附近"
    return "文件末尾附近" if "end of document" in str(exc) else "无法解析"


def load(catalog: Catalog, regions: RegionIndex, path: Path | None = None) -> tuple[ScreenConfig, list[str]]:
    """The settings file (default ``default_path()``); no file means the defaults, silently."""
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ScreenConfig(), []
    except (OSError, UnicodeDecodeError):
        return ScreenConfig(), [f"大屏设置文件 {path} 无法读取（应为 UTF-8 编码的文本文件），已全部使用默认设置。"]
    return from_toml(text, catalog, regions, source=path.name)


def with_params(config: ScreenConfig, params: Mapping[str, str], catalog: Catalog,
                regions: RegionIndex) -> tuple[ScreenConfig, list[str]]:
    """``config`` overridden by the URL's query parameters (``region``, ``period``, ``indicators``, ``map`` or
    ``indicator``, ``trend``, ``panels``, ``method``, ``rotate``, ``refresh``, ``stale``, ``title``). Other parameters
    are ignored; unusable values are reported and leave the file's setting in place."""
    values = {}
    for name, setting in SETTINGS.items():
        for param in setting.url:
            if param in params and str(params[param]).strip() != "":
                values[name] = params[param]
                break
    config_out, problems = _apply(config, values, catalog, regions)
    return config_out, [f"链接参数有误：{p}" for p in problems]


# ---- what the screen shows -------------------------------------------------------------------------------------------


def age_text(delta: dt.timedelta) -> str:
    """A span of time as people say it: 3天5小时, 2小时10分钟, 5分钟."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    return f"{mins}分钟"


def stale_message(updated_at: dt.datetime | None, now: dt.datetime, stale_after_hours: float) -> str | None:
    """The warning the screen shows when the newest data are older than the configured age; None when fresh."""
    if updated_at is None:
        return "数据库中还没有导入任何数据。"
    age = now - updated_at
    if age <= dt.timedelta(hours=stale_after_hours):
        return None
    return (f"数据已 {age_text(age)}未更新（超过 {stale_after_hours:g} 小时即提示），"
            "请确认报表是否已按时导入。")


_SIGNS = {">=": "≥", "<=": "≤", "=": "=", "+": "新增 "}


def target_text(record) -> str:
    """A target as short as a card on a wall allows: ≥51 · ≤3 · 新增 810 · 保持 630 · 3～5 (kpi.targets words it
    in full: 不低于 51)."""
    t = record.target
    value = f"{t.value_min:,g}～{t.value:,g}" if t.value_min is not None else f"{t.value:,g}"
    return ("保持 " if t.keep else _SIGNS.get(t.comparator, "")) + value


def next_slot(index: int, count: int) -> int:
    """The map indicator after ``index`` among ``count``, round and round."""
    return (index + 1) % count if count else 0


def ranking_window(count: int, room: int) -> tuple[range, range]:
    """Which rows of a ranking of ``count`` rows fit ``room`` lines: all of them, or the head and the tail with one
    line left for "…" between them. Returns (head, tail) as ranges of row indices."""
    if count <= room:
        return range(count), range(0)
    head = (room - 1 + 1) // 2
    tail = room - 1 - head
    return range(head), range(count - tail, count)


# Dark-theme versions of the choropleth's classes: on a dark wall the better class is the brighter one, where the light
# dashboard's better class is the darker one. Same classes, same legend, other colours.
DARK_BLUES = [(24, 58, 112), (28, 96, 166), (34, 136, 206), (58, 178, 232), (120, 220, 250)]
DARK_PURPLES = [(60, 48, 110), (92, 72, 150), (126, 100, 190), (160, 134, 220), (200, 178, 245)]
DARK_MISSING = (72, 82, 98)
_DARK = {**dict(zip(choropleth.BLUES, DARK_BLUES)), **dict(zip(choropleth.PURPLES, DARK_PURPLES)),
         choropleth.MISSING_RGB: DARK_MISSING}


def darken(cells: dict, legend: list[choropleth.LegendEntry]) -> tuple[dict, list[choropleth.LegendEntry]]:
    """``choropleth.paint``'s cells and legend in the dark palette (a copy; the cached originals are untouched)."""
    def dark(rgb) -> tuple[int, int, int]:
        return _DARK.get(tuple(rgb[:3]), tuple(rgb[:3]))

    features = [{**f, "properties": {**f["properties"], "fill": [*dark(f["properties"]["fill"]), 235]}}
                for f in cells["features"]]
    return ({"type": "FeatureCollection", "features": features},
            [dataclasses.replace(e, rgb=dark(e.rgb)) for e in legend])


def _text_box(lines: list[str], font_px: float) -> tuple[float, float]:
    """Rough size in px of centred lines of text."""
    return max(text_width(line, font_px) for line in lines), len(lines) * font_px * 1.3


def text_width(text: str, font_px: float) -> float:
    """Rough width in px of one line of text: a CJK character is one em, a digit or ASCII mark about 0.6 em."""
    return sum(font_px if ord(ch) > 0x2E80 else 0.6 * font_px for ch in text)


def fit_map(bounds: tuple[float, float, float, float], box: tuple[float, float], padding: float,
            outline: dict | None = None, legend: tuple[float, float] = (0.0, 0.0)) -> tuple[tuple[float, float], float]:
    """(centre, zoom) of a map of ``box`` px showing ``bounds``, with a ``legend`` of (width, height) px floating over
    its lower left corner. The region fills the whole box when its ``outline`` (a GeoJSON Feature) stays clear of the
    legend; otherwise it is fitted beside the legend or above it, whichever shows it bigger."""
    plain = geo.fit_view(bounds, box, padding=padding)
    width, height = legend
    if not (width and height) or outline is None:
        return plain
    corner = shapely.box(0, box[1] - height, width, box[1])
    if not _on_screen(shapely.geometry.shape(outline["geometry"]), plain, box).intersects(corner):
        return plain
    return max(_fit_beside(bounds, box, padding, left=width), _fit_beside(bounds, box, padding, bottom=height),
               key=lambda view: view[1])


def _fit_beside(bounds, box, padding, left: float = 0.0, bottom: float = 0.0) -> tuple[tuple[float, float], float]:
    """Fit ``bounds`` into the box less a strip on the left or at the bottom; the view's centre moves so that the
    region sits in the middle of the rest."""
    rest = (max(box[0] - left, 2 * padding + 1), max(box[1] - bottom, 2 * padding + 1))
    (lon, lat), zoom = geo.fit_view(bounds, rest, padding=padding)
    x, y = _mercator_px(lon, lat, zoom)
    lon, lat = _unproject(x - left / 2, y + bottom / 2, zoom)
    return (round(lon, 5), round(lat, 5)), zoom


def _on_screen(shape, view: tuple[tuple[float, float], float], box: tuple[float, float]):
    """``shape`` (lon/lat) in the px of a ``box`` showing ``view`` (centre, zoom)."""
    (lon, lat), zoom = view
    cx, cy = _mercator_px(lon, lat, zoom)
    world = 512 * 2 ** zoom

    def to_px(xy):
        x = (xy[:, 0] + 180) / 360 * world
        y = (1 - np.log(np.tan(np.pi / 4 + np.radians(xy[:, 1]) / 2)) / np.pi) / 2 * world
        return np.column_stack([x - cx + box[0] / 2, y - cy + box[1] / 2])

    return shapely.transform(shape, to_px)


def _unproject(x: float, y: float, zoom: float) -> tuple[float, float]:
    world = 512 * 2 ** zoom
    lon = x / world * 360 - 180
    lat = math.degrees(2 * math.atan(math.exp((1 - 2 * y / world) * math.pi)) - math.pi / 2)
    return lon, lat


def _mercator_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """deck.gl's Web-Mercator world pixels (512 px around the world at zoom 0)."""
    world = 512 * 2 ** zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * world, (1 - y / math.pi) / 2 * world


def place_labels(cells: dict, texts: Mapping[str, str], center: tuple[float, float], zoom: float,
                 box: tuple[float, float], font_px: float) -> list[dict]:
    """Map labels that never overlap: each cell's name (and its ``texts`` line, e.g. the value) at a point inside
    it, placed biggest cell first; a label that would overlap one already placed, or leave the ``box`` (px) of a map
    centred on ``center`` at ``zoom``, is left out — the ranking beside the map lists every unit anyway.

    Returns [{"text", "position": [lon, lat], "on_light"}] for a deck.gl TextLayer; ``on_light``: the cell is light
    enough that the label should be dark."""
    cx, cy = _mercator_px(*center, zoom)
    placed: list[tuple[float, float, float, float]] = []
    candidates = []
    for feature in cells["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        if shape.is_empty:
            continue
        main = max(shape.geoms, key=lambda g: g.area) if shape.geom_type == "MultiPolygon" else shape
        candidates.append((shape.area, main.representative_point(), feature["properties"]))
    out = []
    pad = font_px * 0.25
    for _, point, props in sorted(candidates, key=lambda c: -c[0]):
        lines = [props["name"], *([texts[props["code"]]] if texts.get(props["code"]) else [])]
        width, height = _text_box(lines, font_px)
        x, y = _mercator_px(point.x, point.y, zoom)
        x, y = x - cx + box[0] / 2, y - cy + box[1] / 2
        rect = (x - width / 2 - pad, y - height / 2 - pad, x + width / 2 + pad, y + height / 2 + pad)
        if rect[0] < 0 or rect[1] < 0 or rect[2] > box[0] or rect[3] > box[1]:
            continue
        if any(rect[0] < r[2] and r[0] < rect[2] and rect[1] < r[3] and r[1] < rect[3] for r in placed):
            continue
        placed.append(rect)
        fill = props.get("fill") or (0, 0, 0)
        light = (0.2126 * fill[0] + 0.7152 * fill[1] + 0.0722 * fill[2]) / 255 > 0.55
        out.append({"text": "\n".join(lines), "position": [round(point.x, 5), round(point.y, 5)], "on_light": light})
    return out
