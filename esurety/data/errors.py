"""Errors in data files, each tied to a file, a line, a column and a field path.

Staff fix data by reading these messages, so they are plain Japanese and always say where.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataError(Exception):
    """One problem in one data file."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __reduce__(self) -> tuple[type[DataError], tuple[str, int, int, str, str]]:
        return type(self), (self.file, self.line, self.column, self.field, self.message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DataErrors(Exception):
    """Every problem found in one validation run, so staff can fix them all at once."""

    def __init__(self, errors: list[DataError]):
        self.errors = sorted(errors, key=lambda e: (e.file, e.line, e.column))
        super().__init__(self.report())

    def __reduce__(self) -> tuple[type[DataErrors], tuple[list[DataError]]]:
        return type(self), (self.errors,)  # pickled from a forked build step (esurety/site/parallel.py)

    def report(self) -> str:
        lines = [str(e) for e in self.errors]
        lines.append(f"{len(self.errors)} 件の誤りがあります。")
        return "\n".join(lines)
