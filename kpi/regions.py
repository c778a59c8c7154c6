"""The region hierarchy (省 > 市 > 县(市、区) > 乡镇(街道)) and the name matcher that ties uploaded files to it.

Files from the bureaus name regions inconsistently (full-width characters, missing suffixes, a county prefix, old
statistical codes), so matching is deliberately tolerant of *form* but strict about *identity*: a name that could
mean two regions is reported as unmatched rather than guessed, and there is no fuzzy edit-distance matching.

Kept free of streamlit so the ETL and the tests can use it; callers cache the index themselves.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("province", "city", "county", "township")
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县(市、区)", "township": "乡镇(街道)"}
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "regions" / "regions.csv"

# Suffixes a file may add or drop, and the levels each one can denote. Longest first, so 街道办事处 beats 办事处.
_SUFFIX_LEVELS = (
    ("壮族自治区", ("province",)), ("街道办事处", ("township",)), ("自治区", ("province",)),
    ("办事处", ("township",)), ("街道", ("township",)), ("镇", ("township",)), ("乡", ("township",)),
    ("区", ("county",)), ("县", ("county",)), ("市", ("county", "city")), ("省", ("province",)),
)
# 古寨瑶族乡 is often written 古寨乡.
_ETHNIC_TOWNSHIP = re.compile(r"(瑶|壮|苗|侗|回|满|畲|彝|土家|蒙古)族乡$")
_OPEN, _CLOSE = "([{【〔〖", ")]}】〕〗"
_BRACKETS = str.maketrans(_OPEN + _CLOSE, "(" * len(_OPEN) + ")" * len(_CLOSE))


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    type: str
    alt_codes: tuple[str, ...]
    status: str


def normalize_name(text: str) -> str:
    """Reduce a name to the form both sides are compared in; spreadsheets add full-width and invisible characters."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    return "".join(
        ch for ch in text
        if ch in "()" or not (ch.isspace() or unicodedata.category(ch)[0] in "PZC")
    )


def _stems(region: Region) -> set[str]:
    """Names the region may be written as without its suffix. 类似乡级单位 (开发区, 农场) have no droppable suffix."""
    full = normalize_name(region.name)
    if region.type == "类似乡级单位":
        return set()
    out = set()
    ethnic = _ETHNIC_TOWNSHIP.search(full) if region.level == "township" else None
    if ethnic:
        out.add(full[: ethnic.start()])
    for suffix, levels in _SUFFIX_LEVELS:
        if region.level in levels and full.endswith(suffix):
            out.add(full[: -len(suffix)])
            break
    return {s for s in out if len(s) >= 2}  # one-character stems would collide with anything


class RegionIndex:
    """All regions, indexed by code, parent and name. Codes are always 12-digit strings."""

    def __init__(self, regions: Iterable[Region]):
        self._by_code: dict[str, Region] = {}
        for r in regions:
            if r.code in self._by_code:
                raise ValueError(f"duplicate region code {r.code}")
            self._by_code[r.code] = r
        self._children: dict[str | None, list[Region]] = {}
        for r in sorted(self._by_code.values(), key=lambda r: r.code):
            if r.parent_code is not None and r.parent_code not in self._by_code:
                raise ValueError(f"{r.code} {r.name}: parent {r.parent_code} missing")
            self._children.setdefault(r.parent_code, []).append(r)
        # NBS and MCA renumbered many townships, so an alt code is often another unit's primary code (e.g. 江北区
        # 甬江街道 and 庄桥街道 swapped 005/006). The primary code wins in get(); match() calls such a code ambiguous.
        self._by_alt: dict[str, list[Region]] = {}
        for r in self._by_code.values():
            for alt in r.alt_codes:
                self._by_alt.setdefault(alt, []).append(r)
        self._full: dict[str, list[Region]] = {}
        self._stem: dict[str, list[Region]] = {}
        for r in self._by_code.values():
            self._full.setdefault(normalize_name(r.name), []).append(r)
            for s in _stems(r):
                self._stem.setdefault(s, []).append(r)
        # A former unit (e.g. 茶院乡, kept so old files match) resolves to the one current unit of the same county that
        # shares its stem (茶院镇): that is how 撤乡设镇 renames look. Without exactly one such unit it stays as is.
        self._successor: dict[str, Region] = {}
        for r in self._by_code.values():
            if r.status == "former":
                heirs = [c for c in self._children.get(r.parent_code, [])
                         if c.status == "current" and _stems(c) & _stems(r)]
                if len(heirs) == 1:
                    self._successor[r.code] = heirs[0]

    def __iter__(self) -> Iterator[Region]:
        return iter(sorted(self._by_code.values(), key=lambda r: r.code))

    def __len__(self) -> int:
        return len(self._by_code)

    @staticmethod
    def _widen(code: str) -> str:
        code = str(code).strip()
        if len(code) == 6:
            return code + "000000"
        if len(code) == 9:
            return code + "000"
        return code

    def get(self, code: str) -> Region | None:
        """Look up a primary or alt code; 6-digit adcodes and 9-digit township codes are padded to 12 digits."""
        code = self._widen(code)
        if code in self._by_code:
            return self._by_code[code]
        holders = self._by_alt.get(code, [])
        return holders[0] if len(holders) == 1 else None

    def _require(self, code: str) -> Region:
        region = self.get(code)
        if region is None:
            raise KeyError(f"unknown region code {code!r}")
        return region

    def children(self, code: str) -> list[Region]:
        return list(self._children.get(self._require(code).code, []))

    def descendants(self, code: str, level: str | None = None) -> list[Region]:
        """Depth-first in code order, so a listing reads like the official code table. Includes former units."""
        out: list[Region] = []
        stack = list(reversed(self.children(code)))
        while stack:
            r = stack.pop()
            out.append(r)
            stack.extend(reversed(self._children.get(r.code, [])))
        return [r for r in out if level is None or r.level == level]

    def ancestors(self, code: str) -> list[Region]:
        out, region = [], self._require(code)
        while region.parent_code is not None:
            region = self._by_code[region.parent_code]
            out.append(region)
        return out

    def townships_of(self, code: str, include_former: bool = False) -> list[Region]:
        """Former units are left out by default: they would double-count a renamed township in coverage figures."""
        return [r for r in self.descendants(code, "township") if include_former or r.status != "former"]

    def roots(self) -> list[Region]:
        return list(self._children.get(None, []))

    def _resolve(self, region: Region) -> Region:
        return self._successor.get(region.code, region)

    def _unique(self, candidates: Iterable[Region], within: str | None) -> Region | None:
        """None for no candidate and for several: an ambiguous name must be reported, not guessed."""
        found = {self._resolve(r) for r in candidates if self._inside(r, within)}
        return found.pop() if len(found) == 1 else None

    def _inside(self, region: Region, within: str | None) -> bool:
        return within is None or within in {a.code for a in self.ancestors(region.code)}

    def match(self, name: str, within: str | None = None) -> Region | None:
        """The one region ``name`` denotes (among the descendants of ``within``), or None if none or several do.

        Tried in order, each step only if the previous one found nothing inside ``within``: a code; the exact full
        name; the name with or without its suffix (南门 = 南门街道 = 南门街道办事处); a leading full ancestor name
        stripped (海曙区南门街道). A former unit is returned as its successor (see ``__init__``).
        """
        if within is not None:
            within = self._require(within).code
        q = normalize_name(name)
        if q.isascii() and q.isdigit():
            if len(q) not in (6, 9, 12):
                return None
            code = self._widen(q)
            return self._unique(([self._by_code[code]] if code in self._by_code else []) + self._by_alt.get(code, []),
                                within)

        def inside(regions: Iterable[Region]) -> list[Region]:
            return [r for r in regions if self._inside(r, within)]

        candidates = inside(self._full.get(q, []))
        if not candidates:
            candidates = inside(self._stem.get(q, []))
            for suffix, levels in _SUFFIX_LEVELS:
                if q.endswith(suffix):
                    candidates += inside(r for r in self._stem.get(q[: -len(suffix)], []) if r.level in levels)
        if not candidates:
            for key, parents in self._full.items():
                if q.startswith(key) and len(q) > len(key):
                    for parent in parents:
                        if parent.level != "township":
                            hit = self.match(q[len(key):], within=parent.code)
                            if hit is not None:
                                candidates.append(hit)
        return self._unique(candidates, within)

    def match_report(
        self, names: Iterable[str], within: str | None = None
    ) -> tuple[dict[str, Region], list[str]]:
        """Match many names at once so a loader can show every unmatched (or ambiguous) name in one message."""
        matched: dict[str, Region] = {}
        unmatched: list[str] = []
        for name in names:
            if name in matched or name in unmatched:
                continue
            region = self.match(name, within)
            if region is None:
                unmatched.append(name)
            else:
                matched[name] = region
        return matched, unmatched


def load_regions(path: Path | None = None) -> RegionIndex:
    """Read the committed CSV with the csv module, so codes stay strings and keep their leading digits."""
    with Path(path or DEFAULT_PATH).open(encoding="utf-8", newline="") as fh:
        return RegionIndex(
            Region(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent_code=row["parent_code"] or None,
                type=row["type"],
                alt_codes=tuple(a for a in row["alt_codes"].split("|") if a),
                status=row["status"],
            )
            for row in csv.DictReader(fh)
        )
