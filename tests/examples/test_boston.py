"""Seed 004's Boston table: its rows, its layouts, its columns."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from minibatch.examples.data.boston import COLUMNS, BostonDataModule, packaged_table


def test_boston_table_is_506_rows_of_14_columns():
    module = BostonDataModule(batch_size=50)
    module.setup()
    train, valid = module.splits["train"], module.splits["valid"]
    assert len(train) + len(valid) == 506 and len(valid) == 101
    assert module.spec.input_size == 13 and module.task == "regression"
    assert train.targets.mean().abs() < 1e-5 and (train.targets.std() - 1).abs() < 1e-4
    assert valid.targets.mean().abs() > 1e-3, "validation rows are scaled with training statistics"
    assert module.statistics["target_mean"].item() == pytest.approx(22.5, abs=1.0)


def test_boston_reads_a_csv_with_header_the_same(tmp_path):
    lines = Path(packaged_table()).read_text().splitlines()
    rows = [line.split() for line in lines if line.strip()]
    path = tmp_path / "boston.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(",".join(r) for r in rows))
    seed_layout, with_header = BostonDataModule(), BostonDataModule(path=str(path))
    seed_layout.setup()
    with_header.setup()
    assert torch.equal(seed_layout.splits["train"].features, with_header.splits["train"].features)


def test_boston_can_drop_column_b():
    module = BostonDataModule(drop_columns=["B"])
    module.setup()
    assert module.spec.input_size == 12
