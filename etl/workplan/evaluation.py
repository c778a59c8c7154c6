"""Score extract() against hand-labelled records (the schema of shared/targets/dev, see its README).

A gold directory holds one ``<document stem>.jsonl`` per document, each line a record with ``doc`` (the
document's file name), ``kind``, ``sentence``, ``value``, ``unit``, ``comparator``, ``year``… The document
itself is looked up next to the gold files, then in ``../seeds`` and ``../../seeds`` (the shared layout), or
in ``docs_dir``.

A hit is an extracted record with the same value, unit and clause as a gold record (each gold record can be
hit once). Precision, recall and F1 are computed over kind=target records; kind, comparator and year are
then compared on the hits. Kind accuracy is also given over every figure found (targets, actuals and
standards), since telling them apart is half of the task.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kpi.catalog import Catalog, load_catalog
from etl.workplan.documents import read_document
from etl.workplan.extract import extract
from etl.workplan.figures import TARGET


def _key(record: dict) -> tuple:
    unit = unicodedata.normalize("NFKC", str(record.get("unit") or "")).replace(" ", "")
    sentence = str(record.get("sentence") or "").strip()
    return round(float(record["value"]), 6), unit, sentence


@dataclass
class DocScore:
    doc: str
    gold_targets: int = 0
    predicted_targets: int = 0
    hits: int = 0
    kind_agree: int = 0          # over every matched figure, any kind
    matched_figures: int = 0
    comparator_agree: int = 0    # over target hits
    year_agree: int = 0
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.hits / self.predicted_targets if self.predicted_targets else (1.0 if not self.gold_targets else 0.0)

    @property
    def recall(self) -> float:
        return self.hits / self.gold_targets if self.gold_targets else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    documents: list[DocScore]

    def _sum(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.documents)

    @property
    def total(self) -> DocScore:
        t = DocScore("全部")
        for name in ("gold_targets", "predicted_targets", "hits", "kind_agree", "matched_figures",
                     "comparator_agree", "year_agree"):
            setattr(t, name, self._sum(name))
        return t

    def as_dict(self) -> dict:
        def row(d: DocScore) -> dict:
            return {"doc": d.doc, "gold_targets": d.gold_targets, "predicted_targets": d.predicted_targets,
                    "hits": d.hits, "precision": round(d.precision, 4), "recall": round(d.recall, 4),
                    "f1": round(d.f1, 4),
                    "kind_accuracy": round(d.kind_agree / d.matched_figures, 4) if d.matched_figures else None,
                    "comparator_accuracy": round(d.comparator_agree / d.hits, 4) if d.hits else None,
                    "year_accuracy": round(d.year_agree / d.hits, 4) if d.hits else None}
        return {"overall": row(self.total), "documents": [row(d) for d in self.documents]}


def find_document(gold_dir: Path, doc: str, docs_dir: Path | None = None) -> Path | None:
    candidates = ([docs_dir / doc] if docs_dir else []) + [
        gold_dir / doc, gold_dir.parent / doc, gold_dir.parent / "seeds" / doc, gold_dir.parent.parent / "seeds" / doc]
    return next((p for p in candidates if p.is_file()), None)


def evaluate(gold_dir: str | Path, *, docs_dir: str | Path | None = None, catalog: Catalog | None = None) -> EvalReport:
    """Run extract() on every document of the gold directory and score it (see the module docstring).

    Raises FileNotFoundError (with a Chinese message) when the directory has no gold files or a
    document cannot be found.
    """
    gold_dir = Path(gold_dir)
    files = sorted(gold_dir.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"目录 {gold_dir} 中没有标注文件(*.jsonl)")
    catalog = catalog if catalog is not None else load_catalog()
    scores = []
    for path in files:
        gold = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        doc = gold[0]["doc"] if gold else path.stem + ".txt"
        doc_path = find_document(gold_dir, doc, Path(docs_dir) if docs_dir else None)
        if doc_path is None:
            raise FileNotFoundError(f"找不到标注文件 {path.name} 对应的文档 {doc}(在标注目录、上级目录或 seeds 目录中)")
        region = gold[0].get("region") if gold else None
        predicted = [f.as_dict() for f in extract(read_document(doc_path), region=region, catalog=catalog)]
        scores.append(score_document(doc, gold, predicted))
    return EvalReport(scores)


def score_document(doc: str, gold: list[dict], predicted: list[dict]) -> DocScore:
    """Match predicted against gold records of one document (multiset matching on value, unit, clause)."""
    score = DocScore(doc)
    score.gold_targets = sum(g["kind"] == TARGET for g in gold)
    score.predicted_targets = sum(p["kind"] == TARGET for p in predicted)

    # figures of any kind: pair each gold record with a predicted one of the same key, targets first
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for p in sorted(predicted, key=lambda r: r["kind"] != TARGET):
        by_key[_key(p)].append(p)
    pairs: list[tuple[dict, dict]] = []
    unmatched_gold: list[dict] = []
    for g in sorted(gold, key=lambda r: r["kind"] != TARGET):
        candidates = by_key.get(_key(g))
        if candidates:
            # prefer the same kind, then the closest indicator wording
            best = max(candidates, key=lambda p: (p["kind"] == g["kind"], _overlap(p.get("indicator", ""),
                                                                                   g.get("indicator", ""))))
            candidates.remove(best)
            pairs.append((g, best))
        else:
            unmatched_gold.append(g)
    unmatched_pred = [p for ps in by_key.values() for p in ps]

    score.matched_figures = len(pairs)
    for g, p in pairs:
        if g["kind"] == p["kind"]:
            score.kind_agree += 1
        else:
            score.disagreements.append(f"类型 {p['kind']}≠{g['kind']}：{g['value']:g}{g['unit']}「{g['sentence']}」")
        if g["kind"] == TARGET and p["kind"] == TARGET:
            score.hits += 1
            if g["comparator"] == p["comparator"]:
                score.comparator_agree += 1
            else:
                score.disagreements.append(
                    f"比较方式 {p['comparator']}≠{g['comparator']}：{g['value']:g}{g['unit']}「{g['sentence']}」")
            if g.get("year") == p.get("year"):
                score.year_agree += 1
            else:
                score.disagreements.append(f"年份 {p.get('year')}≠{g.get('year')}：「{g['sentence']}」")
        elif g["kind"] == TARGET:
            score.misses.append(g)
        elif p["kind"] == TARGET:
            score.false_positives.append(p)
    score.misses += [g for g in unmatched_gold if g["kind"] == TARGET]
    score.false_positives += [p for p in unmatched_pred if p["kind"] == TARGET]
    return score


def _overlap(a: str, b: str) -> int:
    return len(set(a) & set(b))


def format_report(report: EvalReport, verbose: bool = False) -> str:
    """The report as the CLI prints it (Chinese labels)."""
    lines = []

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.1f}%"

    def line(d: DocScore) -> str:
        kind = d.kind_agree / d.matched_figures if d.matched_figures else None
        comp = d.comparator_agree / d.hits if d.hits else None
        year = d.year_agree / d.hits if d.hits else None
        return (f"{d.doc}：标注目标 {d.gold_targets}，提取目标 {d.predicted_targets}，命中 {d.hits}；"
                f"精确率 {pct(d.precision)}，召回率 {pct(d.recall)}，F1 {pct(d.f1)}；"
                f"类型准确率 {pct(kind)}（{d.matched_figures}个数字），比较方式准确率 {pct(comp)}，年份准确率 {pct(year)}")

    for d in report.documents:
        lines.append(line(d))
        if verbose:
            for g in d.misses:
                lines.append(f"  漏提：{g['value']:g}{g['unit']}（{g.get('indicator', '')}）「{g['sentence']}」")
            for p in d.false_positives:
                lines.append(f"  误提：{p['value']:g}{p['unit']}（{p.get('indicator', '')}）「{p['sentence']}」")
            for text in d.disagreements:
                lines.append(f"  不一致：{text}")
    lines.append(line(report.total))
    return "\n".join(lines)
