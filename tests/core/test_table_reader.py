"""The columnar table reader: float32 columns straight from the file, text where a column
holds any, and the file's own line and byte in its one-sentence errors."""

from __future__ import annotations

import numpy as np
import pytest

from minibatch.data.tables.table_file import read_table
from minibatch.errors import UserError
from tests.core.test_tables import csv_module


def test_columns_are_read_straight_into_float32(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1.5,2,yes\n3, 4.25 ,no\n")
    table = read_table(path)
    assert table.numbers("a").dtype == np.float32
    assert table.numbers("b").tolist() == [2.0, 4.25], "cells with spaces around them"
    assert table.numbers("a").tolist() == [1.5, 3.0]


def test_text_far_into_the_file_is_found_and_a_dropped_text_column_is_fine(tmp_path):
    """The reader guesses nothing from the first rows: a column with text in its last row
    (past the first block the reader parses) is text, and dropping it trains."""
    rows = 160_000
    path = tmp_path / "t.csv"
    kinds = ["1"] * (rows - 1) + ["late text"]
    path.write_text("a,kind,label\n" + "".join(
        f"{i % 7},{k},{'yes' if i % 2 else 'no'}\n" for i, k in enumerate(kinds)))  # fmt: skip
    assert path.stat().st_size > 1 << 20, "longer than the reader's first block"
    module = csv_module(path, drop_columns=["kind"], valid_fraction=0.5)
    assert module.spec.input_size == 1 and len(module.splits["train"]) == rows // 2
    with pytest.raises(UserError, match=f"column 'kind' of .* is not numeric \\(row {rows}: "):
        csv_module(path)


def test_errors_name_the_line_and_the_byte_of_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,yes\n\n3,4,no\n5,6\n")
    with pytest.raises(UserError, match="line 5 of .* has 2 values but there are 3 columns"):
        read_table(path)
    before = b"a,b,label\n1,2,yes\n3,4,caf"
    path.write_bytes(before + b"\xe9\n")
    with pytest.raises(UserError, match=f"not a UTF-8 text table \\(byte {len(before)} is 0xe9"):
        read_table(path)


def test_whitespace_separated_rows_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xef\xbb\xbf   0.5   1\t 7 \r\n  1.5 2 8\r\n\n")
    table = read_table(path, names=["x", "y", "z"])
    assert table.columns == ["x", "y", "z"]
    assert table.numbers("x").tolist() == [0.5, 1.5] and table.numbers("z").tolist() == [7, 8]
