"""The layout of a work plan: clauses, sentences, and the sections that decide year and kind.

A bureau's document is a 工作要点 (plan: every figure is a target of the plan year), a 工作总结 (summary:
figures are achievements or standards in force of the reported year), or both in one file
("2019年工作总结和2020年工作要点"). Section headings decide the year and the default kind of the figures
below them; a figure's own wording can still override that (see figures.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# R1 of the gold set: clauses end at these characters (not at 、). "|" and tabs separate flattened table cells.
CLAUSE_DELIMITERS = set("，,。;；:：!！?？\n|\t")
# Sentences, for context (year mentions, areas): the clause delimiters that close a thought.
SENTENCE_DELIMITERS = set("。;；!！?？\n")

PLAN, SUMMARY = "plan", "summary"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def clauses(text: str) -> list[Span]:
    """Split into clauses (R1), stripped of surrounding whitespace, with offsets into ``text``.

    A comma between digits that groups thousands ("1,200万元") does not end a clause.
    """
    spans: list[Span] = []
    start = 0
    n = len(text)
    for i, char in enumerate(text):
        if char not in CLAUSE_DELIMITERS:
            continue
        if char == "," and _is_thousands_comma(text, i):
            continue
        _add(spans, text, start, i)
        start = i + 1
    _add(spans, text, start, n)
    return spans


def sentences(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for i, char in enumerate(text):
        if char in SENTENCE_DELIMITERS:
            _add(spans, text, start, i)
            start = i + 1
    _add(spans, text, start, len(text))
    return spans


def _is_thousands_comma(text: str, i: int) -> bool:
    return (i > 0 and text[i - 1].isdigit() and text[i + 1:i + 4].isdigit() and len(text[i + 1:i + 4]) == 3
            and not text[i + 4:i + 5].isdigit())


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end, text[start:end]))


# ---------------------------------------------------------------------------------------------- sections

@dataclass(frozen=True)
class Section:
    """A stretch of the document with one mode (plan or summary) and one year."""
    start: int
    end: int
    mode: str
    year: int | None
    heading: str


_YEAR = r"((?:19|20)\d{2})\s*年(?:度)?"
_SUMMARY_WORDS = r"总结|回顾|成效|成绩|完成情况|工作情况|开展情况|进展情况|执行情况|主要做法"
_PLAN_WORDS = r"要点|计划|思路|安排|打算|重点工作|工作重点|主要任务|重点任务|目标任务|展望|总体要求"
_SUMMARY_WITH_YEAR = re.compile(_YEAR + r"[^\d。;；,，]{0,16}?(?:" + _SUMMARY_WORDS + ")")
_PLAN_WITH_YEAR = re.compile(_YEAR + r"[^\d。;；,，]{0,16}?(?:" + _PLAN_WORDS + ")")
# Without a year, only these phrases switch the mode, and only in a top-level heading ("二、主要任务",
# "三、工作保障"): a sub-heading such as "(二)民生保障更加有力" in a summary must not turn it into a plan.
_TOP_NUMBER = r"^(?:[一二三四五六七八九十]+\s*[、.．]\s*|第[一二三四五六七八九十]+部分\s*)?"
_SUMMARY_HEADING = re.compile(_TOP_NUMBER + r"[^。;；,，\d]{0,10}(?:工作总结|工作回顾|主要成效|工作成效|取得的成绩|"
                              r"完成情况|主要做法|工作进展|一年来|过去一年)")
_PLAN_HEADING = re.compile(_TOP_NUMBER + r"[^。;；,，\d]{0,10}(?:工作要点|工作计划|工作思路|总体思路|工作安排|主要任务|"
                           r"重点任务|重点工作|工作重点|下一步|工作打算|工作目标|总体要求|工作保障|保障措施)")
# "2021年全市民政工作要坚持…": the opening words of a plan that has no title line.
_PLAN_OPENING = re.compile(_YEAR + r"(?:全[市区县州盟省旗]|本[市区县局])?[^\d。;；,，]{0,8}?(?:民政)?工作(?:要|的总体要求|总体思路|的总体思路)")
MAX_HEADING = 40  # characters; a longer line is a paragraph, whatever words it contains


def sections(text: str, default_year: int | None = None) -> list[Section]:
    """Cut the document into plan and summary sections, each with its year.

    Headings are short lines. One naming a year and 总结/回顾/成效… opens a summary of that year; one naming a
    year and 要点/计划/思路/任务… opens a plan of that year; the same words without a year ("二、主要任务",
    "三、工作保障", "一、工作成效") switch the mode and keep the year. A title naming both a summary and a plan
    ("2019年工作总结和2020年工作要点") opens with the summary. Text before any heading belongs to the
    document's plan year (the first plan title or opening found, else ``default_year``).
    """
    plan_year = detect_plan_year(text) or default_year
    summary_year_default = (plan_year - 1) if plan_year else None
    lines = _lines(text)
    marks: list[tuple[int, str, int | None, str]] = []  # (offset, mode, year, heading)
    for start, line in lines:
        stripped = line.strip()
        if not stripped or len(stripped) > MAX_HEADING:
            continue
        summary = _SUMMARY_WITH_YEAR.search(stripped)
        plan = _PLAN_WITH_YEAR.search(stripped)
        if summary and plan:
            marks.append((start, SUMMARY, int(summary.group(1)), stripped))
        elif summary:
            marks.append((start, SUMMARY, int(summary.group(1)), stripped))
        elif plan:
            marks.append((start, PLAN, int(plan.group(1)), stripped))
        elif _looks_like_heading(stripped):
            if _SUMMARY_HEADING.search(stripped):
                marks.append((start, SUMMARY, None, stripped))
            elif _PLAN_HEADING.search(stripped):
                marks.append((start, PLAN, None, stripped))

    result: list[Section] = []
    mode, year, heading, begin = PLAN, plan_year, "", 0
    for offset, new_mode, new_year, new_heading in marks:
        if offset > begin:
            result.append(Section(begin, offset, mode, year, heading))
        if new_year is None:
            new_year = (year if new_mode == mode else
                        plan_year if new_mode == PLAN else summary_year_default)
        mode, year, heading, begin = new_mode, new_year, new_heading, offset
    result.append(Section(begin, len(text), mode, year, heading))
    return result


def detect_plan_year(text: str) -> int | None:
    """The year a document plans for: from its first plan title or opening sentence, else None."""
    for start, line in _lines(text):
        stripped = line.strip()
        if len(stripped) <= MAX_HEADING:
            match = _PLAN_WITH_YEAR.search(stripped)
            if match:
                return int(match.group(1))
    match = _PLAN_OPENING.search(text)
    if match:
        return int(match.group(1))
    return None


def _looks_like_heading(line: str) -> bool:
    """A numbered or bare short line without sentence punctuation inside."""
    body = line.rstrip("。")
    return not any(c in body for c in "。;；")


def _lines(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, line))
        start += len(line) + 1
    return out


def section_at(sections_: list[Section], offset: int) -> Section:
    for section in sections_:
        if section.start <= offset < section.end:
            return section
    return sections_[-1]
