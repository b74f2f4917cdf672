"""Seed 004's Boston housing prices: 506 rows, 13 features, predict MEDV (the table ships inside).

Standardised with the training rows' statistics only (the notebook uses the whole table);
column B encodes race and is kept for fidelity: `data.drop_columns=[B]` trains without it.
"""

from __future__ import annotations

from importlib import resources

from minibatch.data.tables.csv_datamodule import CsvDataModule

COLUMNS = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B",
           "LSTAT", "MEDV"]  # fmt: skip


def packaged_table() -> str:
    """Path of the Boston table shipped with the package."""
    return str(resources.files("minibatch.examples.data") / "files" / "boston-house-prices.csv")


class BostonDataModule(CsvDataModule):
    """Boston housing as a regression of MEDV on the other 13 columns, both standardised."""

    def __init__(
        self,
        path: str | None = None,
        drop_columns: list[str] | None = None,
        valid_fraction: float = 0.2,
        split_seed: int = 0,
        **loader_options,
    ) -> None:
        super().__init__(
            path=path or packaged_table(),
            target="MEDV",
            drop_columns=drop_columns,
            task="regression",
            valid_fraction=valid_fraction,
            split_seed=split_seed,
            standardize=True,
            standardize_target=True,
            names=COLUMNS,
            **loader_options,
        )
