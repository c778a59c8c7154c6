"""Header text normalisation shared by everything that recognises indicators by name."""

from __future__ import annotations

import re
import unicodedata

# Hierarchy markers in the 指标名称 column of 民政统计 forms and bureau tables: 一、 (一) 1. (1) ①
# A/I/II (followed by a space), 其中: and #. They order rows; they are not part of the name.
_PREFIXES = [
    re.compile(r"^其中\s*[:,]?\s*"),
    re.compile(r"^[#*]+\s*"),
    re.compile(r"^[一二三四五六七八九十]+\s*[、.]\s*"),
    re.compile(r"^\(\s*[一二三四五六七八九十]+\s*\)\s*"),
    re.compile(r"^\d{1,2}\s*[、.)]\s*(?!\d)"),
    re.compile(r"^\(\s*\d{1,2}\s*\)\s*"),
    re.compile(r"^(?:[A-Z]|I{1,3}|IV|VI{0,3}|IX|X)(?:\s*[、.)]\s*|\s+)"),
]
_CIRCLED = re.compile(r"^[\u2460-\u2473\u2776-\u277f]\s*")  # ①…⑳ before NFKC turns them into digits


def normalize_header(text: str) -> str:
    """Reduce a header to the key used for matching: NFKC, no hierarchy prefix, no whitespace, casefolded.

    Applied identically to catalogue names/aliases and to incoming headers, so both sides agree.
    """
    text = _CIRCLED.sub("", (text or "").strip())
    text = unicodedata.normalize("NFKC", text).strip()
    changed = True
    while changed:
        changed = False
        for pattern in _PREFIXES:
            stripped = pattern.sub("", text, count=1)
            if stripped != text and stripped:
                text, changed = stripped, True
    text = re.sub(r"\s+", "", text).rstrip("*:")
    return text.casefold()
