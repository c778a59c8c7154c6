"""The one error type for problems a user must see: where (file, sheet, row, column), why, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
SEVERITY_NAMES = {ERROR: "错误", WARNING: "提示"}


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB), because staff find cells by Excel's names."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    message: str
    hint: str = ""
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    col: str | None = None  # Excel column letters

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def where(self) -> str:
        parts = [f"文件「{self.file}」"]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.col:
            parts.append(f"{self.col}列")
        return "，".join(parts)

    def format(self) -> str:
        text = f"[{SEVERITY_NAMES[self.severity]}] {self.where}：{self.message}"
        if self.hint:
            text += f"。处理办法：{self.hint}"
        return text

    def as_dict(self) -> dict:
        return {"级别": SEVERITY_NAMES[self.severity], "文件": self.file, "工作表": self.sheet or "",
                "行": self.row, "列": self.col or "", "问题": self.message, "处理办法": self.hint}


class Checked:
    """A checked file's report: its ``problems`` split into the errors that refuse it and the warnings that don't."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


class InputError(Exception):
    """A file that cannot be read at all (not the format it claims, unknown encoding, empty)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.format())
        self.problem = problem
