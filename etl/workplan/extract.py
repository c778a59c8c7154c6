"""extract(): every figure of a work plan as a record the staff can confirm (see figures.Figure)."""

from __future__ import annotations

import re

from kpi.catalog import Catalog
from etl.workplan import lexicon as lx
from etl.workplan.figures import (ACTUAL, STANDARD, TARGET, Figure, Token, _post_text, clean_indicator, comparator,
                                  scan_clause, split_items)
from etl.workplan.indicators import area_of, match_indicator
from etl.workplan.structure import SUMMARY, Section, Span, clauses, section_at, sections, sentences

# Web-page furniture around a published plan: navigation, publication metadata (gold set R8 page_noise).
_NOISE_LINE = re.compile(r"^\s*(?:上一篇|下一篇|当前位置|发表日期|发布日期|发布时间|来源|阅读|浏览|访问量|点击|索引号|"
                         r"分享到|打印|关闭|字号|【|相关链接|责任编辑|附件下载)")
# Quotations, programme names and document titles: numerals inside them are names (R8 slogan/plan_name).
_QUOTES = (re.compile(r"“[^”\n]{0,25}”"), re.compile(r"「[^」\n]{0,25}」"), re.compile(r"『[^』\n]{0,25}』"),
           re.compile(r"《[^》\n]{0,60}》"), re.compile(r"‘[^’\n]{0,25}’"))
_YEAR_MENTION = re.compile(r"(?P<pre>到|至|力争|争取|从|自|截至|截止|于)?\s*(?P<y>(?:19|20)\d{2})\s*年(?!\s*[-—至到]\s*\d)")
_SHARED = re.compile(r"(?:均|都|全部|全都|皆)\s*(?:要|需)?\s*(?:达到|达|为|保持在|保持|在|不低于|不少于|超过)?\s*$")


def extract(text: str, *, region: str | None = None, year: int | None = None,
            catalog: Catalog | None = None) -> list[Figure]:
    """All figures of a work plan, in document order.

    ``year`` is the plan year to use when the document names none; headings decide the year of each
    section ("一、2019年工作总结" → 2019 actuals, "二、2020年工作要点" → 2020 targets). ``catalog`` is used to
    attach ``indicator_code`` (None when no indicator fits). ``region`` is copied onto every record.
    """
    secs = sections(text, default_year=int(year) if year is not None else None)
    quoted = _quoted_spans(text)
    noise = _noise_spans(text)
    sents = sentences(text)
    figures: list[Figure] = []
    prev_comparator_in_sentence: dict[int, str] = {}
    for clause in clauses(text):
        if any(a <= clause.start < b for a, b in noise):
            continue
        local_quotes = [(a - clause.start, b - clause.start) for a, b in quoted
                        if a < clause.end and b > clause.start]
        tokens = scan_clause(clause.text, local_quotes)
        kept = [k for k in tokens if not k.excluded]
        if not kept:
            continue
        section = section_at(secs, clause.start)
        sentence = _containing(sents, clause.start)
        sentence_key = sentence.start if sentence else clause.start
        t = clause.text
        for i, tok in enumerate(kept):
            prev_end = _prev_end(tokens, tok)
            next_tok = kept[i + 1] if i + 1 < len(kept) else None
            indicator, items, pre_part = _indicator(t, tok, prev_end, next_tok)
            category = _respectively(t, kept, tok)
            if category:
                indicator, pre_part = category, category
            comp = comparator(t, tok, prev_end, next_tok, indicator, section.mode,
                              prev_comparator_in_sentence.get(sentence_key))
            prev_comparator_in_sentence[sentence_key] = comp
            sentence_prefix = text[sentence.start if sentence else clause.start: clause.start + tok.num_start]
            kind, fig_year, notes = _kind_and_year(section, t, tok, sentence_prefix, indicator)
            notes = tok.notes + notes
            if tok.tail == "左右" or re.search(r"(?:约|近|大约)\s*$", t[:tok.num_start]):
                notes.append("approximate")
            if t[:tok.num_start].lstrip().startswith("其中"):
                notes.append("subset")
            context = (sentence.text if sentence else "", section.heading)
            for name in items or [indicator]:
                wordings = [name] if items else [name, pre_part]
                code_ind = (match_indicator(catalog, wordings, tok.unit)
                            if catalog is not None and not tok.threshold else None)
                figures.append(Figure(
                    kind=kind, sentence=t, indicator=name, indicator_code=code_ind.code if code_ind else None,
                    value=tok.value, value_min=tok.value_min, unit=tok.unit, comparator=comp, year=fig_year,
                    area=area_of(code_ind, name, t, *context), region=region,
                    notes="; ".join(dict.fromkeys(notes)), start=clause.start, end=clause.end,
                    value_start=clause.start + tok.num_start, value_end=clause.start + tok.end,
                    section=section.heading,
                ))
    return figures


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for pattern in _QUOTES for m in pattern.finditer(text)]
    # ASCII double quotes pair up in order within a line
    for line in re.finditer(r"[^\n]+", text):
        positions = [line.start() + i for i, c in enumerate(line.group()) if c == '"']
        for a, b in zip(positions[::2], positions[1::2]):
            if b - a <= 26:
                spans.append((a, b + 1))
    return spans


def _noise_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        if _NOISE_LINE.match(line):
            spans.append((start, start + len(line) + 1))
        start += len(line) + 1
    return spans


def _containing(spans: list[Span], offset: int) -> Span | None:
    for span in spans:
        if span.start <= offset < span.end:
            return span
    return None


def _prev_end(tokens: list[Token], tok: Token) -> int:
    """Where the text describing ``tok`` can begin: after the previous numeral, or at a meta count's start."""
    prev = [k for k in tokens if k.end <= tok.num_start]
    if not prev:
        return 0
    last = prev[-1]
    if last.excluded:
        return _prev_end(tokens, last)  # a date, name or baseline inside the wording is part of it
    return last.end


def _indicator(t: str, tok: Token, prev_end: int, next_tok: Token | None) -> tuple[str, list[str], str]:
    """(indicator as written, [one indicator per item] when one figure is shared by several indicators,
    the wording before the figure alone)."""
    pre_raw = t[prev_end:tok.num_start]
    meta = tok.meta_count
    if meta:
        pre_raw = re.sub(r"\d+\s*个\s*$", "", pre_raw)
    if tok.baseline_of is not None:
        pre_raw = re.sub(r"(?:从|由)[^从由]*$", "", pre_raw)
    pre_all = clean_indicator(pre_raw)
    # "打造2个展示点、2个博物馆": what precedes the last 、 names the previous figure, not this one
    pre = clean_indicator(_after_last_separator(pre_raw)) if prev_end else pre_all
    post = clean_indicator(_post_text(t, tok, next_tok.num_start if next_tok else len(t), cut=next_tok is not None))
    if not pre:
        indicator = post
    elif len(post) <= 1:
        indicator = pre
    else:
        indicator = pre + post
    if len(indicator) < 2 or indicator in lx.MODAL_PREFIXES + lx.TRAILING_WORDS:
        indicator = t.strip()  # "保持全省第二": the clause is the best wording there is

    items: list[str] = []
    shared = bool(_SHARED.search(pre_raw)) or bool(meta)
    parts = split_items(pre_all) if pre_all else []
    if not shared and tok.unit in ("%", "‰") and len(parts) >= 2 and sum(p.endswith("率") for p in parts) >= 2:
        shared = True  # "探访关爱率、幸福清单送达率达100%": one figure, two rates (hard case 3)
    if shared and len(parts) >= 2:
        items = _with_common_head(parts)
    return indicator, items, pre


_MARKERS = ("按", "对", "将", "把", "给", "向")


def _respectively(t: str, kept: list[Token], tok: Token) -> str | None:
    """"A、B和C分别为x、y、z": the indicator of the i-th figure is the i-th category (R2, hard case 2).

    "特困人员供养标准按全自理、半护理和全护理分别为…" → "特困人员供养标准(全自理)"; a prefix enumeration
    "一、二级重度残疾人护理补贴标准分别提高至…" → "一级重度残疾人护理补贴标准", "二级…".
    """
    at = t.find("分别")
    if at < 0 or tok.num_start < at:
        return None
    figures = [k for k in kept if k.num_start > at]
    segment = t[:at]
    parts = split_items(segment)
    if len(parts) < 2 or len(parts) != len(figures):
        return None
    first_sep = len(parts[0])
    marker = max(segment.rfind(m, 0, segment.find(parts[0]) + first_sep) for m in _MARKERS)
    index = figures.index(tok)
    if marker >= 0:
        base = clean_indicator(segment[:marker])
        items = split_items(segment[marker + 1:])
        if len(items) != len(figures):
            return None
        item = items[index].split("的")[0]
        return f"{base}({item})" if base else item
    items = [clean_indicator(p) for p in parts]
    first, last = items[0], items[-1]
    if len(last) - len(first) >= 4:
        tail = last[len(first):]
        items = [item + tail for item in items[:-1]] + [last]
    return items[index]


def _after_last_separator(text: str) -> str:
    depth, cut = 0, 0
    for i, char in enumerate(text):
        if char in "(（[【":
            depth += 1
        elif char in ")）]】":
            depth = max(0, depth - 1)
        elif char == "、" and depth == 0:
            cut = i + 1
    return text[cut:]


def _with_common_head(parts: list[str]) -> list[str]:
    """"农村新编制门牌归集、入图、准确率" → the short items borrow the first item's subject."""
    first, rest = parts[0], parts[1:]
    longest = max(len(p) for p in rest)
    if longest <= 4 and len(first) > longest + 3:
        head = first[: len(first) - min(len(p) for p in rest)]
        return [first] + [head + p for p in rest]
    return parts


def _kind_and_year(section: Section, t: str, tok: Token, sentence_prefix: str,
                   indicator: str) -> tuple[str, int | None, list[str]]:
    """R3: section membership decides kind; a threshold is a standard; a past year or 已 in a plan is an actual."""
    year = section.year
    notes: list[str] = []
    clause_before = t[:tok.num_start]
    mentions = list(_YEAR_MENTION.finditer(sentence_prefix))
    stated = None
    for m in mentions:
        if m.group("pre") in ("从", "自"):
            continue
        stated = (int(m.group("y")), m.group("pre"))
    is_standard_text = "标准" in t.replace("标准化", "")
    if tok.threshold:
        return STANDARD, year, notes
    if section.mode == SUMMARY:
        if stated and stated[0] > (year or 0) and re.search(r"力争|计划|预计|拟|将", sentence_prefix):
            return TARGET, stated[0], notes
        return (STANDARD if is_standard_text else ACTUAL), year, notes

    # plan section
    if stated and year and stated[0] < year and stated[1] not in ("到", "至", "力争", "争取"):
        return (STANDARD if is_standard_text and not _has(clause_before, lx.RAISE_VERBS) else ACTUAL), stated[0], notes
    if any(w in t for w in lx.PAST_MARKERS):
        notes.append("year assumed")
        return ACTUAL, (year - 1) if year else None, notes
    if is_standard_text and re.search(lx.STANDARD_FACT, t) and not _has(clause_before, lx.RAISE_VERBS[:-2]):
        return STANDARD, year, notes
    if stated and year and stated[0] > year:
        return TARGET, stated[0], notes
    return TARGET, year, notes


def _has(text: str, words) -> bool:
    return any(w in text for w in words)
