"""Find the figures of a work plan and say what each one is: target, actual or standard, with its comparator.

The rules follow the labelling rules of the gold set (shared/targets/README.md, R1–R8) and are general:
they look at units, the words next to a number and the section a clause is in, never at particular texts.

Pipeline per clause: scan numerals with their units (scan_clause) → drop numerals that are not figures
(dates, ordinals, slogans in quotes, grades, population qualifiers…) → mark baselines of "从A增加到B" →
name the indicator and split one figure shared by several indicators → comparator → kind and year.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from etl.workplan import lexicon as lx
from etl.workplan.numerals import CN_CHARS, FULL_WIDTH, parse_arabic, parse_chinese, split_multiplier
from etl.workplan.structure import PLAN

TARGET, ACTUAL, STANDARD = "target", "actual", "standard"
KINDS = (TARGET, ACTUAL, STANDARD)
COMPARATORS = (">=", "<=", "=", "+")


@dataclass
class Figure:
    """One figure of a document: one (number, indicator) pair, as the staff would confirm it.

    ``sentence`` is the clause verbatim (``text[start:end]``); ``value_start``/``value_end`` locate the number
    and its unit inside the document, for highlighting. ``value`` is in the written ``unit`` (4.9 with 万人).
    """
    kind: str
    sentence: str
    indicator: str
    indicator_code: str | None
    value: float
    value_min: float | None
    unit: str
    comparator: str
    year: int | None
    area: str | None
    region: str | None = None
    notes: str = ""
    start: int = 0
    end: int = 0
    value_start: int = 0
    value_end: int = 0
    section: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------------------------------------ scanning

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_NUM = f"[{CN_CHARS}〇]+"
_NUMBER = re.compile(rf"(?P<pct>百分之)(?P<pctnum>{_ARABIC}|[零一二两三四五六七八九十]+)|(?P<ar>{_ARABIC})|(?P<cn>{_CN_NUM})")
_RANGE_SEP = re.compile(r"\s*[-—–~～至到]\s*")
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in lx.UNITS)
_AFTER_NUMBER = re.compile(
    r"[ \u3000]*(?P<more1>多|余)?(?P<mult>千万|百万|万|亿)?(?P<more2>多|余)?"
    rf"(?P<unit>{_UNIT_ALTERNATION})"
    r"(?P<rate>[/／](?:人|户|村|床|张|个|月|年|天|日|次)(?:[/／·](?:月|年|天|日|人))?)?"
    r"(?P<tail>及以上|以上|及以下|以下|以内|之内|左右)?"
)
_PER_ITEM = re.compile(r"每(?P<noun>人|户|村|床|名|个|家|所|社区)(?:每?(?P<per>月|年|天|日))?")
_RANK = re.compile(r"(?:全国|全省|全市|全区|全县|全州|全盟|全自治区|全系统|同类城市)(?:排名|排位|位居|位列|排在|稳居|居)?"
                   r"(?:(?P<front>前)|第)(?P<n>[一二三四五六七八九十]|\d{1,2})(?:名|位)?(?![\d一二三四五六七八九十个家项次条])")
_MEETINGS = ("全会", "会议", "党代会", "代表大会", "全体会议", "全委会")
_QUAL_NOUN = re.compile(r"^[^\d,，。;；]{0,8}?(?:群体|人员|人口|家庭|老人|老年人|儿童|对象|学生|残疾人)")


@dataclass
class Token:
    """A numeral found in a clause, with its unit; offsets are relative to the clause."""
    num_start: int
    num_end: int
    end: int
    value: float
    value_min: float | None
    unit: str
    chinese: bool = False
    more: bool = False          # 多/余 between number and unit: "520多万元"
    tail: str = ""              # 以上/以下/以内/左右 after the unit
    rank: bool = False
    rank_front: bool = False    # "前三名": a rank bound
    excluded: str = ""          # why the numeral is not a figure, "" when it is one
    threshold: bool = False     # "3000元及以下的审批权限": a policy threshold
    baseline_of: float | None = None  # for B of "从A增加到B": the value A
    meta_count: int | None = None     # for X of "4个100%": the 4
    notes: list[str] = field(default_factory=list)


def scan_clause(text: str, quoted: list[tuple[int, int]] | None = None) -> list[Token]:
    """All numerals in a clause with the unit after them, each marked ``excluded`` when it is not a figure.

    ``quoted`` holds clause-relative spans inside quotation marks or 《》: numerals there are names.
    """
    t = text.translate(FULL_WIDTH)
    tokens: list[Token] = []
    taken: list[tuple[int, int]] = []
    for m in _RANK.finditer(t):
        n = m.group("n")
        value = float(n) if n.isdigit() else parse_chinese(n)
        if value:
            tok = Token(m.start(), m.end(), m.end(), value, None, "名次", rank=True, rank_front=bool(m.group("front")))
            tokens.append(tok)
            taken.append((m.start(), m.end()))
    pos = 0
    while True:
        m = _NUMBER.search(t, pos)
        if not m:
            break
        pos = m.end()
        if any(a <= m.start() < b for a, b in taken):
            continue
        tok = _read_figure(t, m)
        if tok is None:
            continue
        pos = max(pos, tok.end)
        _exclude(t, tok, quoted or [])
        tokens.append(tok)
    tokens.sort(key=lambda k: k.num_start)
    _mark_meta_counts(t, tokens)
    _mark_baselines(t, tokens)
    _apply_per_item(t, tokens)
    return tokens


def _read_figure(t: str, m: re.Match) -> Token | None:
    if m.group("pct"):
        num = m.group("pctnum")
        value = parse_arabic(num) if num[0].isdigit() else parse_chinese(num)
        if value is None:
            return None
        tok = Token(m.start(), m.end(), m.end(), value, None, "%", chinese=not num[0].isdigit())
        _read_tail(t, tok)
        return tok
    chinese = m.group("cn") is not None
    raw = m.group("cn") or m.group("ar")
    start, num_end = m.start(), m.end()
    mult = ""
    value: float | None
    if chinese:
        raw, mult = split_multiplier(raw)
        if raw in ("万", "千", "百", "亿", "十"):
            # a bare 万/千/百 is a denominator or an idiom ("万名老年人", "千家万户"), not a number written out
            return Token(start, num_end, num_end, 0.0, None, "", chinese=True, excluded="bare multiplier")
        value = parse_chinese(raw)
    else:
        value = parse_arabic(raw)
    if value is None:
        return None
    # a trailing 万/亿 of a Chinese numeral is read again below, as the unit's multiplier ("五万人" → 5 万人)
    j = num_end - len(mult)
    value_min = None
    if not mult:
        sep = _RANGE_SEP.match(t, j)
        second = _NUMBER.match(t, sep.end()) if sep else None
        if second and (second.group("cn") is not None) == chinese and not second.group("pct"):
            second_raw, second_mult = second.group("cn") or second.group("ar"), ""
            if chinese:
                second_raw, second_mult = split_multiplier(second_raw)
            second_value = parse_chinese(second_raw) if chinese else parse_arabic(second_raw)
            if second_value is not None and _AFTER_NUMBER.match(t, second.end() - len(second_mult)):
                value_min, value = value, second_value  # "3-5个", "三至五家": value is the upper bound
                j = second.end() - len(second_mult)
    after = _AFTER_NUMBER.match(t, j)
    if after is None:
        return None
    unit = (after.group("mult") or "") + after.group("unit") + (after.group("rate") or "").replace("／", "/")
    tok = Token(start, j, after.end(), value, value_min, unit, chinese=chinese,
                more=bool(after.group("more1") or after.group("more2")), tail=after.group("tail") or "")
    if tok.value_min is not None:
        tok.notes.append("range")
    return tok


def _read_tail(t: str, tok: Token) -> None:
    m = re.compile(r"(及以上|以上|及以下|以下|以内|之内|左右)").match(t, tok.end)
    if m:
        tok.tail, tok.end = m.group(1), m.end()


def _exclude(t: str, tok: Token, quoted: list[tuple[int, int]]) -> None:
    """Set ``tok.excluded`` for numerals that are not figures (gold set R8)."""
    if tok.excluded:
        return
    before, after_num = t[:tok.num_start], t[tok.num_end:]
    unit_base = tok.unit.lstrip("千百万亿").split("/")[0] or tok.unit
    if any(a <= tok.num_start < b for a, b in quoted):
        tok.excluded = "quoted name"
    elif tok.unit in lx.NON_FIGURE_UNITS or unit_base in lx.NON_FIGURE_UNITS:
        tok.excluded = "date, ordinal or label"
    elif before.endswith("第") or before.endswith("首"):
        tok.excluded = "ordinal"
    elif before.endswith("每"):
        tok.excluded = "denominator"  # "每万名", "每10万人口"
    elif re.search(r"[A-Za-z+＋]$", before) or re.match(r"[A-Za-z+＋]", after_num):
        tok.excluded = "code or grade"
    elif any(t.startswith(name, tok.num_start) for name in lx.FIXED_NAMES):
        tok.excluded = "fixed name"
    elif tok.chinese and (unit_base not in lx.CHINESE_NUMERAL_UNITS and tok.unit not in lx.CHINESE_NUMERAL_UNITS):
        tok.excluded = "rhetorical Chinese numeral"
    elif tok.chinese and re.match(f"[{CN_CHARS}]", t[tok.end:tok.end + 1]):
        tok.excluded = "slogan"  # "一人一档", "三个一点"
    elif t.startswith("性", tok.end):
        tok.excluded = "adjective"  # "一次性"
    elif unit_base == "个" and any(t.startswith(w, tok.end) for w in lx.DURATION_NOUNS):
        tok.excluded = "duration"  # "3个月", "今后一个时期"
    elif unit_base == "次" and any(t.startswith(w, tok.end) for w in _MEETINGS):
        tok.excluded = "meeting ordinal"  # "五次全会"
    elif unit_base in ("元",) and tok.tail in ("以下", "以上") and "收入" in before[-8:] and not t.startswith("的", tok.end):
        tok.excluded = "population qualifier"  # "家庭年收入10万元以下低收入群体"
    elif tok.tail in ("以下", "以上", "及以下", "及以上") and unit_base in ("元",) and _QUAL_NOUN.match(t[tok.end:]) \
            and not t.startswith("的", tok.end):
        tok.excluded = "population qualifier"
    if not tok.excluded and unit_base == "元" and tok.tail in ("以下", "及以下") and t.startswith("的", tok.end):
        tok.threshold = True


def _mark_meta_counts(t: str, tokens: list[Token]) -> None:
    """"归集、入图、准确率及标志设置4个100%": the 4 counts the targets, it is not one (R8 label_count)."""
    for first, second in zip(tokens, tokens[1:]):
        if first.excluded or second.excluded:
            continue
        if first.unit == "个" and second.unit == "%" and not t[first.end:second.num_start].strip():
            first.excluded = "meta count"
            second.meta_count = int(first.value)


def _base(unit: str) -> str:
    """"万元/人/年" → "元": the unit without multiplier and rate."""
    return unit.split("/")[0].lstrip("千百万亿") or unit


def _apply_per_item(t: str, tokens: list[Token]) -> None:
    """"每人每月115元、85元" → 元/人/月; "每村一次性给予补助50万元" → 万元/村 (R5: a rate prefix joins the unit).

    Only money takes the prefix: in "每个片区打造1个" or "每万名老年人口拥有…20张" the 每 phrase is a scope
    or a denominator, and the unit stays as written.
    """
    kept = [k for k in tokens if not k.excluded]
    for tok in kept:
        if _base(tok.unit) == "元" and "/" not in tok.unit:
            matches = [m for m in _PER_ITEM.finditer(t, 0, tok.num_start)]
            if matches:
                m = matches[-1]
                other_between = any(m.end() <= k.num_start < tok.num_start and _base(k.unit) != "元" for k in kept)
                if not other_between:
                    tok.unit += f"/{m.group('noun')}" + (f"/{m.group('per')}" if m.group("per") else "")


_FROM = re.compile(r"(?:从|由)[^\d,，。;；、]{0,6}$")  # "从285个", "由每人每月780元"
_TO = re.compile(r"(?:增加|提高|提升|发展|扩大|增长|上升|下降|减少|降低|调整|扩展|拓展|增)?(?:到|至)")


def _mark_baselines(t: str, tokens: list[Token]) -> None:
    """"从285个增加到305个": one figure, 305, with 285 as its baseline (README hard case 1)."""
    kept = [k for k in tokens if not k.excluded]
    for first, second in zip(kept, kept[1:]):
        if _FROM.search(t[max(0, first.num_start - 8):first.num_start]) and _TO.search(t[first.end:second.num_start]):
            first.excluded = "baseline"
            second.baseline_of = first.value
            second.notes.append(f"baseline {first.value:g}")


# ------------------------------------------------------------------------------------------------ indicator

_LIST_NUMBER = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|"
                          r"[\u2460-\u2473])\s*")
_LEADING_YEAR = re.compile(r"^(?:到|至|在|于|截至|截止)?\s*(?:19|20)\d{2}\s*年(?:底|末|内|度)?(?:前|起)?[,，]?")
_SEPARATORS = re.compile(r"、|以及|及|和|与")


_PER_ITEM_TAIL = re.compile(r"每(?:人|户|村|床|名|个|家|所|社区)(?:每?(?:月|年|天|日))?\s*$")


def clean_indicator(text: str) -> str:
    """The indicator as written, minus modal framing at the start and comparator words at the end (R6)."""
    s = _PER_ITEM_TAIL.sub("", text).strip(" \u3000、,，;；:：")
    changed = True
    while changed and s:
        changed = False
        stripped = _LEADING_YEAR.sub("", _LIST_NUMBER.sub("", s))
        for word in lx.MODAL_PREFIXES:
            if stripped.startswith(word) and len(stripped) > len(word):
                stripped = stripped[len(word):]
        for word in lx.TRAILING_WORDS:
            if stripped.endswith(word) and len(stripped) > len(word):
                stripped = stripped[: -len(word)]
        stripped = stripped.strip(" \u3000、,，的")
        if stripped != s:
            s, changed = stripped, True
    return s


def _post_text(t: str, tok: Token, next_start: int, cut: bool = True) -> str:
    """The words after a figure that name it ("启动100户…试点服务"); up to the next 、 when a figure follows."""
    post = t[tok.end:next_start]
    if cut:
        post = _before_separator(post)
    post = post.lstrip("的").strip()
    post = re.sub(r"(?:工作|等)$", "", post)
    return post


def _before_separator(text: str) -> str:
    """The text up to the first 、 or comma outside brackets ("区(县、市)开展…" keeps its brackets)."""
    depth = 0
    for i, char in enumerate(text):
        if char in "(（[【":
            depth += 1
        elif char in ")）]】":
            depth = max(0, depth - 1)
        elif char in "、,，" and depth == 0:
            return text[:i]
    return text


def split_items(text: str) -> list[str]:
    """Split an enumeration at 、/及/和/与, never inside brackets: "区(县、市)" stays whole."""
    items, depth, current = [], 0, ""
    i = 0
    while i < len(text):
        char = text[i]
        if char in "(（[【":
            depth += 1
        elif char in ")）]】":
            depth = max(0, depth - 1)
        if depth == 0:
            m = _SEPARATORS.match(text, i)
            if m and not text.startswith("及时", i):
                items.append(current)
                current = ""
                i = m.end()
                continue
        current += char
        i += 1
    items.append(current)
    return [x.strip() for x in items if x.strip()]


# ------------------------------------------------------------------------------------------------ comparator

def _ends_with(text: str, words: tuple[str, ...]) -> bool:
    s = text.rstrip(" \u3000")
    return any(s.endswith(w) for w in words)


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _has_verb(text: str, verbs: tuple[str, ...]) -> bool:
    """A verb of the list in the text, not counting nouns that contain one ("开发区", "社会组织")."""
    for noun in lx.NOUN_COMPOUNDS:
        text = text.replace(noun, "")
    return any(v in text for v in verbs)


_FOR_SCOPE = re.compile(r"(?:^|[共并将要再还元,，])为")


def comparator(t: str, tok: Token, prev_end: int, next_tok: Token | None, indicator: str, mode: str,
               prev_comparator: str | None) -> str:
    """R4 of the gold set, first match wins: <=, >=, then = for levels and + for what the year produces."""
    adjacent = t[prev_end:tok.num_start]
    before_all = t[:tok.num_start]
    after = t[tok.end:next_tok.num_start if next_tok else len(t)]
    le_bare = re.search(r"(?<!不)(?:" + "|".join(lx.LE_BEFORE_BARE) + r")\s*$", adjacent)
    if tok.tail in lx.LE_AFTER or _ends_with(adjacent, lx.LE_BEFORE) or le_bare or tok.threshold \
            or (tok.rank and tok.rank_front):
        return "<="
    # "不低于当地低保标准的1.3倍": the bound word governs a "…的" phrase before the number
    bound_of = re.search(r"(不低于|不少于|不高于|不超过)[^,，。；;、]{1,15}的\s*$", adjacent)
    if bound_of and bound_of.group(1) in ("不高于", "不超过"):
        return "<="
    if tok.more or tok.tail in ("以上", "及以上") or _ends_with(adjacent, lx.GE_BEFORE) or bound_of \
            or re.search(lx.GE_BEFORE_VERB, adjacent):
        return ">="
    if tok.rank:
        return "="
    if tok.unit in lx.PERCENT_UNITS:
        uplift = re.search(r"(?:" + "|".join(lx.UPLIFT_VERBS) + r")\s*$", adjacent.rstrip())
        return "+" if uplift else "="
    if "/" in tok.unit or tok.baseline_of is not None:
        return "="
    if mode == PLAN and "累计" in before_all:
        return "="
    head_verbs = tuple(v for v in lx.FLOW_VERBS if v not in lx.HEAD_FLOW_EXCLUDED)
    if indicator.startswith(lx.FLOW_PREFIXES) or indicator.startswith(head_verbs):
        return "+"
    if indicator.startswith(lx.PERIODIC_PREFIXES) or _has_any(indicator.replace("标准化", ""), lx.LEVEL_WORDS):
        return "="
    if re.search(r"按(?:照)?\s*$", adjacent):
        return "="  # "按2-5个片区确定": an allocation rule, not an output
    if next_tok is not None and next_tok.unit == "%" and not _has_verb(after, lx.FLOW_VERBS + lx.STATE_VERBS):
        return "="  # "推动10个区(县、市)100%开展": a scope restating a percentage (hard case 9)
    if _FOR_SCOPE.search(before_all):
        return "+"  # "为2000户…开展改造", "投入621.3万元为…"
    between = t[prev_end:tok.num_start] if prev_end else ""
    if prev_end and between.strip() and not re.search(r"[、和及与的]", between) \
            and not _has_verb(between, lx.FLOW_VERBS + lx.STATE_VERBS):
        return "="  # "12个县区300-500张床位…机构": the second figure sizes the first's object (hard case 8)
    if _has_verb(before_all, lx.FLOW_VERBS) or _has_verb(after, lx.FLOW_VERBS):
        return "+"
    if tok.unit.lstrip("万") in lx.EVENT_UNITS:
        return "+"
    if _has_verb(before_all, lx.STATE_VERBS):
        return "="
    if prev_comparator == "+" and not _has_verb(t, lx.STATE_VERBS):
        return "+"  # "整治大墓493个,活人墓1个": a list continues the verb of its first clause
    return "="
