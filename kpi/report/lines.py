"""Breaking Chinese text into lines: anywhere between two Chinese characters, never inside a number or a Latin word,
never before closing punctuation (，。、；：）” stay at the end of the line they close) and never after opening
punctuation （“. Shared by the pictures (matplotlib) and the PDF (reportlab), each measuring with its own renderer's
metrics of the same font, so a line is never wider than the column it was broken for.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A token is a run of digits, Latin letters and the signs that belong to a number (1,234.5 · +0.16 · −99 · 83.0% ·
# 3～5 · 张/万老年人's "/") or one other character, with the opening punctuation before it and the closing punctuation
# after it: a line never ends on （ or “ and never starts with ，。、；：）”.
_TOKENS = re.compile(r"[（“]*(?:[0-9A-Za-z.,%+\-−±～~/·()]+|.)[，。、；：）”)]*", re.S)


def break_lines(text: str, width: float, measure: Callable[[str], float], indent: float = 0.0) -> list[str]:
    """``text`` as lines no wider than ``width`` by ``measure``, the first one ``indent`` narrower (a token wider than
    that gets a line of its own). Always at least one line."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if line and measure(line + token) > width - (0.0 if lines else indent):
            lines.append(line)
            line = token.lstrip()
        else:
            line += token
    return [*lines, line] if line or not lines else lines
