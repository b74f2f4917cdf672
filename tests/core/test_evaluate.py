"""Evaluating and predicting from a checkpoint written by a training run."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir

from minibatch.cli.evaluate import evaluate
from minibatch.cli.train import run_training
from minibatch.errors import UserError
from minibatch.runs.project_paths import CONFIG_DIR
from tests.conftest import REPO_ROOT
from tests.core.fake_tables import write_csv


def evaluation(*overrides: str):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("evaluate", overrides=list(overrides))


@pytest.fixture
def trained_csv(compose_config, tmp_path):
    """A csv classifier trained for 10 epochs, with its checkpoint and final metrics."""
    table = write_csv(tmp_path / "table.csv", rows=300)
    cfg = compose_config("data=csv", f"data.path={table}", "data.target=label", "logger=none",
                         "trainer.max_epochs=10", "optimizer.lr=0.01",
                         "trainer.enable_progress_bar=false")  # fmt: skip
    result = run_training(cfg)
    return result, f"{cfg.paths.output_dir}/checkpoints/last.ckpt", table


def its_data(table) -> tuple[str, str]:
    """The csv data options, given on the command line (a checkpoint's are never applied)."""
    return f"+data.path={table}", "+data.target=label"


def test_evaluate_reproduces_the_final_validation_metrics(trained_csv):
    result, checkpoint, table = trained_csv
    metrics = evaluate(evaluation(f"ckpt_path={checkpoint}", "split=valid", "accelerator=cpu",
                                  *its_data(table)))  # fmt: skip
    assert metrics["valid/loss"] == pytest.approx(result.metrics["val/loss"], rel=1e-5)
    assert metrics["valid/acc"] == pytest.approx(result.metrics["val/acc"], rel=1e-5)
    train_metrics = evaluate(evaluation(f"ckpt_path={checkpoint}", "split=train", *its_data(table)))
    assert train_metrics["train/acc"] > 0.8


def test_predictions_file_has_one_row_per_example(trained_csv, tmp_path):
    result, checkpoint, table = trained_csv
    out = tmp_path / "predictions.csv"
    evaluate(evaluation(f"ckpt_path={checkpoint}", f"predict_path={out}", *its_data(table)))
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(result.datamodule.splits["valid"])
    assert set(rows[0]) == {"row", "target", "predicted_class", "probability"}
    correct = sum(float(r["target"]) == float(r["predicted_class"]) for r in rows) / len(rows)
    assert correct == pytest.approx(result.metrics["val/acc"], abs=1e-6)


def test_predict_for_a_new_table_of_inputs(trained_csv, tmp_path):
    _, checkpoint, table = trained_csv
    inputs = tmp_path / "inputs.csv"
    inputs.write_text("c,b,a\n0,3,3\n0,-3,-3\n")  # columns in another order, no label
    out = tmp_path / "new.csv"
    assert evaluate(evaluation(f"ckpt_path={checkpoint}", f"input_path={inputs}",
                               f"predict_path={out}", *its_data(table))) == {}  # fmt: skip
    rows = list(csv.DictReader(out.open()))
    assert [r["predicted_class"] for r in rows] == ["1", "0"], "a + b > 0 is 'yes' (class 1)"


def test_a_checkpoint_on_other_data_fails_in_one_sentence(trained_csv, tmp_path):
    _, checkpoint, _ = trained_csv
    other = tmp_path / "other.csv"
    other.write_text("a,label\n" + "\n".join(f"{i},{'yes' if i % 2 else 'no'}" for i in range(50)))
    with pytest.raises(UserError, match="does not fit this data and model"):
        evaluate(evaluation(f"ckpt_path={checkpoint}", f"+data.path={other}", "+data.target=label"))


def test_missing_checkpoint_and_bad_split(tmp_path):
    with pytest.raises(UserError, match="is not a file"):
        evaluate(evaluation(f"ckpt_path={tmp_path}/none.ckpt"))
    with pytest.raises(UserError, match="split=holdout is not one of"):
        evaluate(evaluation(f"ckpt_path={tmp_path}/none.ckpt", "split=holdout"))


@pytest.mark.slow
def test_evaluate_command_line(trained_csv, tmp_path):
    _, checkpoint, table = trained_csv
    command = [sys.executable, str(REPO_ROOT / "scripts/evaluate.py"),
               f"ckpt_path={checkpoint}", f"paths.log_dir={tmp_path}", f"data.path={table}",
               "data.target=label"]  # fmt: skip
    ok = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "valid/acc" in ok.stdout + ok.stderr
    bad = subprocess.run([*command, "split=test"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "has no test split" in bad.stderr
    assert "Traceback" not in bad.stderr
