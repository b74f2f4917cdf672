"""Read a table of numbers from a text file (Python's csv), with one sentence for every bad file.

Two layouts: a CSV with a header row, and seed 004's header-less whitespace-separated one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minibatch.errors import UserError

FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Table:
    """Column names and the raw text of every cell, row by row."""

    path: Path
    columns: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        """The raw cells of one column, or an error listing the columns there are."""
        if name not in self.columns:
            raise UserError(
                f"{self.path} has no column {name!r}; its columns are: {', '.join(self.columns)}."
            )
        position = self.columns.index(name)
        return [row[position] for row in self.rows]

    def numbers(self, name: str) -> np.ndarray:
        """One column as float64, refusing the first cell that is not a number."""
        cells = self.column(name)
        try:
            values = np.array([float(cell) for cell in cells], dtype=np.float64)
        except ValueError:
            row, cell = next((i, c) for i, c in enumerate(cells) if not is_number(c))
            raise UserError(
                f"column {name!r} of {self.path} is not numeric (row {row + 1}: {cell!r}); "
                "fix the value or leave the column out with data.drop_columns."
            ) from None
        # float() reads "nan" and "inf" as numbers; past float32's range a value trains as inf.
        bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise UserError(
                f"column {name!r} of {self.path} has a value that is not a finite number "
                f"a model can hold (row {row + 1}: {cells[row]!r}); fix or remove that row."
            )
        return values


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_line(line: str, sep: str | None) -> list[str]:
    """The cells of one line; with a separator, read as CSV ("1,5" quoted is one cell)."""
    if not sep:
        return line.split()
    return [cell.strip() for cell in next(csv.reader([line], delimiter=sep))]


def read_table(path: str | Path, names: list[str] | None = None, sep: str | None = None) -> Table:
    """Read `path`; the separator is "," when the first line has one, else whitespace.

    A first row with any non-numeric cell is the header; otherwise `names` names the
    columns (or col0, col1, ... when not given).
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"data file {path} is a folder: point data.path= at your table file.")
    if not path.is_file():
        raise UserError(f"data file {path} does not exist: point data.path= at your table file.")
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a spreadsheet's byte order mark
    except UnicodeDecodeError as error:
        byte = f"byte {error.start} is {error.object[error.start]:#x}"
        raise UserError(
            f"{path} is not a UTF-8 text table ({byte}): save it as a UTF-8 CSV file."
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{path} is empty: it needs a header row and at least one row of data.")
    sep = sep if sep is not None else ("," if "," in lines[0] else None)
    first = split_line(lines[0], sep)
    has_header = not all(is_number(cell) for cell in first)
    columns = first if has_header else list(names or [f"col{i}" for i in range(len(first))])
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise UserError(
            f"{path} has more than one column named {', '.join(map(repr, repeated))}: give every "
            "column its own name in the header."
        )
    rows = [split_line(line, sep) for line in lines[int(has_header) :]]
    if not rows:
        raise UserError(f"{path} has a header but no rows of data.")
    for number, row in enumerate(rows, start=int(has_header) + 1):
        if len(row) != len(columns):
            raise UserError(
                f"line {number} of {path} has {len(row)} values but there are {len(columns)} "
                "columns: every row needs one value per column."
            )
    return Table(path, columns, rows)
