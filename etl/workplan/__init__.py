"""Targets from a bureau's work plan (工作要点, with or without the previous year's 工作总结).

    text = read_document(path_or_bytes, name)          # .txt (UTF-8/GBK/GB18030), .docx, text-layer .pdf
    figures = extract(text, region=..., year=..., catalog=load_catalog())
    report = evaluate(gold_dir)                          # against hand-labelled records (shared/targets/dev)

Modules: documents (reading files), numerals (Chinese and Arabic numbers), structure (clauses, sentences,
sections), lexicon (the word lists the rules use), figures (finding figures, comparators), indicators
(catalogue matching, areas), extract (putting it together), evaluation (precision/recall on a gold set).
"""

from etl.workplan.documents import DocumentError, read_document
from etl.workplan.evaluation import EvalReport, evaluate
from etl.workplan.extract import extract
from etl.workplan.figures import ACTUAL, COMPARATORS, KINDS, STANDARD, TARGET, Figure

__all__ = ["read_document", "DocumentError", "extract", "evaluate", "EvalReport", "Figure", "TARGET", "ACTUAL",
           "STANDARD", "KINDS", "COMPARATORS"]
