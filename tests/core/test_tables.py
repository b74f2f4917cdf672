"""Tabular data: the csv DataModule (your own data)."""

from __future__ import annotations

import pytest
import torch

from minibatch.data.tables.csv_datamodule import CsvDataModule
from minibatch.errors import UserError
from tests.core.fake_tables import write_csv


def csv_module(path, **options) -> CsvDataModule:
    module = CsvDataModule(path=str(path), **{"target": "label", "batch_size": 20, **options})
    module.setup()
    return module


def test_csv_binary_target_is_inferred_and_encoded(tmp_path):
    module = csv_module(write_csv(tmp_path / "t.csv", rows=200))
    assert module.task == "binary" and module.classes == ["no", "yes"]
    assert module.spec.input_size == 3 and module.spec.output_size == 1
    train, valid = module.splits["train"], module.splits["valid"]
    assert (len(train), len(valid)) == (160, 40)
    assert train.targets.shape == (160, 1) and set(train.targets.unique().tolist()) == {0.0, 1.0}
    assert train.features.mean(0).abs().max() < 1e-5, "standardised with training statistics"
    assert train.features.std(0).sub(1).abs().max() < 1e-4


def test_csv_task_inference(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,price,grade,kind\n" + "\n".join(
        f"{i},{i * 1.5 + 0.25},{i % 4},{'abc'[i % 3]}" for i in range(50)))  # fmt: skip
    assert csv_module(path, target="price", drop_columns=["kind"]).task == "regression"
    grades = csv_module(path, target="grade", features=["x", "price"])
    assert grades.task == "multiclass" and grades.num_classes == 4 and grades.spec.output_size == 4
    assert grades.splits["train"].targets.dtype == torch.int64
    assert csv_module(path, target="kind", features=["x"]).num_classes == 3
    assert csv_module(path, target="grade", features=["x"], task="regression").task == "regression"


def test_csv_features_and_drop_columns(tmp_path):
    path = write_csv(tmp_path / "t.csv")
    assert csv_module(path, features=["a", "b"]).spec.input_size == 2
    assert csv_module(path, drop_columns=["c"]).spec.input_size == 2


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (None, {}, "does not exist"),
        ("", {}, "is empty"),
        ("a,b,label\n", {}, "has a header but no rows"),
        ("a,b,label\n1,2,yes\n3,4\n", {}, "line 3 of .* has 2 values but there are 3 columns"),
        ("a,b,label\n1,x,yes\n3,4,no\n", {}, "column 'b' of .* is not numeric \\(row 1: 'x'\\)"),
        ("a,b,label\n1,2,yes\n3,4,no\n", {"target": "price"}, "has no column 'price'; its columns"),
        ("a,b,label\n1,2,yes\n3,4,no\n", {"features": ["z"]}, "has no column 'z'"),
        ("a,b,label\n1,2,yes\n3,4,no\n", {"valid_fraction": 0.1}, "too few to hold out"),
    ],
)
def test_csv_bad_input_gives_one_sentence(tmp_path, content, options, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError, match=message):
        csv_module(path, **options)


def test_csv_needs_a_path_and_a_target():
    with pytest.raises(UserError, match="data.path=my.csv data.target=y"):
        CsvDataModule()


def test_weighted_sampler_balances_an_imbalanced_csv(tmp_path):
    path = write_csv(tmp_path / "imbalanced.csv", rows=1000, positives=50)
    plain = csv_module(path, batch_size=100, valid_fraction=0.2)
    weighted = csv_module(path, batch_size=100, valid_fraction=0.2, sampler="weighted")
    share = lambda module: torch.cat([y for _, y in module.train_dataloader()]).mean().item()  # noqa: E731
    assert share(plain) < 0.1
    batches = [y.mean().item() for _, y in weighted.train_dataloader()]
    assert len(batches) == 8 and all(0.35 < b < 0.65 for b in batches), batches
    assert abs(share(weighted) - 0.5) < 0.06
