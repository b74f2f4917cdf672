"""Read a table of numbers with pyarrow's columnar CSV reader, straight into float32 columns.

Every bad file ends in one sentence; finding its cause re-reads the file (a slow path taken
only when reading failed). Two layouts: a CSV with a header, seed 004's whitespace-separated one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as arrow_csv

from minibatch.errors import UserError

FLOAT32_MAX = float(np.finfo(np.float32).max)
BLANK = re.compile(rb"^[ \t]+|[ \t\r]+$", re.MULTILINE)
SPACES = re.compile(rb"[ \t]+")


@dataclass(frozen=True)
class Layout:
    """How the rows are laid out, learnt from the first line (the reader's options)."""

    path: Path
    columns: list[str]
    sep: str | None  # None: cells separated by runs of whitespace
    has_header: bool

    def source(self) -> str | io.BytesIO:
        """The file, or for whitespace-separated cells the file rewritten with commas."""
        if self.sep:
            return str(self.path)
        text = self.path.read_bytes().removeprefix(codecs.BOM_UTF8)
        return io.BytesIO(SPACES.sub(b",", BLANK.sub(b"", text)))

    def require(self, name: str) -> None:
        """Refuse a column that is not there, listing the columns there are."""
        if name not in self.columns:
            raise UserError(
                f"{self.path} has no column {name!r}; its columns are: {', '.join(self.columns)}."
            )

    def read(
        self, types: dict[str, pa.DataType], block_size: int | None = None,
        columns: list[str] | None = None,
    ):  # fmt: skip
        """The `columns` (default all) as Arrow arrays; a reader of blocks with `block_size`."""
        read_options = arrow_csv.ReadOptions(
            column_names=self.columns, skip_rows=int(self.has_header),
            **({"block_size": block_size} if block_size else {}),
        )  # fmt: skip
        parse_options = arrow_csv.ParseOptions(
            delimiter=self.sep or ",", invalid_row_handler=skip_blank_rows
        )
        convert_options = arrow_csv.ConvertOptions(
            column_types=types, null_values=[], strings_can_be_null=False,
            quoted_strings_can_be_null=False, include_columns=columns or [],
        )  # fmt: skip
        read = arrow_csv.open_csv if block_size else arrow_csv.read_csv
        return read(self.source(), read_options, parse_options, convert_options)

    def types(self, text: set[str]) -> dict[str, pa.DataType]:
        """float32 for every column but the `text` ones."""
        return {c: pa.string() if c in text else pa.float32() for c in self.columns}


@dataclass(frozen=True)
class Table:
    """The columns of a table file: float32 where every cell is a number, else text."""

    layout: Layout
    data: pa.Table

    @property
    def path(self) -> Path:
        return self.layout.path

    @property
    def columns(self) -> list[str]:
        return self.layout.columns

    def __len__(self) -> int:
        return self.data.num_rows

    def column(self, name: str) -> pa.ChunkedArray:
        """One column, or an error listing the columns there are."""
        self.layout.require(name)
        return self.data.column(name)

    def numbers(self, name: str) -> np.ndarray:
        """One column as float32, refusing the first cell that is not a finite float32."""
        return column_numbers(self.column(name), name, self.layout)

    def cells(self, name: str) -> pa.ChunkedArray:
        """One column's cells as text, without the whitespace around them."""
        column = self.column(name)
        if pa.types.is_string(column.type):
            return pc.utf8_trim_whitespace(column)
        return raw_cells(self.layout, name)


def column_numbers(column, name: str, layout: Layout, first_row: int = 0) -> np.ndarray:
    """`column` (rows from `first_row` on) as float32, or one sentence on its first bad cell."""
    if pa.types.is_string(column.type):
        try:
            column = pc.cast(pc.utf8_trim_whitespace(column), pa.float32())
        except pa.ArrowInvalid:
            cells = column.to_pylist()
            row, cell = next((i, c) for i, c in enumerate(cells) if not is_number(c))
            raise UserError(
                f"column {name!r} of {layout.path} is not numeric "
                f"(row {first_row + row + 1}: {cell!r}); "
                "fix the value or leave the column out with data.drop_columns."
            ) from None
    values = column.to_numpy()
    # "nan" and "inf" read as numbers; past float32's range a value reads as inf.
    bad = ~np.isfinite(values)
    if bad.any():
        row = first_row + int(np.flatnonzero(bad)[0])
        cell = raw_cells(layout, name)[row].as_py()
        raise UserError(
            f"column {name!r} of {layout.path} has a value that is not a finite number "
            f"a model can hold (row {row + 1}: {cell!r}); fix or remove that row."
        )
    return values


def raw_cells(layout: Layout, name: str) -> pa.ChunkedArray:
    """One column re-read as text: its cells as they are written in the file."""
    column = layout.read({name: pa.string()}, columns=[name]).column(name)
    return pc.utf8_trim_whitespace(column)


def all_numbers(cells: pa.Array) -> bool:
    """Whether every cell of a text column reads as a number."""
    try:
        pc.cast(cells, pa.float64())
    except pa.ArrowInvalid:
        return False
    return True


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def skip_blank_rows(row) -> str:
    """pyarrow's hook for a row with the wrong number of cells: skip it if it is blank."""
    return "skip" if not row.text.strip() else "error"


def split_line(line: str, sep: str | None) -> list[str]:
    """The cells of one line; with a separator, read as CSV ("1,5" quoted is one cell)."""
    if not sep:
        return line.split()
    return [cell.strip() for cell in next(csv.reader([line], delimiter=sep))]


def read_table(
    path: str | Path, names: list[str] | None = None, sep: str | None = None,
    text_columns: tuple[str, ...] = (),
) -> Table:  # fmt: skip
    """Read `path`; the separator is "," when the first line has one, else whitespace.

    A first row with any non-numeric cell is the header; otherwise `names` names the
    columns (or col0, col1, ... when not given). `text_columns` are kept as text; a column
    with any cell that is not a number is too.
    """
    layout = read_layout(Path(path), names, sep)
    text = set(text_columns) & set(layout.columns)
    while True:
        try:
            data = layout.read(layout.types(text))
            break
        except pa.ArrowInvalid as error:
            name = float_column(error, layout)
            if name is None or name in text:
                raise unreadable(error, layout) from None
            text.add(name)
    if data.num_rows == 0:
        raise UserError(f"{layout.path} has a header but no rows of data.")
    return Table(layout, data)


def read_layout(path: Path, names: list[str] | None, sep: str | None) -> Layout:
    """The columns and separator, from the first line that is not blank."""
    if path.is_dir():
        raise UserError(f"data file {path} is a folder: point data.path= at your table file.")
    if not path.is_file():
        raise UserError(f"data file {path} does not exist: point data.path= at your table file.")
    first = first_line(path)
    sep = sep if sep is not None else ("," if "," in first else None)
    cells = split_line(first, sep)
    has_header = not all(is_number(cell) for cell in cells)
    columns = cells if has_header else list(names or [f"col{i}" for i in range(len(cells))])
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise UserError(
            f"{path} has more than one column named {', '.join(map(repr, repeated))}: give every "
            "column its own name in the header."
        )
    return Layout(path, columns, sep, has_header)


def first_line(path: Path) -> str:
    """The first line with a cell, decoded (a spreadsheet's byte order mark dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as file:
        text, offset = "", 0
        for block in iter(lambda: file.read(1 << 16), b""):
            text += utf8_text(decoder, block, offset, path)
            offset += len(block)
            lines = text.splitlines()
            if len(lines) > 1 and any(line.strip() for line in lines[:-1]):
                break
    line = next((line for line in text.splitlines() if line.strip()), None)
    if line is None:
        raise UserError(f"{path} is empty: it needs a header row and at least one row of data.")
    return line


def utf8_text(decoder, block: bytes, offset: int, path: Path) -> str:
    try:
        return decoder.decode(block)
    except UnicodeDecodeError as error:
        byte = f"byte {offset + error.start} is {block[error.start]:#x}"
        raise UserError(
            f"{path} is not a UTF-8 text table ({byte}): save it as a UTF-8 CSV file."
        ) from None


def float_column(error: pa.ArrowInvalid, layout: Layout) -> str | None:
    """The column whose cells could not be read as float32 numbers, if that was the error."""
    column = re.search(r"CSV column #(\d+): (Row #\d+: )?CSV conversion error to float", str(error))
    return layout.columns[int(column.group(1))] if column else None


def unreadable(error: pa.ArrowInvalid, layout: Layout) -> UserError:
    """The one sentence that says why the file cannot be read as a table."""
    check_utf8(layout.path)
    check_row_lengths(layout)
    return UserError(f"{layout.path} cannot be read as a table ({error}): check its format.")


def check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8, naming the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        offset = 0
        for block in iter(lambda: file.read(1 << 20), b""):
            utf8_text(decoder, block, offset, path)
            offset += len(block)


def check_row_lengths(layout: Layout) -> None:
    """Refuse the first line whose number of cells differs from the header's."""
    with layout.path.open(encoding="utf-8-sig") as file:
        lines = ((n, line) for n, line in enumerate(file, start=1) if line.strip())
        for number, line in lines:
            row = split_line(line.rstrip("\r\n"), layout.sep)
            if row and len(row) != len(layout.columns):
                raise UserError(
                    f"line {number} of {layout.path} has {len(row)} values but there are "
                    f"{len(layout.columns)} columns: every row needs one value per column."
                )
