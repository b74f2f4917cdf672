"""Read a table of numbers from a text file, with one-sentence errors for every bad file.

Two layouts are accepted: a CSV with a header row (`a,b,c`), and the whitespace-separated,
header-less layout of seed 004's Boston file (then the column names are given).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minibatch.errors import UserError


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
        if not np.isfinite(values).all():  # float() reads "nan" and "inf" as numbers
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise UserError(
                f"column {name!r} of {self.path} has a value that is not a finite number "
                f"(row {row + 1}: {cells[row]!r}); fix or remove that row."
            )
        return values


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_line(line: str, sep: str | None) -> list[str]:
    return [cell.strip() for cell in line.split(sep)] if sep else line.split()


def read_table(path: str | Path, names: list[str] | None = None, sep: str | None = None) -> Table:
    """Read `path`; the separator is "," when the first line has one, else whitespace.

    A first row with any non-numeric cell is the header; otherwise `names` names the
    columns (or col0, col1, ... when not given).
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"data file {path} does not exist: point data.path= at your table file.")
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{path} is empty: it needs a header row and at least one row of data.")
    sep = sep if sep is not None else ("," if "," in lines[0] else None)
    first = split_line(lines[0], sep)
    has_header = not all(is_number(cell) for cell in first)
    columns = first if has_header else list(names or [f"col{i}" for i in range(len(first))])
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
